from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.compute import QUOTA_KEYS, quota_hard, quota_scoped
from kubevet.k8s.namespaces import judged_namespaces, keep_for_namespaces
from kubevet.rules._base import RuleContext, rule

CAPPED = {"cpu": "CPU", "memory": "memory"}


@rule(code="NSG001", name="namespace-quota-missing", severity="error", scope="cluster", retain=keep_for_namespaces)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A namespace has no ResourceQuota that caps its CPU and memory, so one workload can take the whole cluster.

    ## What it checks
    Every judged namespace for a ResourceQuota whose `spec.hard` caps CPU (`requests.cpu`,
    `limits.cpu` or `cpu`) and one that caps memory (`requests.memory`, `limits.memory`
    or `memory`); one quota may cap both. Quotas with `scopes` or a `scopeSelector` count
    only some pods (BestEffort ones, one priority class ...) and do not cap the namespace.

    A namespace is judged when the scan defines it with a Namespace object, or when it is
    named with `--namespace-guardrails NS...`; `--namespace-guardrails all` judges every
    namespace the scan puts objects in, except the cluster's own `kube-system`,
    `kube-public` and `kube-node-lease` (name those to judge them). Quotas from `--context`
    sources count: a platform repository often holds them. The finding points at the
    Namespace object when the scan has one, otherwise at the first object of the scan in
    that namespace (a namespace with nothing of the scan in it is not reported).

    ## Why it matters
    Without a quota, nothing stops a namespace from requesting every core and byte the
    cluster has: a runaway HorizontalPodAutoscaler, a replica count with an extra zero or
    a memory leak with no limit starves every other team. A quota turns that into a
    rejected pod in the namespace that caused it.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop
    ```

    ## Fix
    Add a ResourceQuota that caps the namespace's CPU and memory requests and limits (`kubevet scan --suggest-fixes DIR` sizes one from the namespace's workloads).

    ```yaml
    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop
    ---
    apiVersion: v1
    kind: ResourceQuota
    metadata:
      name: compute
      namespace: shop
    spec:
      hard:
        requests.cpu: "4"
        requests.memory: 8Gi
        limits.cpu: "8"
        limits.memory: 12Gi
        pods: "20"
    ```

    ## Options
    None.

    ## References
    - Resource quotas: https://kubernetes.io/docs/concepts/policy/resource-quotas/
    - Configure memory and CPU quotas for a namespace: https://kubernetes.io/docs/tasks/administer-cluster/manage-resources/quota-memory-cpu-namespace/
    - Peers: none; Polaris and kube-linter judge objects one by one.
    """
    for ns, anchor, path in judged_namespaces(ctx):
        capped = set()
        for quota in ctx.objects("ResourceQuota", ns):
            if not quota_scoped(quota):
                capped.update(QUOTA_KEYS[key][1] for key in quota_hard(quota) if key in QUOTA_KEYS)
        missing = [word for resource, word in CAPPED.items() if resource not in capped]
        if len(missing) == len(CAPPED):
            message = f"namespace {ns!r} has no ResourceQuota that caps CPU and memory"
        elif missing:
            message = f"no ResourceQuota of namespace {ns!r} caps {missing[0]}"
        else:
            continue
        finding = ctx.finding(anchor, message, path)
        finding.extra["namespace"] = ns
        yield finding
