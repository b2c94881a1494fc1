"""The normal rules on both sides, each finding of NEW marked new (absent in OLD) or existing.

A finding is identified independently of the file it is written in (a chart moved, a file
renamed, the old side read from git): by its rule, its object's API group, kind, namespace
and name, and its field path with list items named (``containers[name=web]``). One identity
found twice in NEW and once in OLD makes one of the two new. Only new findings gate by
default, so that a pull request is judged by what it introduces.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kubevet import api
from kubevet.diff.sides import GROUP_MOVES, Side
from kubevet.engine import Engine
from kubevet.findings import Finding, format_path
from kubevet.result import ScanResult


@dataclass
class MarkedFindings:
    """NEW's findings, each with whether OLD had it, and OLD's findings that are gone."""

    findings: list[tuple[Finding, bool]] = field(default_factory=list)  # (finding, is_new)
    fixed: int = 0  # findings of OLD that NEW no longer has
    crashes: list[str] = field(default_factory=list)

    @property
    def new(self) -> list[Finding]:
        return [f for f, is_new in self.findings if is_new and not f.suppressed]


def identity(f: Finding, release_namespace: str) -> tuple:
    """What identifies a finding across the two sides (not its file or line).

    ``Finding.identity`` of kubevet.api when present, else the same shape computed here."""
    own = getattr(f, "identity", None)
    if own is not None and not callable(own):
        return tuple(own)
    obj = f.obj
    if obj is None:
        return (f.rule, "", "", "", "", f.message)
    group = obj.api_version.rpartition("/")[0] if "/" in obj.api_version else ""
    group = GROUP_MOVES.get((group, obj.kind), group)
    return (f.rule, group, obj.kind, obj.namespace or release_namespace, obj.name or "", f.named_path or format_path(f.path))


def scan_side(engine: Engine, side: Side) -> ScanResult:
    """The rules over a side's sources (already read or rendered: nothing renders twice)."""
    return api.scan_inputs(api.Inputs(list(side.sources), []), engine.config)


def mark(old: ScanResult, new: ScanResult, old_side: Side, new_side: Side) -> MarkedFindings:
    before = Counter(identity(f, old_side.release_namespace) for f in old.findings if not f.suppressed)
    seen: Counter = Counter()
    out = MarkedFindings(crashes=[*old.crashes, *new.crashes])
    for f in new.findings:
        ident = identity(f, new_side.release_namespace)
        if f.suppressed:
            out.findings.append((f, False))
            continue
        seen[ident] += 1
        out.findings.append((f, seen[ident] > before[ident]))
    out.fixed = sum(max(0, n - seen[i]) for i, n in before.items())
    return out
