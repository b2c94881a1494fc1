"""Baselines: record today's findings, then fail only on new ones.

``kubevet baseline PATH... -o .kubevet-baseline.json`` writes the fingerprints of every
unsuppressed finding; ``kubevet scan --baseline FILE`` marks the findings it finds there
as suppressed (``{"kind": "external", "reason": "baseline"}``, so JSON and SARIF still
carry them) and judges the exit code on the others.

A fingerprint says *what* is wrong, never *where on the page*: it is a hash of

- the rule (its name),
- the object: API group (not version), kind, namespace and name,
- the field path inside the object, with the index of a named list item replaced by its
  name: ``containers[1]`` -> ``containers[name=web]``, ``env[3]`` -> ``env[name=X]``,
  ``volumeMounts[0]`` -> ``volumeMounts[mountPath=/data]``, a string in a list by its
  value (``capabilities.add[=NET_RAW]``),
- the file, relative to the working directory, with ``/`` separators.

Line and column numbers and the message are left out, so moving lines, inserting
documents or comments above, and reordering documents, containers or list items keep a
finding's fingerprint; renaming the object, the container or the file, or a different
rule, make a new one. The baseline keeps a count per fingerprint: a second, identical
finding (a duplicated object in the same file) is new.

Naming list items needs the object's data: the engine records the named field path
(``Finding.named_path``, see ``kubevet.k8s.paths``) when it places a finding.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from kubevet.errors import KubevetError
from kubevet.findings import Finding, format_path
from kubevet.result import ScanResult

VERSION = 1
DEFAULT_FILE = ".kubevet-baseline.json"
SUPPRESSION = {"kind": "external", "reason": "baseline"}

class BaselineError(KubevetError):
    """A baseline file that cannot be read, or is not a kubevet baseline (exit 2)."""


# --------------------------------------------------------------------------- fingerprints


def normalize_file(file: str, cwd: str | None = None) -> str:
    """A finding's file as fingerprints and GitLab name it: ``/`` separators, no leading
    ``./``, and an absolute path made relative to ``cwd`` (the CLI passes its working
    directory) when it lies below it."""
    if not file or (file.startswith("<") and file.endswith(">")):
        return file
    path = file
    if os.path.isabs(path) and cwd is not None:
        rel = os.path.relpath(path, cwd)
        path = path if rel == ".." or rel.startswith(".." + os.sep) else rel
    path = os.path.normpath(path).replace(os.sep, "/")
    while path.startswith("./"):
        path = path[2:]
    return path


@dataclass(frozen=True)
class Identity:
    """What identifies a finding for a baseline (and GitLab): see the module docstring."""

    rule: str
    group: str
    kind: str
    namespace: str
    name: str
    field: str
    file: str

    @property
    def fingerprint(self) -> str:
        raw = json.dumps(
            [self.rule, self.group, self.kind, self.namespace, self.name, self.field, self.file],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]

    @property
    def object(self) -> str:
        if not self.kind:
            return ""
        kind = f"{self.group}/{self.kind}" if self.group else self.kind
        name = self.name or "<unnamed>"
        return f"{kind} {self.namespace}/{name}" if self.namespace else f"{kind} {name}"


def identity(f: Finding, cwd: str | None = None) -> Identity:
    """The identity of a finding; the named field path when ``attach`` recorded one."""
    named = f.named_path or (format_path(f.path) if f.path else "")
    obj = f.obj
    group = ""
    if obj is not None and "/" in obj.api_version:
        group = obj.api_version.rpartition("/")[0]
    return Identity(
        rule=f.rule,
        group=group,
        kind=obj.kind if obj else "",
        namespace=(obj.namespace or "") if obj else "",
        name=(obj.name or "") if obj else "",
        field=named,
        file=normalize_file(f.file, cwd),
    )


def attach(result: ScanResult, cwd: str | None = None) -> dict[int, Identity]:
    """Take the named paths out of the findings and give the result its identities.

    Returns (and keeps as ``result.identities``) a map from ``id(finding)`` to its
    ``Identity``, for ``apply``, ``write`` and the GitLab report.
    """
    identities: dict[int, Identity] = {}
    for f in result.findings:
        identities[id(f)] = identity(f, cwd)
    result.identities = identities  # type: ignore[attr-defined]
    return identities


def identities_of(result: ScanResult, cwd: str | None = None) -> dict[int, Identity]:
    """The identities ``attach`` gave the result, or computed now (numeric indices)."""
    known = getattr(result, "identities", None)
    if known is not None and all(id(f) in known for f in result.findings):
        return known
    return {id(f): identity(f, cwd) for f in result.findings}


def occurrence_fingerprints(findings: Iterable[Finding], identities: dict[int, Identity]) -> dict[int, str]:
    """A fingerprint per finding that is unique within the report: the first finding of
    an identity gets the baseline fingerprint, the n-th a hash of it and n."""
    seen: Counter[str] = Counter()
    out: dict[int, str] = {}
    for f in findings:
        fp = identities[id(f)].fingerprint
        seen[fp] += 1
        n = seen[fp]
        out[id(f)] = fp if n == 1 else hashlib.sha256(f"{fp}#{n}".encode()).hexdigest()[:32]
    return out


# --------------------------------------------------------------------------- the file


@dataclass
class Entry:
    fingerprint: str
    count: int
    rule: str = ""
    file: str = ""
    object: str = ""
    field: str = ""


@dataclass
class Baseline:
    """The findings a baseline file accepts: a count per fingerprint."""

    counts: dict[str, int] = field(default_factory=dict)
    path: str = ""
    unused: int = 0  # baselined findings that the last ``apply`` did not find

    def apply(self, result: ScanResult) -> int:
        """Suppress the findings the baseline holds; returns how many were suppressed.

        Findings are matched in report order: with a count of 1 and two identical
        findings, the first is baselined and the second is new.
        """
        identities = identities_of(result)
        left = dict(self.counts)
        matched = 0
        for f in sorted(result.findings, key=Finding.sort_key):
            if f.suppressed:
                continue
            fp = identities[id(f)].fingerprint
            if left.get(fp, 0) > 0:
                left[fp] -= 1
                f.suppressed = True
                f.suppression = dict(SUPPRESSION)
                matched += 1
        self.unused = sum(left.values())
        return matched


def entries(result: ScanResult) -> list[Entry]:
    """The entries a baseline of this scan holds: its unsuppressed findings, counted."""
    identities = identities_of(result)
    counts: Counter[Identity] = Counter()
    for f in result.findings:
        if not f.suppressed:
            counts[identities[id(f)]] += 1
    out = [
        Entry(ident.fingerprint, n, ident.rule, ident.file, ident.object, ident.field)
        for ident, n in counts.items()
    ]
    out.sort(key=lambda e: (e.file, e.object, e.rule, e.field, e.fingerprint))
    return out


def dumps(items: list[Entry]) -> str:
    """The baseline file: deterministic (sorted, no timestamps), one entry per line."""
    lines = [
        json.dumps(
            {
                "fingerprint": e.fingerprint,
                "count": e.count,
                "rule": e.rule,
                "file": e.file,
                "object": e.object,
                "field": e.field,
            },
            ensure_ascii=False,
            separators=(", ", ": "),
        )
        for e in items
    ]
    body = ",\n    ".join(lines)
    findings = f"[\n    {body}\n  ]" if lines else "[]"
    return f'{{\n  "version": {VERSION},\n  "tool": "kubevet",\n  "findings": {findings}\n}}\n'


def write(path: str, result: ScanResult) -> list[Entry]:
    """Write the baseline of a scan to ``path`` (atomically); returns its entries."""
    items = entries(result)
    text = dumps(items)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".kubevet-baseline.", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return items


def load(path: str) -> Baseline:
    """Read a baseline file; BaselineError (exit 2) when it is missing or malformed."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise BaselineError(
            f"--baseline: no such file: {path} (create it with `kubevet baseline PATH... -o {path}`)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise BaselineError(f"--baseline: cannot read {path}: {reason}") from None
    return loads(text, path)


def loads(text: str, path: str = "<baseline>") -> Baseline:
    def bad(why: str) -> BaselineError:
        return BaselineError(f"--baseline: {path} is not a kubevet baseline: {why}")

    try:
        data = json.loads(text)
    except ValueError as exc:
        raise bad(f"invalid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise bad("expected a JSON object")
    version = data.get("version")
    if version is None:
        raise bad('no "version"')
    if version != VERSION or isinstance(version, bool):
        raise bad(f"version {version!r} is not supported (this kubevet reads version {VERSION})")
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise bad('"findings" must be a list')
    counts: dict[str, int] = {}
    for i, item in enumerate(findings):
        if not isinstance(item, dict):
            raise bad(f"findings[{i}] is not an object")
        fp = item.get("fingerprint")
        count = item.get("count", 1)
        if not isinstance(fp, str) or not fp:
            raise bad(f"findings[{i}] has no fingerprint")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise bad(f"findings[{i}].count must be a positive integer")
        counts[fp] = counts.get(fp, 0) + count
    return Baseline(counts, path)
