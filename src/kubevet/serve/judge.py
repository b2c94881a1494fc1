"""The one place the webhook meets the engine: judge one admitted object in its context.

``Judge.judge(obj)`` returns the findings kubevet scan would report about the object if it
were scanned with the ``--context`` manifests around it: same rules, severities, options,
exemptions and suppression annotations. This adapter runs ``kubevet.engine.Engine`` on
the object's JSON; it is the only module to change when the library API ``kubevet.api``
(scan_objects with a ClusterState) takes over.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from kubevet.config import Config
from kubevet.engine import Engine
from kubevet.findings import Finding, Severity
from kubevet.model import Source

SOURCE_NAME = "<admission>"


@dataclass
class Judgement:
    findings: list[Finding] = field(default_factory=list)  # active (not suppressed), worst first
    crashes: list[str] = field(default_factory=list)  # "rule X (CODE) crashed on ...: error"


class Judge:
    """The rules a configuration selects, ready to judge admitted objects."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.engine = Engine(config)
        kinds: set[str] = set()
        self.every_kind = False
        for r in self.engine.rules:
            if r.scope == "input":
                continue
            expanded = self.engine._expand(r.kinds)
            if expanded is None:
                self.every_kind = True
            else:
                kinds |= expanded
        self.kinds = frozenset(kinds)

    def has_rules_for(self, kind: str) -> bool:
        """Whether any selected rule judges objects of this kind (a fast allow otherwise)."""
        return self.every_kind or kind in self.kinds

    def judge(self, obj: dict, context: list[Source] = ()) -> Judgement:
        source = Source(None, SOURCE_NAME, orjson.dumps(obj))
        result = self.engine.scan([source], context=context)
        active = [f for f in result.findings if not f.suppressed and f.severity >= Severity.WARNING]
        active.sort(key=lambda f: (-f.severity, f.code, f.named_path or ""))
        return Judgement(active, list(result.crashes))


def identity(f: Finding) -> tuple:
    """What makes two findings on two versions of an object the same finding: the rule and
    the field path with list items named (a container moved in the list is the same one)."""
    from kubevet.findings import format_path

    return (f.rule, f.named_path or format_path(f.path))
