"""The one place the webhook meets the library: judge one admitted object in its context.

``Judge.judge(obj, state)`` returns the findings ``kubevet scan`` would report about the
object if it were scanned with the ``--context`` manifests around it: same rules,
severities, options, exemptions and suppression annotations. It is ``kubevet.api``'s
``scan_objects`` with the context as a ``ClusterState`` (read once, reloaded on change by
kubevet.serve.context), so a request parses nothing but its own object.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubevet import api
from kubevet.k8s.workloads import Workloads, parse_workload_kinds
from kubevet.rules import WORKLOADS, all_rules

SOURCE_NAME = "<admission>"


@dataclass
class Judgement:
    findings: list[api.Finding] = field(default_factory=list)  # active (not suppressed), worst first
    crashes: list[str] = field(default_factory=list)  # "rule X (CODE) raised Error: text"


class Judge:
    """The rules a configuration selects, ready to judge admitted objects."""

    def __init__(self, config: api.Config) -> None:
        self.config = config
        workloads = Workloads(parse_workload_kinds(config.workload_kinds)).kinds
        kinds: set[str] = set()
        self.every_kind = False
        self.rules = [r for r in all_rules() if config.active(r)]
        for r in self.rules:
            if r.scope == "input":
                continue
            if r.kinds is None:
                self.every_kind = True
            elif r.kinds == WORKLOADS:
                kinds |= workloads
            else:
                kinds |= {k for k in r.kinds if k != WORKLOADS}
                if WORKLOADS in r.kinds:
                    kinds |= workloads
        self.kinds = frozenset(kinds)

    def has_rules_for(self, kind: str) -> bool:
        """Whether any selected rule judges objects of this kind (a fast allow otherwise)."""
        return self.every_kind or kind in self.kinds

    def judge(self, obj: dict, state: api.ClusterState | None) -> Judgement:
        """The findings of ``obj`` judged in ``state``. When the state holds an object of the
        same identity (the context has the application's manifests too), the admitted one
        stands in for it, as it will in the cluster: the rules that add up a namespace
        (quota-exceeded ...) must not count it twice. The state is put back as it was."""
        held = state.get(obj) if state is not None and _identified(obj) else None
        if held is None:
            return self._judge(obj, state)
        state.remove(obj)
        try:
            return self._judge(obj, state)
        finally:
            state.replace(api.Placed(held, "<context>"))

    def _judge(self, obj: dict, state: api.ClusterState | None) -> Judgement:
        result = api.scan_objects([obj], state=state, name=SOURCE_NAME)
        active = [f for f in result.findings if not f.suppressed and f.severity >= api.Severity.WARNING]
        active.sort(key=lambda f: (-f.severity, f.code, f.named_path or ""))
        crashes = [f"rule {c.rule} ({c.code}) raised {c.error_type}: {c.error}" for c in result.crashes]
        return Judgement(active, crashes)


def _identified(obj: dict) -> bool:
    meta = obj.get("metadata")
    return isinstance(meta, dict) and isinstance(meta.get("name"), str) and bool(meta.get("name"))


def identity(f: api.Finding) -> tuple:
    """What makes two findings on two versions of an object the same finding: the rule,
    the object, and the field path with list items named (a container moved in the list
    is the same container)."""
    return f.identity
