"""Shared by the PodDisruptionBudget rules: what a budget selects and how many pods that is."""

from __future__ import annotations

from collections.abc import Iterator

from kubevet.k8s.relations import hpas_targeting, pdb_selects
from kubevet.k8s.workloads import PodTemplate, replicas
from kubevet.model import K8sObject
from kubevet.rules._base import RuleContext, namespace_of


def templates_by_namespace(ctx: RuleContext) -> dict[str, list[PodTemplate]]:
    """The pod templates of the scan, grouped by the namespace they run in."""
    out: dict[str, list[PodTemplate]] = {}
    for obj, template in ctx.workload_objects():
        out.setdefault(namespace_of(obj), []).append(template)
    return out


def selected(pdb: K8sObject, templates: list[PodTemplate]) -> Iterator[PodTemplate]:
    """The templates (of the budget's namespace) whose pods the budget selects."""
    for template in templates:
        if pdb_selects(pdb, template.labels):
            yield template


def smallest_scale(ctx: RuleContext, obj: K8sObject) -> tuple[int, str] | None:
    """The fewest pods a workload runs, and what sets that number.

    The lowest minReplicas (1 when unset) of the HorizontalPodAutoscalers that scale it,
    otherwise its replicas. None when neither is a known integer (a DaemonSet, a Job, a
    templated value).
    """
    scaled_by = [(_min_replicas(hpa), hpa.name) for hpa in hpas_targeting(ctx, obj)]
    if scaled_by:
        if any(count is None for count, _ in scaled_by):
            return None
        count, name = min(scaled_by, key=lambda pair: pair[0])
        return count, f"minReplicas {count} of HorizontalPodAutoscaler {name!r}"
    count = replicas(obj)
    if count is None:
        return None
    return count, counted(count, "replica")


def _min_replicas(hpa: K8sObject) -> int | None:
    value = hpa.spec.get("minReplicas")
    if value is None:
        return 1
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def counted(n: int, noun: str) -> str:
    """A count with its noun: "1 replica", "3 replicas"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def spec_path(obj: K8sObject, field: str) -> tuple:
    """Where ``spec.<field>`` is, or would go: the deepest of the two that is written."""
    if field in obj.spec:
        return ("spec", field)
    return ("spec",) if isinstance(obj.data.get("spec"), dict) else ()
