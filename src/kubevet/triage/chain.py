"""The causal chain: which diagnosis explains which, and the order on one timeline.

A link (cause -> effect) holds when the pair is one the table below knows, the two share
what the relation names (the node, the pod, the workload; ``any`` for cluster-wide
effects such as pods that cannot be scheduled after a node is lost), and the cause began
before the effect ended (when both have times).
"""

from __future__ import annotations

import re
from datetime import timedelta

from kubevet.triage.diagnoses import Diagnosis

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
_HASHED = re.compile(r"^(.*)-[a-z0-9]{6,10}-[a-z0-9]{5}$|^(.*)-[a-z0-9]{5}$|^(.*)-\d+$")


def workload(pod: str) -> str:
    m = _HASHED.match(pod)
    return next((g for g in m.groups() if g), pod) if m else pod


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
    for cause_name, effect_name, relation in LINKS:
        for cause in by_name.get(cause_name, ()):
            for effect in by_name.get(effect_name, ()):
                if cause is not effect and related(cause, effect, relation) and (cause, effect) not in pairs:
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
