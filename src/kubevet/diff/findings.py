"""The normal rules on both sides, each finding of NEW marked new (absent in OLD) or existing.

A finding is identified independently of the file it is written in (a chart moved, a file
renamed, the old side read from git): by its rule, its object's API group, kind, namespace
and name, and its field path with list items named (``containers[name=web]``). One identity
found twice in NEW and once in OLD makes one of the two new. Only new findings gate by
default, so that a pull request is judged by what it introduces.

NEW is scanned in full, from its sources (so findings have exact lines). OLD is judged only
as far as the answer needs, from the objects the diff already read (nothing is parsed
again): the cluster rules on every object of OLD, but the object rules only on the objects
whose data differs. An object rule is a pure function of one object and the
configuration, so on an identical object it finds in OLD exactly what it finds in NEW:
those findings are existing without being computed twice. (Suppression bookkeeping
findings, ``suppression-unused`` and ``suppression-reason-missing``, count as existing on
an identical object and new on a changed one.) ``mark_full`` scans OLD whole; a test checks
that both give the same marks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kubevet import api
from kubevet.diff.sides import GROUP_MOVES, Side
from kubevet.findings import Finding, format_path
from kubevet.k8s.namespaces import CLUSTER_SCOPED
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

    @property
    def new_by_cause(self) -> list[Finding]:
        """The new findings as a report shows them: those of one cause joined (kubevet.groups)."""
        from kubevet.groups import group

        return group(self.new)


def identity(f: Finding, release_namespace: str) -> tuple:
    """What identifies a finding across the two sides (not its file or line): the shape of
    ``Finding.identity``, with the diff's own matching applied (an apiVersion moved to
    another group is the same object; no namespace is the release namespace)."""
    obj = f.obj
    if obj is None:
        return (f.rule, "", "", "", "", f.message)
    group = obj.api_version.rpartition("/")[0] if "/" in obj.api_version else ""
    group = GROUP_MOVES.get((group, obj.kind), group)
    namespace = "" if (group, obj.kind) in CLUSTER_SCOPED else obj.namespace or release_namespace
    return (f.rule, group, obj.kind, namespace, obj.name or "", f.named_path or format_path(f.path))


def _object_key(f: Finding, release_namespace: str) -> tuple | None:
    ident = identity(f, release_namespace)
    return None if f.obj is None else ident[1:5]


def scan_side(config: api.Config, side: Side) -> ScanResult:
    """The rules over a side's sources (already read or rendered: nothing renders twice)."""
    return api.scan_inputs(api.Inputs(list(side.sources), []), config)


def _scope_config(config: api.Config, scope: str) -> api.Config | None:
    """The configuration with only its active rules of one scope (object or cluster),
    or None when it has none."""
    import copy

    from kubevet.rules import all_rules

    names = [r.name for r in all_rules() if config.active(r) and r.scope == scope]
    if not names:
        return None
    out = copy.copy(config)
    out.select = names
    out.extend_select, out.ignore = [], []
    return out


def mark_incremental(config, comparison, new: ScanResult) -> MarkedFindings:
    """NEW's findings marked, OLD judged only as far as needed (see the module docstring)."""
    from kubevet.diff.compare import UNCHANGED
    from kubevet.rules import lookup

    old_side, new_side = comparison.old, comparison.new
    identical = {d.key for d in comparison.objects
                 if d.status == UNCHANGED and d.old is not None and d.new is not None and d.old.data == d.new.data}
    old_objects = [old_side.objects[k] for k in old_side.order]
    findings: list[Finding] = []
    crashes: list[str] = []
    cluster = _scope_config(config, "cluster")
    if cluster is not None:
        result = api.scan_objects(old_objects, config=cluster)
        findings += result.findings
        crashes += [str(c) for c in result.crashes]
    changed = [old_side.objects[k] for k in old_side.order if k not in identical]
    objects = _scope_config(config, "object")
    if objects is not None and changed:
        result = api.scan_objects(changed, config=objects)
        findings += result.findings
        crashes += [str(c) for c in result.crashes]
    before = Counter(identity(f, old_side.release_namespace) for f in findings if not f.suppressed)
    for f in new.findings:
        if f.suppressed or f.obj is None:
            continue
        try:
            scope = lookup(f.rule).scope
        except KeyError:
            continue
        if scope in ("object", "input") and _object_key(f, new_side.release_namespace) in identical:
            before[identity(f, new_side.release_namespace)] += 1
    out = _mark(before, new, new_side)
    out.crashes = [*crashes, *(str(c) for c in new.crashes)]
    return out


def mark_full(old: ScanResult, new: ScanResult, old_side: Side, new_side: Side) -> MarkedFindings:
    """The marks with OLD scanned whole from its sources (the reference for mark_incremental)."""
    before = Counter(identity(f, old_side.release_namespace) for f in old.findings if not f.suppressed)
    out = _mark(before, new, new_side)
    out.crashes = [*(str(c) for c in old.crashes), *(str(c) for c in new.crashes)]
    return out


def _mark(before: Counter, new: ScanResult, new_side: Side) -> MarkedFindings:
    seen: Counter = Counter()
    out = MarkedFindings()
    for f in new.findings:
        ident = identity(f, new_side.release_namespace)
        if f.suppressed:
            out.findings.append((f, False))
            continue
        seen[ident] += 1
        out.findings.append((f, seen[ident] > before[ident]))
    out.fixed = sum(max(0, n - seen[i]) for i, n in before.items())
    return out
