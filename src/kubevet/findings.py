"""What a check reports: severities, object references and findings."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.IntEnum):
    """How bad a finding is; higher is worse, so ``severity >= fail_on`` gates a build."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(str(s) for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """The identity of a Kubernetes object as a finding names it."""

    api_version: str
    kind: str
    namespace: str | None
    name: str | None

    def __str__(self) -> str:
        name = self.name or "<unnamed>"
        if self.namespace:
            return f"{self.kind} {self.namespace}/{name}"
        return f"{self.kind} {name}"

    def to_json(self) -> dict[str, Any]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }


Path = tuple  # a field path inside an object: ("spec", "template", "spec", "containers", 1, "image")


MISSING = object()
"""What value_at() returns for a path that is not in the data (None may be a value)."""


def value_at(data: Any, path: Sequence) -> Any:
    """The value at a field path of decoded data, or MISSING."""
    node = data
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool) and isinstance(node, list) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return MISSING
    return node


def format_path(path: Path) -> str:
    """Render a field path the way kubectl explain and error messages do: a.b[1].c."""
    out = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif out:
            out.append(f".{part}")
        else:
            out.append(str(part))
    return "".join(out)


@dataclass(slots=True)
class Finding:
    """One problem, at one place, found by one rule.

    Rules create findings with a message and a field path; the engine fills in the rule's
    identity, the final severity and the resolved file position.
    """

    message: str
    path: Path = ()
    rule: str = ""
    code: str = ""
    severity: Severity = Severity.ERROR
    file: str = ""
    line: int = 0
    column: int = 0
    obj: ObjectRef | None = None
    suppressed: bool = False
    # how it was suppressed: {"kind": "inSource" (annotation) or "external" (config), "reason": ...}
    suppression: dict[str, str] | None = None
    # where the object came from when it was rendered (Helm template, kustomize base file ...)
    origin: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # set by a rule that rates this finding above or below the rule's default severity;
    # a severity configured for the rule still applies to all of its findings
    default_severity: Severity | None = None
    # the object the finding is about, while the engine places it (never serialized)
    target: Any = field(default=None, repr=False, compare=False)
    # the field path with list items named rather than numbered (containers[name=web]),
    # set when the finding is placed: what baselines and fingerprints identify it by
    named_path: str | None = field(default=None, repr=False, compare=False)
    # a finding that joins several of one cause (kubevet.groups): the findings it stands for
    members: tuple[Finding, ...] = ()

    @property
    def identity(self) -> tuple[str, str, str, str, str, str]:
        """What the finding is about, independent of where it is written:
        (rule, API group, kind, namespace, name, named field path).

        No file, line or message: the same problem in two renders, in a baseline and a
        moved file, or in the OLD and NEW of a diff has the same identity. The field path
        names list items (``containers[name=web]``) once the engine has placed the finding,
        so reordering containers keeps it too.
        """
        obj = self.obj
        group = obj.api_version.rpartition("/")[0] if obj is not None and "/" in obj.api_version else ""
        path = self.named_path or (format_path(self.path) if self.path else "")
        if obj is None:
            return (self.rule, "", "", "", "", path)
        return (self.rule, group, obj.kind, obj.namespace or "", obj.name or "", path)

    def sort_key(self) -> tuple:
        obj = self.obj
        return (
            self.file,
            self.line,
            self.column,
            self.code,
            self.message,
            (obj.kind, obj.namespace or "", obj.name or "") if obj else ("", "", ""),
        )
