from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.relations import pdb_selects
from kubevet.k8s.selectors import is_empty, matches_map
from kubevet.k8s.workloads import PodTemplate
from kubevet.model import K8sObject
from kubevet.rules._base import WORKLOADS, RuleContext, namespace_of, rule
from kubevet.rules.availability._pdb import selected, spec_path, templates_of


@rule(
    code="AVL002",
    name="pdb-selects-nothing",
    severity="error",
    kinds=(WORKLOADS, "PodDisruptionBudget", "Service"),
    scope="cluster",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A PodDisruptionBudget selects no pod, so it protects nothing.

    ## What it checks
    PodDisruptionBudgets whose `spec.selector` matches the pod template of no workload in
    their namespace (every kind with a pod template counts: Deployments, StatefulSets,
    DaemonSets, Jobs, bare Pods and configured custom workloads). The selector is
    evaluated as Kubernetes evaluates it: `matchLabels` and `matchExpressions` (`In`,
    `NotIn`, `Exists`, `DoesNotExist`) must all hold, an invalid expression matches
    nothing, a missing selector selects no pod, and an empty selector (`{}`) selects
    every pod of the namespace in `policy/v1` but none in `policy/v1beta1`.

    A budget is left alone when it selects the pods of a Service of its namespace that no
    pod template of the scan feeds: the Service shows that such pods exist, made by
    something outside the scan (an operator running Prometheus or a database from a
    custom resource, say). A missing selector, or an empty one in `policy/v1beta1`, is
    always reported: it can never select a pod.

    ## Why it matters
    A budget that selects nothing looks like protection in review but gives none: drains
    evict the application's pods freely. The usual causes are a selector that drifted
    from the pod labels (a renamed `app` label, a typo, a Helm release name baked into
    one but not the other) and a budget written in the wrong namespace.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      replicas: 3
      selector:
        matchLabels: {app.kubernetes.io/name: web}
      template:
        metadata:
          labels: {app.kubernetes.io/name: web}
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
      selector:
        matchLabels: {app: web}
    ```

    ## Fix
    Make the budget's selector match the labels of the pod template it should protect.

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      replicas: 3
      selector:
        matchLabels: {app.kubernetes.io/name: web}
      template:
        metadata:
          labels: {app.kubernetes.io/name: web}
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
      selector:
        matchLabels: {app.kubernetes.io/name: web}
    ```

    ## Options
    None.

    ## References
    - PodDisruptionBudget selector: https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/pod-disruption-budget-v1/
    - Label selectors: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
    - Peers: none of Polaris or kube-linter checks this.
    """
    for pdb in ctx.judged("PodDisruptionBudget"):
        never = _never_selects(pdb)
        if never:
            yield ctx.finding(pdb, never, spec_path(pdb, "selector"))
            continue
        namespace = namespace_of(pdb)
        in_namespace = templates_of(ctx, namespace)
        if any(selected(pdb, in_namespace)) or _selects_unseen_pods(ctx, pdb, in_namespace):
            continue
        message = f"the selector matches no pod template in namespace {namespace!r}: the budget protects nothing"
        yield ctx.finding(pdb, message, ("spec", "selector"))


def _never_selects(pdb: K8sObject) -> str | None:
    """Why the budget selects no pod in any cluster, or None when its selector can select some."""
    selector = pdb.spec.get("selector")
    if not isinstance(selector, dict):
        return "the budget has no selector, so it selects no pod"
    if pdb.api_version == "policy/v1beta1" and is_empty(selector):
        return "an empty selector selects no pod in policy/v1beta1 (in policy/v1 it selects the whole namespace)"
    return None


def _selects_unseen_pods(ctx: RuleContext, pdb: K8sObject, templates: list[PodTemplate]) -> bool:
    """Whether the budget selects the pods of a Service that no template of the scan feeds."""
    for svc in ctx.objects("Service", namespace_of(pdb)):
        routes_to = svc.spec.get("selector")
        if not isinstance(routes_to, dict) or not routes_to or not pdb_selects(pdb, routes_to):
            continue
        if not any(matches_map(routes_to, template.labels) for template in templates):
            return True
    return False
