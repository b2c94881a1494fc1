from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubevet.findings import Finding
from kubevet.k8s.quantity import percentage, scaled_value
from kubevet.k8s.workloads import PodTemplate
from kubevet.model import K8sObject
from kubevet.rules._base import WORKLOADS, RuleContext, namespace_of, rule
from kubevet.rules.availability._pdb import (
    counted,
    selected,
    smallest_scale,
    templates_of,
)

_HANGS = "no voluntary eviction can succeed, so a node drain never completes"


@rule(
    code="AVL003",
    name="pdb-blocks-eviction",
    severity="error",
    kinds=(WORKLOADS, "PodDisruptionBudget", "HorizontalPodAutoscaler"),
    scope="cluster",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A PodDisruptionBudget allows no disruption at all, so draining a node that runs its pods hangs.

    ## What it checks
    PodDisruptionBudgets that leave no pod evictable even when every pod is healthy:

    - `maxUnavailable` of `0` or `"0%"`;
    - `minAvailable` of `"100%"` or more;
    - `minAvailable` at least the number of pods the budget selects: the `replicas` of the
      workloads of the scan that it selects, added up, and for a workload that a
      HorizontalPodAutoscaler scales, the autoscaler's `minReplicas` (1 when unset), since
      the workload runs that few pods whenever load is low.

    Percentages are resolved as the disruption controller resolves them: both
    `minAvailable` and `maxUnavailable` percentages of the expected pod count round up.
    So `minAvailable: 67%` of 3 pods requires 3 (2.01 rounded up) and blocks, and
    `minAvailable: 90%` blocks any workload of fewer than 10 pods, while any positive
    `maxUnavailable` percentage allows at least one eviction.

    The count is compared only when the budget selects workloads of the scan and each of
    them has a known number of pods (not a DaemonSet, a Job or a templated value), and
    only when that number is not zero: pods that do not exist need no eviction.

    ## Why it matters
    The eviction API refuses to evict a pod when its budget's `disruptionsAllowed` is 0,
    and `kubectl drain`, cluster upgrades and the cluster autoscaler retry forever. A
    budget that allows no disruption turns every node maintenance into a manual
    operation: someone has to delete the pod or the budget by hand.

    Known differences: Polaris `pdbMinAvailableGreaterThanHPAMinReplicas` reports
    `minAvailable` only when it is greater than an autoscaler's `minReplicas`; kubevet
    also reports it when equal (no pod can go at that scale), when `minReplicas` is unset
    (it defaults to 1), and against `replicas` when no autoscaler scales the workload.
    kube-linter `pdb-min-available` compares the budget with a Deployment's
    `spec.selector`; kubevet matches the pod template's labels, as Kubernetes does, so a
    Deployment without a pod template (which the API server rejects) has no pods to count.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: db
    spec:
      replicas: 3
      serviceName: db
      selector:
        matchLabels: {app: db}
      template:
        metadata:
          labels: {app: db}
        spec:
          containers:
            - name: db
              image: postgres:16.4
    ---
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: db
    spec:
      minAvailable: 67%
      selector:
        matchLabels: {app: db}
    ```

    ## Fix
    Allow at least one disruption: prefer `maxUnavailable: 1`, or keep `minAvailable` below the pod count.

    ```yaml
    apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: db
    spec:
      replicas: 3
      serviceName: db
      selector:
        matchLabels: {app: db}
      template:
        metadata:
          labels: {app: db}
        spec:
          containers:
            - name: db
              image: postgres:16.4
    ---
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: db
    spec:
      maxUnavailable: 1
      selector:
        matchLabels: {app: db}
    ```

    ## Options
    None.

    ## References
    - Specifying a disruption budget (rounding of percentages): https://kubernetes.io/docs/tasks/run-application/configure-pdb/#rounding-logic-when-specifying-percentages
    - Disruption controller (`getExpectedPodCount` rounds both fields up): https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/disruption/disruption.go
    - Peers: Polaris `pdbDisruptionsIsZero` and `pdbMinAvailableGreaterThanHPAMinReplicas`,
      kube-linter `pdb-max-unavailable` and `pdb-min-available`.
    """
    for pdb in ctx.judged("PodDisruptionBudget"):
        max_unavailable = pdb.spec.get("maxUnavailable")
        # any positive percentage of one pod or more rounds up to at least one pod
        if scaled_value(max_unavailable, 1, round_up=True) == 0:
            message = f"maxUnavailable {max_unavailable} lets no selected pod be evicted: {_HANGS}"
            yield ctx.finding(pdb, message, ("spec", "maxUnavailable"))
        min_available = pdb.spec.get("minAvailable")
        if min_available is None:
            continue
        blocked = _min_available_blocks(ctx, pdb, min_available, templates_of(ctx, namespace_of(pdb)))
        if blocked:
            yield ctx.finding(pdb, f"minAvailable {min_available} {blocked}: {_HANGS}", ("spec", "minAvailable"))


def _min_available_blocks(
    ctx: RuleContext, pdb: K8sObject, value: Any, templates: list[PodTemplate]
) -> str | None:
    """How ``minAvailable`` keeps every selected pod, or None when it lets one go."""
    pct = percentage(value)
    if pct is not None and pct >= 100:
        return "keeps every pod it selects"
    pods = _selected_pods(ctx, pdb, templates)
    if pods is None:
        return None
    total, sources = pods
    needed = scaled_value(value, total, round_up=True)
    if total == 0 or needed is None or needed < total:
        return None
    rounded = f" ({pct}% of {total}, rounded up)" if pct is not None else ""
    return f"requires {counted(needed, 'available pod')}{rounded} and the budget selects {total} ({'; '.join(sources)})"


def _selected_pods(
    ctx: RuleContext, pdb: K8sObject, templates: list[PodTemplate]
) -> tuple[int, list[str]] | None:
    """How many pods the budget selects at the workloads' smallest scale, and from where.

    None when it selects no workload of the scan or one whose pod count is unknown.
    """
    total = 0
    sources = []
    for template in selected(pdb, templates):
        scale = smallest_scale(ctx, template.obj)
        if scale is None:
            return None
        count, why = scale
        total += count
        sources.append(f"{template.obj.kind} {template.obj.name!r}: {why}")
    return (total, sources) if sources else None
