from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s import selectors
from kubevet.k8s.namespaces import keep_for_namespaces
from kubevet.rules._base import RuleContext, namespace_of, rule
from kubevet.rules.network._common import pod_index, pod_selector


@rule(code="NET003", name="networkpolicy-selects-nothing", severity="warning", scope="cluster", retain=keep_for_namespaces)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A NetworkPolicy's podSelector matches no pod template of its namespace, so the policy protects nothing.

    ## What it checks
    The `spec.podSelector` of every NetworkPolicy of the scan against the labels of the
    pod templates (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Pods ...) of its
    namespace, those of `--context` sources included. `matchLabels` and
    `matchExpressions` must both match, as in Kubernetes; an invalid selector (an
    unknown operator, `In` without values) matches nothing. An empty `podSelector: {}`
    selects every pod of the namespace and is never reported.

    Pods carry the labels their controllers add as well: a Job's pods its `job-name`,
    and a selector on a label whose value only the cluster knows (`pod-template-hash`,
    `statefulset.kubernetes.io/pod-name` ...) is taken to match. Pods that operators
    create from custom resources are in no template: a selector that names a custom
    resource of the namespace (one of its values is the resource's name), matches one
    of its label maps (`metadata.labels`, `spec.podMetadata.labels` ...), or uses a
    label key of the API domain of a custom resource or CRD of the scan
    (`longhorn.io/component` beside the `longhorn.io` CRDs) is taken to aim at those
    pods and is not reported.

    ## Why it matters
    A policy that selects no pod does nothing, silently: usually a label was renamed in
    the workload and not in the policy, and the pods it was written for are open again.

    ## Example
    ```yaml
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: api
    spec:
      podSelector:
        matchLabels: {app: api}
        matchExpressions:
          - {key: tier, operator: In, values: [backend]}
      policyTypes: [Ingress]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      selector:
        matchLabels: {app: api}
      template:
        metadata:
          labels: {app: api, tier: frontend}
        spec:
          containers:
            - name: api
              image: example/api:1.4.2
    ```

    ## Fix
    Make the podSelector match the labels of the pods the policy is meant for.

    ```yaml
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: api
    spec:
      podSelector:
        matchLabels: {app: api}
        matchExpressions:
          - {key: tier, operator: In, values: [frontend]}
      policyTypes: [Ingress]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      selector:
        matchLabels: {app: api}
      template:
        metadata:
          labels: {app: api, tier: frontend}
        spec:
          containers:
            - name: api
              image: example/api:1.4.2
    ```

    ## Options
    None.

    ## References
    - Network policies: https://kubernetes.io/docs/concepts/services-networking/network-policies/
    - Label selectors: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
    - Peers: kube-linter `dangling-networkpolicy`.
    """
    for policy in ctx.objects("NetworkPolicy"):
        selector = pod_selector(policy)
        if policy.unjudged or selectors.is_empty(selector):
            continue
        index = pod_index(ctx)  # built once per scan, and only when something is judged
        ns = namespace_of(policy)
        match_labels = selector.get("matchLabels") if isinstance(selector, dict) else None
        if any(pods.may_match(selector) for pods in index.candidates(ns, match_labels)):
            continue
        if not index.operator_may_create(ns, selector):
            message = f"podSelector matches no pod template in namespace {ns!r}: the policy applies to no pod"
            yield ctx.finding(policy, message, ("spec", "podSelector"))
