from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.relations import hpas_targeting, pdbs_selecting
from kubevet.k8s.workloads import replicas
from kubevet.model import K8sObject
from kubevet.rules._base import Option, RuleContext, namespace_of, rule

REPLICATED_KINDS = ("Deployment", "StatefulSet")


@rule(
    code="AVL001",
    name="pdb-missing",
    severity="error",
    kinds=(*REPLICATED_KINDS, "PodDisruptionBudget", "HorizontalPodAutoscaler"),
    scope="cluster",
    options=[
        Option(
            "min-replicas",
            2,
            "Report workloads that run at least this many pods. 1 asks for a budget on every "
            "Deployment and StatefulSet, single-replica ones included (as Polaris does).",
        )
    ],
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A replicated Deployment or StatefulSet has no PodDisruptionBudget, so a node drain may stop all its pods at once.

    ## What it checks
    Deployments and StatefulSets that run several pods, and that no PodDisruptionBudget
    of their namespace selects. A workload runs several pods when its `replicas` is 2 or
    more, or when a HorizontalPodAutoscaler of the scan scales it (`scaleTargetRef`) with
    a `maxReplicas` of 2 or more; the autoscaler then decides the count, whatever
    `replicas` says. A budget selects the workload when its selector matches the labels
    of the pod template, evaluated as Kubernetes does: in `policy/v1` an empty selector
    (`{}`) selects every pod of the namespace, in `policy/v1beta1` none, and a missing
    selector selects nothing in either.

    Workloads with a single replica are not reported: a budget cannot keep one pod
    running through a drain without blocking the drain (see `pdb-blocks-eviction`).

    ## Why it matters
    Node drains (cluster upgrades, autoscaler scale-down, maintenance) evict pods through
    the eviction API, which honours PodDisruptionBudgets and nothing else. Without one,
    every replica that happens to sit on the drained nodes is evicted at once, and a
    rolling node upgrade can take the whole application down although it runs several
    replicas for exactly that reason.

    Known differences: Polaris `missingPodDisruptionBudget` reports every Deployment and
    StatefulSet without a budget, single-replica ones included; by default kubevet leaves
    those out, since the only budget that protects a single pod also blocks every drain.
    `min-replicas: 1` gives Polaris' behaviour (the budget for one pod should then be
    `maxUnavailable: 1`, which documents the intent without blocking drains).

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      replicas: 3
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Fix
    Add a PodDisruptionBudget that selects the workload's pods, preferably with `maxUnavailable: 1`.

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      replicas: 3
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: nginx:1.27
    ---
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: web
    spec:
      maxUnavailable: 1
      unhealthyPodEvictionPolicy: AlwaysAllow
      selector:
        matchLabels: {app: web}
    ```

    ## Options
    - `min-replicas` (int, default `2`): the fewest pods a workload must run (replicas, or
      an autoscaler's maxReplicas) to need a budget.

    ## References
    - Disruptions: https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
    - Specifying a disruption budget: https://kubernetes.io/docs/tasks/run-application/configure-pdb/
    - Peers: Polaris `missingPodDisruptionBudget`.
    """
    for obj, template in ctx.judged_workloads():
        if obj.kind not in REPLICATED_KINDS:
            continue
        replicated = _why_replicated(ctx, obj, ctx.option("min-replicas"))
        if replicated is None or any(pdbs_selecting(ctx, template)):
            continue
        reason, path = replicated
        message = f"{reason}, but no PodDisruptionBudget in namespace {namespace_of(obj)!r} selects its pods"
        yield ctx.finding(obj, message, path)


def _why_replicated(ctx: RuleContext, obj: K8sObject, least: int) -> tuple[str, tuple] | None:
    """Why the workload runs at least ``least`` pods and where that is written; None when
    it does not."""
    hpas = list(hpas_targeting(ctx, obj))
    for hpa in hpas:
        top = hpa.spec.get("maxReplicas")
        if isinstance(top, int) and top >= least:
            return f"HorizontalPodAutoscaler {hpa.name!r} scales it up to {top} replicas", ("metadata", "name")
    if hpas:
        return None  # the autoscalers own the count, and none is known to reach the bound
    count = replicas(obj)
    if count is not None and count >= max(least, 1):
        where = ("spec", "replicas") if "replicas" in obj.spec else ("metadata", "name")
        return f"it runs {count} replica{'s' if count != 1 else ''}", where
    return None
