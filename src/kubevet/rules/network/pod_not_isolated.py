from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.rules._base import WORKLOADS, Option, RuleContext, namespace_of, one_of, rule
from kubevet.rules.network._common import (
    DIRECTIONS,
    labels_path,
    pod_selector,
    pods_of,
    policy_types,
    running_workloads,
)

EXPOSURE = {
    "Ingress": "any pod or address may connect to them",
    "Egress": "they may connect anywhere",
}


@rule(
    code="NET002",
    name="pod-not-isolated",
    severity="warning",
    kinds=["NetworkPolicy", WORKLOADS],
    scope="cluster",
    options=[
        Option(
            "directions",
            ["Ingress", "Egress"],
            "The directions in which every workload's pods must be isolated: Ingress, Egress or both.",
            one_of("Ingress", "Egress"),
        )
    ],
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """No NetworkPolicy isolates a workload's pods, so they accept connections from anywhere or may connect anywhere.

    ## What it checks
    Every workload of the scan, for each direction (Ingress and Egress): whether a
    NetworkPolicy of its namespace (of the scan or of `--context`) selects its pods and
    has that direction among its `policyTypes`. A default-deny policy (`podSelector: {}`)
    selects every pod of its namespace, so a namespace that has one isolates all its
    workloads. Selectors are evaluated as Kubernetes does: `matchLabels` and
    `matchExpressions` must both match.

    `policyTypes` is read as the API server defaults it: a policy that omits it isolates
    Ingress, and Egress too only when it has `egress` rules. A policy with
    `policyTypes: [Ingress, Egress]` and no egress rules isolates egress completely (it
    allows none).

    Pods on the host network (`hostNetwork: true`) are left out: NetworkPolicies do not
    apply to them (`host-network` reports them). Workloads in every namespace are judged,
    not only the namespaces whose guardrails are judged.

    ## Why it matters
    A pod that no policy isolates can be reached by every pod of the cluster, compromised
    ones included, and can connect to anything: the cloud metadata endpoint, databases of
    other teams, the internet. Isolating both directions limits what a compromised
    container can reach and what can reach it.

    Known differences: Polaris `missingNetworkPolicy` also demands that the policy
    contain both ingress and egress rules, so it reports pods that a policy isolates
    completely (a policy type without rules denies that direction). kubevet does not:
    such pods are isolated, which is what a default-deny policy is for. kube-linter
    `non-isolated-pod` accepts a policy of any type; with `directions: [Ingress]` kubevet
    comes close to it.

    ## Example
    ```yaml
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: web
    spec:
      podSelector:
        matchLabels: {app: web}
      ingress:
        - from:
            - podSelector:
                matchLabels: {app: gateway}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
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
    Select the workload's pods with a NetworkPolicy for both directions, or add a default-deny policy to the namespace.

    ```yaml
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: web
    spec:
      podSelector:
        matchLabels: {app: web}
      policyTypes: [Ingress, Egress]
      ingress:
        - from:
            - podSelector:
                matchLabels: {app: gateway}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
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

    ## Options
    - `directions` (default `[Ingress, Egress]`): the directions in which pods must be
      isolated. `[Ingress]` accepts pods whose egress is open.

    ## References
    - Network policies, the two sorts of pod isolation: https://kubernetes.io/docs/concepts/services-networking/network-policies/#the-two-sorts-of-pod-isolation
    - Peers: Polaris `missingNetworkPolicy`, kube-linter `non-isolated-pod`.
    """
    wanted = {d.lower() for d in ctx.option("directions")}
    directions = [d for d in DIRECTIONS if d.lower() in wanted]
    for obj, template in running_workloads(ctx):
        ns = namespace_of(obj)
        pods = pods_of(ctx, obj)
        covering = [p for p in ctx.objects("NetworkPolicy", ns) if pods.may_match(pod_selector(p))]
        isolated = set().union(*(policy_types(p) for p in covering))
        open_ = [d for d in directions if d not in isolated]
        if not open_:
            continue
        exposure = " and ".join(EXPOSURE[d] for d in open_)
        if not covering:
            message = f"no NetworkPolicy in namespace {ns!r} selects these pods: {exposure}"
        else:
            names = ", ".join(repr(p.name) for p in covering)
            message = f"no NetworkPolicy isolates these pods for {' or '.join(open_).lower()} (selected by {names}): {exposure}"
        yield ctx.finding(obj, message, labels_path(template))
