"""What a rule is: the ``@rule`` decorator, rule metadata, options and the check context."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kubevet.findings import Finding, Path, Severity
from kubevet.k8s.index import ObjectIndex, namespace_of

__all__ = ["WORKLOADS", "Option", "Rule", "RuleContext", "namespace_of", "rule"]

if TYPE_CHECKING:
    from kubevet.k8s.workloads import Workloads
    from kubevet.model import K8sObject

SCOPES = ("object", "cluster", "input")
DOC_SECTIONS = ("What it checks", "Why it matters", "Example", "Fix", "Options", "References")
_CODE = re.compile(r"[A-Z]{3}[0-9]{3}\Z")
_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")

WORKLOADS = "workloads"
"""``kinds=WORKLOADS``: every kind that carries a pod template, custom workloads included."""


@dataclass(frozen=True)
class Option:
    """A rule option: its name (kebab-case), type, default and what it does.

    ``check`` validates a parsed value (raising ValueError) when the configuration is
    read, so that a bad regex or an unknown choice is a configuration error (exit 2)
    naming the option, never a rule that crashes in the middle of a scan.
    """

    name: str
    default: Any
    help: str
    check: Callable[[Any], None] | None = None

    @property
    def type(self) -> type:
        return type(self.default)

    def parse(self, value: Any) -> Any:
        """Coerce a value from the CLI or a config file and validate it, or raise ValueError
        (whose message the caller prefixes with the rule and option names)."""
        parsed = self._coerce(value)
        if self.check is not None:
            self.check(parsed)
        return parsed

    def _coerce(self, value: Any) -> Any:
        want = self.type
        if want is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
                return value.lower() in ("true", "yes", "1")
        elif want is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
                return int(value)
        elif want is list:
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return list(value)
            if isinstance(value, str):
                return [v.strip() for v in value.split(",") if v.strip()]
        elif isinstance(value, want):
            return value
        shown = {list: "a list of strings", str: "a string", int: "an integer", bool: "a boolean"}.get(want, want.__name__)
        raise ValueError(f"expects {shown}, got {_shown(value)}")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def regexes(values: list[str]) -> None:
    """Option check: every item compiles as a Python regular expression."""
    for v in values:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"{v!r} is not a valid regular expression ({exc})") from None


def one_of(*choices: str, ignore_case: bool = True) -> Callable[[Any], None]:
    """Option check: the value (or every item of a list) is one of ``choices``."""
    allowed = {c.lower() if ignore_case else c for c in choices}

    def check(value: Any) -> None:
        for v in value if isinstance(value, list) else [value]:
            if (v.lower() if ignore_case else v) not in allowed:
                raise ValueError(f"{v!r} is not one of {', '.join(choices)}")

    return check


def at_least(low: int) -> Callable[[Any], None]:
    """Option check: an integer of at least ``low``."""

    def check(value: int) -> None:
        if value < low:
            raise ValueError(f"{value} is less than {low}")

    return check


def kube_version(value: str) -> None:
    """Option check: empty (the newest) or a Kubernetes version kubevet knows."""
    from kubevet.schema.versions import parse

    parse(value)


@dataclass(frozen=True)
class Rule:
    """A registered rule: identity, defaults, documentation and its check function."""

    code: str
    name: str
    category: str
    severity: Severity
    kinds: frozenset[str] | str | None  # None: every kind; WORKLOADS: pod-bearing kinds
    scope: str
    check: Callable[..., Iterable[Finding]] | None
    doc: str
    options: tuple[Option, ...] = ()
    enabled: bool = True  # on by default
    # what a cluster rule reads of the objects it sees: "full" objects, or only their
    # "identity" (apiVersion, kind, metadata.name and namespace), which costs no memory;
    # or a function (obj, ctx) -> "full" | "identity" | None | dict deciding object by
    # object, where a dict is the projection of the object's data to keep with its identity
    retain: str | Callable[..., str | None] = "full"
    # a cluster rule may judge some objects as they stream by (early(obj, ctx), like an
    # object rule) and keep only the others for its end-of-scan check
    early: Callable[..., Iterable[Finding]] | None = None
    since: str = "0.1.0"
    module: str = ""

    @property
    def title(self) -> str:
        """The first line of the docs: what the rule reports, in a sentence."""
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else self.name

    def doc_markdown(self) -> str:
        """The rule's documentation as Markdown, with its name and code as heading."""
        body = _dedent(self.doc).split("\n", 1)
        rest = body[1].strip() if len(body) > 1 else ""
        head = f"# {self.name} ({self.code})\n\n{self.title}\n\n"
        head += f"Category: {self.category} · Default severity: {self.severity}"
        head += "" if self.enabled else " · Off by default"
        return f"{head}\n\n{rest}\n"

    def section(self, name: str) -> str:
        return doc_sections(self.doc).get(name, "")

    @property
    def help(self) -> str:
        """A one-line fix for reports: the first paragraph of the Fix section, minus code."""
        fix = self.section("Fix")
        for para in fix.split("\n\n"):
            para = para.strip()
            if para and not para.startswith("```"):
                return " ".join(para.split())
        return ""

    def option(self, name: str) -> Option:
        for opt in self.options:
            if opt.name == name:
                return opt
        known = ", ".join(o.name for o in self.options) or "none"
        raise KeyError(f"rule {self.name} has no option {name!r} (options: {known})")

    def defaults(self) -> dict[str, Any]:
        return {o.name: o.default for o in self.options}


def doc_sections(doc: str) -> dict[str, str]:
    """Split a rule's docs into its ``## Section`` parts (the title line excluded)."""
    sections: dict[str, str] = {}
    current = None
    lines: list[str] = []
    for line in _dedent(doc).splitlines():
        if line.startswith("## "):
            if current is not None:
                sections[current] = "\n".join(lines).strip()
            current = line[3:].strip()
            lines = []
        elif current is not None:
            lines.append(line)
    if current is not None:
        sections[current] = "\n".join(lines).strip()
    return sections


def yaml_blocks(text: str) -> list[tuple[str, str]]:
    """The fenced ```yaml blocks of a doc section: (encoding, text) pairs.

    A block's info string may name the encoding its bytes are written in
    (```yaml encoding=latin-1); UTF-8 otherwise.
    """
    blocks = []
    for info, body in re.findall(r"```ya?ml([^\n]*)\n(.*?)```", text, re.S):
        m = re.search(r"encoding=([\w-]+)", info)
        blocks.append((m.group(1) if m else "utf-8", body))
    return blocks


def _dedent(doc: str) -> str:
    lines = doc.expandtabs().splitlines()
    if not lines:
        return ""
    indents = [len(l) - len(l.lstrip()) for l in lines[1:] if l.strip()]
    margin = min(indents) if indents else 0
    return "\n".join([lines[0].strip()] + [l[margin:] for l in lines[1:]])


class RuleContext(ObjectIndex):
    """What a check sees besides the object: its options, the workload registry, the scan.

    Cluster-scope rules read every retained object of the lint context with ``objects()``
    (see ``kubevet.k8s.index.ObjectIndex``).
    """

    def __init__(
        self,
        rule: Rule,
        options: dict[str, Any],
        workloads: Workloads,
        objects: list[K8sObject] | None = None,
        config: Any = None,
        shared: dict | None = None,
    ) -> None:
        super().__init__(workloads, objects, config, shared)
        self.rule = rule
        self.options = options

    def option(self, name: str) -> Any:
        return self.options[name]

    def finding(self, obj: K8sObject, message: str, path: Path = ()) -> Finding:
        """A finding about ``obj``; cluster-scope rules use this to say which object."""
        return Finding(message, path, target=obj)


_REGISTRY: dict[str, Rule] = {}


def rule(
    *,
    code: str,
    name: str,
    severity: str,
    kinds: Iterable[str] | str | None = None,
    scope: str = "object",
    options: Iterable[Option] = (),
    enabled: bool = True,
    category: str | None = None,
    retain: str | Callable[..., str | None] = "full",
    early: Callable[..., Iterable[Finding]] | None = None,
) -> Callable[[Callable], Callable]:
    """Register a check function as a rule; its docstring is the rule's documentation."""
    if not _CODE.match(code):
        raise ValueError(f"rule code {code!r} must be three capitals and three digits")
    if not _NAME.match(name):
        raise ValueError(f"rule name {name!r} must be kebab-case")
    if not callable(retain) and retain not in ("full", "identity"):
        raise ValueError(f"rule retain {retain!r} must be 'full', 'identity' or a function")
    if early is not None and scope != "cluster":
        raise ValueError("only cluster-scope rules have an early check")
    if scope not in SCOPES:
        raise ValueError(f"rule scope {scope!r} must be one of {SCOPES}")

    def register(fn: Callable) -> Callable:
        module = sys.modules.get(fn.__module__)
        cat = category or fn.__module__.split(".")[-2]
        kind_set: frozenset[str] | str | None
        if kinds is None or kinds == WORKLOADS:
            kind_set = kinds  # type: ignore[assignment]
        else:
            kind_set = frozenset([kinds] if isinstance(kinds, str) else kinds)
        meta = Rule(
            code=code,
            name=name,
            category=cat,
            severity=Severity.parse(severity),
            kinds=kind_set,
            scope=scope,
            check=None if scope == "input" else fn,
            doc=fn.__doc__ or (module.__doc__ if module else "") or "",
            options=tuple(options),
            enabled=enabled,
            retain=retain,
            early=early,
            module=fn.__module__,
        )
        for existing in _REGISTRY.values():
            if existing.code == code or existing.name == name:
                raise ValueError(f"rule {code} {name} clashes with {existing.code} {existing.name}")
        _REGISTRY[code] = meta
        fn.rule = meta  # type: ignore[attr-defined]
        return fn

    return register


def registered() -> dict[str, Rule]:
    return _REGISTRY
