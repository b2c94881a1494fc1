from collections.abc import Iterator
from decimal import Decimal

from kubevet.findings import Finding
from kubevet.k8s.compute import (
    QUOTA_KEYS,
    format_amount,
    namespace_workloads,
    pod_amount,
    pod_count,
    pod_resources,
    quota_hard,
    quota_selects,
)
from kubevet.k8s.namespaces import keep_for_namespaces, namespace_anchor
from kubevet.model import K8sObject
from kubevet.rules._base import RuleContext, namespace_of, rule


@rule(code="NSG003", name="quota-exceeded", severity="error", scope="cluster", retain=keep_for_namespaces)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """The workloads of a namespace need more than its ResourceQuota allows, so some of their pods will be rejected.

    ## What it checks
    For every ResourceQuota (of the scan or of `--context`), the sum over the workloads
    of its namespace of what their pods need, against each of its `spec.hard` limits:
    `requests.cpu`, `requests.memory`, `limits.cpu`, `limits.memory` (likewise for
    `ephemeral-storage`), `cpu` and `memory` (which stand for the requests), and `pods`.

    Pods are counted as they run at once:

    - Deployments at their replicas (the lowest `minReplicas` of the autoscalers that
      scale them, when any do), plus the extra pods a rolling update creates: `maxSurge`
      of the replicas, 25% by default, rounded up as Kubernetes rounds it. A `Recreate`
      update creates none; OpenShift DeploymentConfigs likewise with `rollingParams`.
    - StatefulSets, ReplicaSets and ReplicationControllers at their replicas: they
      replace pods one at a time and create no extra ones.
    - DaemonSets at one pod (plus their `maxSurge`): a DaemonSet runs a pod per node, and
      the number of nodes is not in the manifests; one is the least any cluster has, so
      the sum is a lower bound and whatever it exceeds is exceeded on every cluster.
    - Jobs at their `parallelism` (1 by default, at most `completions`), CronJobs at one
      run of their Job, Pods at one; suspended ones at none. Their pods count against the
      quota while they run, and a nightly Job that does not fit fails at night.
    - Custom workload kinds are not counted: how many pods they run is theirs to decide.

    Each pod needs what Kubernetes accounts for it: container values after the
    namespace's LimitRange defaults (a missing limit takes `default`, a missing request
    the container's own limit, else `defaultRequest`), then the larger of the regular
    containers plus sidecars and of each init container plus the sidecars started before
    it. A container with no value even then adds nothing (the quota rejects its pod
    outright, which `cpu-request-missing` and its siblings report). Quota scopes
    (`BestEffort`, `NotBestEffort`, `Terminating`, `NotTerminating`, `PriorityClass`) are
    honoured; a quota with a scope kubevet cannot evaluate is skipped.

    The finding points at the quota's limit when the quota is part of the scan; for a
    quota from `--context`, at the namespace (its Namespace object, else the first
    object of the scan in it). Only namespaces where the scan itself runs a workload are
    reported.

    ## Why it matters
    The quota admission controller rejects every pod that would take the namespace over
    its quota. The Deployment looks applied, but its ReplicaSet cannot create the pods:
    a rollout hangs halfway because the surge pods do not fit, or a scale-up fails at
    the moment it is needed.

    ## Example
    ```yaml
    apiVersion: v1
    kind: ResourceQuota
    metadata:
      name: compute
      namespace: shop
    spec:
      hard:
        requests.cpu: "1"
        pods: "4"
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      namespace: shop
    spec:
      replicas: 4
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: nginx:1.27
              resources:
                requests: {cpu: 250m}
    ```

    ## Fix
    Raise the quota to what the workloads need during a rollout, or lower their replicas, requests or `maxSurge`.

    ```yaml
    apiVersion: v1
    kind: ResourceQuota
    metadata:
      name: compute
      namespace: shop
    spec:
      hard:
        requests.cpu: "2"
        pods: "6"
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      namespace: shop
    spec:
      replicas: 4
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: nginx:1.27
              resources:
                requests: {cpu: 250m}
    ```

    ## Options
    None.

    ## References
    - Resource quotas: https://kubernetes.io/docs/concepts/policy/resource-quotas/
    - Rolling update max surge: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-surge
    - Resource sharing within containers (init containers): https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers
    - Peers: none; Polaris and kube-linter judge objects one by one.
    """
    workloads = namespace_workloads(ctx)
    judged = {namespace_of(obj) for obj, _ in ctx.judged_workloads()}
    for quota in ctx.objects("ResourceQuota"):
        ns = namespace_of(quota)
        here = workloads.get(ns, [])
        if ns not in judged:
            continue  # nothing of the scan runs here (what _needs says first, before any parsing)
        hard = quota_hard(quota)
        needs = _needs(ctx, quota, hard, here)
        if needs is None:
            continue
        for key, limit in hard.items():
            steady, surge = needs[key]
            if steady + surge <= limit:
                continue
            message = _message(ns, quota, key, steady, surge, limit)
            if not quota.unjudged:
                yield ctx.finding(quota, message, ("spec", "hard", key))
            elif (anchor := namespace_anchor(ctx, ns)) is not None:
                yield ctx.finding(anchor[0], message, anchor[1])


def _message(ns: str, quota: K8sObject, key: str, steady: Decimal, surge: Decimal, limit: Decimal) -> str:
    resource = QUOTA_KEYS[key][1] if key in QUOTA_KEYS else "pods"

    def amount(value: Decimal) -> str:
        return format_amount(resource, value)

    parts = f" ({amount(steady)} at their replicas + {amount(surge)} for rolling-update surge)" if surge else ""
    return (
        f"the workloads of namespace {ns!r} need {key} {amount(steady + surge)}{parts}, "
        f"over the {amount(limit)} that ResourceQuota {quota.name!r} allows"
    )


def _needs(
    ctx: RuleContext, quota: K8sObject, hard: dict[str, Decimal], workloads: list
) -> dict[str, list[Decimal]] | None:
    """What the namespace's pods need per quota key: [at replicas, extra for surge].

    None when the quota cannot be judged (a scope beyond kubevet) or when no workload of
    the scan itself counts against it.
    """
    if all(obj.unjudged for obj, _ in workloads):
        return None  # nothing of the scan runs here (the sums below would be for nothing)
    ns = namespace_of(quota)
    limitranges = list(ctx.objects("LimitRange", ns))
    needs = {key: [Decimal(0), Decimal(0)] for key in hard}
    own = False
    # what one pod of a workload needs depends on the workload, the quota and the
    # LimitRanges only: when all three are a prepared context's, it is kept with it
    memo, kept = _prepared(ctx)
    stable = memo is not None and id(quota) in kept and all(id(lr) in kept for lr in limitranges)
    limits_key = tuple(id(lr) for lr in limitranges)
    for obj, template in workloads:
        count = pod_count(ctx, obj)  # autoscalers of the scan may change it: never kept
        if count is None or count.total == 0:
            continue
        key = ("quota-per-pod", id(quota), tuple(hard), limits_key, id(obj)) if stable and id(obj) in kept else None
        per_pod = memo.get(key) if key is not None else None  # type: ignore[union-attr]
        if per_pod is None:
            per_pod = _per_pod(quota, template, limitranges, needs)
            if key is not None:
                memo[key] = per_pod  # type: ignore[index]
        selected, amounts = per_pod
        if selected is None:
            return None
        if not selected:
            continue
        own = own or not obj.unjudged
        for name, need in needs.items():
            need[0] += amounts[name] * count.steady
            need[1] += amounts[name] * count.surge
    return needs if own else None


def _per_pod(quota: K8sObject, template, limitranges: list, needs: dict) -> tuple[bool | None, dict]:
    """Whether the quota counts the workload's pods, and what one pod needs per quota key."""
    resources = pod_resources(template, limitranges)
    selected = quota_selects(quota, template, resources)
    if not selected:
        return selected, {}
    return selected, {
        key: Decimal(1) if key == "pods" else pod_amount(template, resources, *QUOTA_KEYS[key]) for key in needs
    }


def _prepared(ctx: RuleContext) -> tuple[dict | None, frozenset[int]]:
    """The memo of the scan's prepared context and the ids of its objects (None, () without one)."""
    prepared = ctx.shared.get("prepared")
    if prepared is None:
        return None, frozenset()
    kept = prepared.memo.get("object-ids")
    if kept is None:
        kept = prepared.memo["object-ids"] = frozenset(id(o) for o in prepared.objects)
    return prepared.memo, kept
