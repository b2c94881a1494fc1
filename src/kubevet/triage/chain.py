"""The causal chain: which diagnosis explains which, and the order on one timeline.

A link (cause -> effect) holds when the pair is one the table below knows, the two share
what the relation names (the node, the pod, the workload; ``any`` for cluster-wide
effects such as pods that cannot be scheduled after a node is lost), and the cause began
before the effect ended (when both have times).
"""

from __future__ import annotations

from datetime import timedelta

from kubevet.triage.diagnoses import Diagnosis
from kubevet.triage.model import workload

SLACK = timedelta(minutes=1)
LINKS = (
    ("node-oom", "node-not-ready", "node"),
    ("node-oom", "network-not-ready", "node"),
    ("node-oom", "container-oom-killed", "node"),
    ("node-oom", "eviction-memory", "node"),
    ("network-not-ready", "node-not-ready", "node-before"),
    ("node-not-ready", "scheduling-insufficient-resources", "any"),
    ("node-not-ready", "scheduling-taints", "any"),
    ("node-not-ready", "scheduling-too-many-pods", "any"),
    ("eviction-memory", "scheduling-insufficient-resources", "any"),
    ("eviction-disk-pressure", "scheduling-insufficient-resources", "any"),
    ("container-oom-killed", "crash-loop", "pod"),
    ("liveness-kill-loop", "crash-loop", "pod"),
    ("startup-probe-failed", "crash-loop", "pod"),
    ("probe-timeout", "liveness-kill-loop", "pod"),
    ("probes-identical", "liveness-kill-loop", "workload"),
    ("probes-identical", "readiness-5xx", "workload"),
    ("probes-identical", "probe-timeout", "workload"),
    ("mass-deletion", "volume-mount-failed", "any"),
    ("mass-deletion", "scheduling-unbound-pvc", "any"),
    ("volume-mount-failed", "crash-loop", "pod"),
    ("image-pull-failed", "crash-loop", "pod"),
    ("hpa-missing-requests", "scheduling-insufficient-resources", "never"),
)


def related(cause: Diagnosis, effect: Diagnosis, relation: str) -> bool:
    if relation == "never":
        return False
    if relation.startswith("node") and not cause.nodes & effect.nodes:
        return False
    if relation.endswith("-before") and cause.start and effect.start and cause.start > effect.start + SLACK:
        return False
    if relation == "pod" and not {p.name for p in cause.pods} & {p.name for p in effect.pods}:
        return False
    if relation == "workload":
        a = {workload(o.name) for o in cause.found.objects}
        b = {workload(o.name) for o in effect.found.objects}
        if not a & b:
            return False
    if cause.start and effect.end and cause.start > effect.end + SLACK:
        return False
    return True


def link(diagnoses: list[Diagnosis]) -> None:
    """Fill causes and effects, order the diagnoses on the timeline and number them D1...

    A diagnosis without times (a probe's spec, read from describe) stands just before the
    first of its effects.
    """
    by_name: dict[str, list[Diagnosis]] = {}
    for d in diagnoses:
        by_name.setdefault(d.name, []).append(d)
    pairs = []
    seen: set[tuple[int, int]] = set()
    for cause_name, effect_name, relation in LINKS:
        causes, effects = by_name.get(cause_name, ()), by_name.get(effect_name, ())
        if not causes or not effects:
            continue
        index = _index(effects, relation)
        for cause in causes:
            for effect in _candidates(cause, relation, index, effects):
                key = (id(cause), id(effect))
                if cause is not effect and key not in seen and related(cause, effect, relation):
                    seen.add(key)
                    pairs.append((cause, effect))

    def when(d: Diagnosis, depth: int = 0):
        if d.start is not None or depth > 8:
            return d.start
        times = [t for c, e in pairs if c is d for t in [when(e, depth + 1)] if t is not None]
        return min(times) if times else None

    keys = {id(d): when(d) for d in diagnoses}
    diagnoses.sort(key=lambda d: (keys[id(d)] is None, keys[id(d)] or 0, d.start is not None, d.name))
    for i, d in enumerate(diagnoses, 1):
        d.id = f"D{i}"
    for cause, effect in pairs:
        cause.effects.append(effect.id)
        effect.causes.append(cause.id)


def _keys(d: Diagnosis, relation: str) -> set[str]:
    """What a relation compares: the nodes, the pods or the workloads of a diagnosis."""
    if relation.startswith("node"):
        return d.nodes
    if relation == "pod":
        return {p.name for p in d.pods}
    if relation == "workload":
        return {workload(o.name) for o in d.found.objects}
    return set()


def _index(effects, relation: str) -> dict[str, list[Diagnosis]]:
    index: dict[str, list[Diagnosis]] = {}
    for e in effects:
        for k in _keys(e, relation):
            index.setdefault(k, []).append(e)
    return index


def _candidates(cause: Diagnosis, relation: str, index: dict[str, list[Diagnosis]], effects) -> list[Diagnosis]:
    """The effects that share a key with the cause (every effect for ``any``), each once."""
    if relation in ("any", "never"):
        return list(effects)
    found: dict[int, Diagnosis] = {}
    for k in _keys(cause, relation):
        for e in index.get(k, ()):
            found[id(e)] = e
    return list(found.values())


def downstream(d: Diagnosis, by_id: dict[str, Diagnosis]) -> set[str]:
    seen: set[str] = set()
    todo = list(d.effects)
    while todo:
        x = todo.pop()
        if x not in seen:
            seen.add(x)
            todo.extend(by_id[x].effects)
    return seen


RANK = {"high": 0, "medium": 1, "low": 2}


def roots(diagnoses: list[Diagnosis]) -> list[Diagnosis]:
    """Diagnoses nothing else explains, the one that explains most first."""
    by_id = {d.id: d for d in diagnoses}
    top = [d for d in diagnoses if not d.causes]
    return sorted(top, key=lambda d: (-len(downstream(d, by_id)), RANK[d.found.confidence],
                                      d.start is None, d.start or 0))
