"""Shared by the PodDisruptionBudget rules: what a budget selects and how many pods that is."""

from __future__ import annotations

from collections.abc import Iterator

from kubevet.k8s.relations import fewest_replicas, pdb_selects, templates_in
from kubevet.k8s.workloads import PodTemplate
from kubevet.model import K8sObject
from kubevet.rules._base import RuleContext


def templates_of(ctx: RuleContext, namespace: str) -> list[PodTemplate]:
    """The pod templates of the scan that run in a namespace."""
    return [template for _, template in templates_in(ctx, namespace)]


def selected(pdb: K8sObject, templates: list[PodTemplate]) -> Iterator[PodTemplate]:
    """The templates (of the budget's namespace) whose pods the budget selects."""
    for template in templates:
        if pdb_selects(pdb, template.labels):
            yield template


def smallest_scale(ctx: RuleContext, obj: K8sObject) -> tuple[int, str] | None:
    """The fewest pods a workload runs, and what sets that number (for messages).

    None when the number is unknown (a DaemonSet, a Job, a templated value).
    """
    scale = fewest_replicas(ctx, obj)
    if scale is None:
        return None
    count, hpa = scale
    if hpa is not None:
        return count, f"minReplicas {count} of HorizontalPodAutoscaler {hpa.name!r}"
    return count, counted(count, "replica")


def counted(n: int, noun: str) -> str:
    """A count with its noun: "1 replica", "3 replicas"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def spec_path(obj: K8sObject, field: str) -> tuple:
    """Where ``spec.<field>`` is, or would go: the deepest of the two that is written."""
    if field in obj.spec:
        return ("spec", field)
    return ("spec",) if isinstance(obj.data.get("spec"), dict) else ()
