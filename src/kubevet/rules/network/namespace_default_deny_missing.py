from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s import selectors
from kubevet.k8s.namespaces import judged_namespaces, keep_for_namespaces
from kubevet.model import K8sObject
from kubevet.rules._base import RuleContext, rule
from kubevet.rules.network._common import (
    DIRECTIONS,
    allows_everything,
    pod_selector,
    policy_types,
    rules_of,
)


@rule(code="NET001", name="namespace-default-deny-missing", severity="error", scope="cluster", retain=keep_for_namespaces)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A namespace has no default-deny NetworkPolicy, so its pods accept (or open) any connection no policy forbids.

    ## What it checks
    Every judged namespace for a NetworkPolicy that selects all of its pods (an empty
    `podSelector: {}`) and denies by default, reported separately for Ingress and for
    Egress. A policy denies a direction by default when the direction is among its
    `policyTypes` and none of its rules for that direction lets everything through (a
    rule without peers and ports, or from/to `0.0.0.0/0`). The standard default-deny
    has no rules at all; a namespace-wide policy that allows some traffic also isolates
    every pod and counts.

    `policyTypes` is read as the API server defaults it: a policy that omits it is an
    Ingress policy, and an Egress one too when it has `egress` rules. A policy with
    only ingress rules and no `policyTypes` therefore denies no egress.

    A namespace is judged when the scan defines it with a Namespace object, or when it is
    named with `--namespace-guardrails NS...`; `--namespace-guardrails all` judges every
    namespace the scan puts objects in, except the cluster's own `kube-system`,
    `kube-public` and `kube-node-lease` (name those to judge them). Policies from `--context`
    sources count: a platform repository often holds them. The finding points at the
    Namespace object when the scan has one, otherwise at the first object of the scan in
    that namespace (a namespace with nothing of the scan in it is not reported).

    ## Why it matters
    Pods are open to every other pod of the cluster, and may connect anywhere, until a
    NetworkPolicy selects them. Policies written per application leave out whatever is
    added later: a default-deny policy makes "closed" the state of every new pod, and
    each application opens only what it needs.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop
    ---
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: default-deny
      namespace: shop
    spec:
      podSelector: {}
    ```

    ## Fix
    Add a NetworkPolicy with `podSelector: {}`, both policy types and no rules, then allow what each application needs (`kubevet scan --suggest-fixes DIR` writes one).

    ```yaml
    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop
    ---
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: default-deny
      namespace: shop
    spec:
      podSelector: {}
      policyTypes: [Ingress, Egress]
    ```

    ## Options
    None.

    ## References
    - Network policies, default policies: https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies
    - Peers: none; Polaris `missingNetworkPolicy` asks for a policy per workload (see `pod-not-isolated`).
    """
    for ns, anchor, path in judged_namespaces(ctx):
        policies = list(ctx.objects("NetworkPolicy", ns))
        for direction in DIRECTIONS:
            if not any(denies(policy, direction) for policy in policies):
                finding = ctx.finding(anchor, f"namespace {ns!r} has no default-deny NetworkPolicy for {direction}", path)
                finding.extra.update(namespace=ns, direction=direction)
                yield finding


def denies(policy: K8sObject, direction: str) -> bool:
    """Whether the policy isolates every pod of its namespace in that direction."""
    selector = pod_selector(policy)
    return (
        selectors.is_empty(selector)
        and direction in policy_types(policy)
        and not any(allows_everything(r) for r in rules_of(policy, direction))
    )
