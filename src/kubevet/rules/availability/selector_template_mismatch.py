from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s import selectors
from kubevet.k8s.workloads import PodTemplate, containers
from kubevet.model import K8sObject
from kubevet.rules._base import WORKLOADS, RuleContext, rule

# workloads whose spec.selector is a metav1.LabelSelector (matchLabels, matchExpressions)
LABEL_SELECTOR_KINDS = frozenset(
    {("apps", kind) for kind in ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet")}
    | {("extensions", kind) for kind in ("Deployment", "ReplicaSet", "DaemonSet")}
)
# API versions that require the selector; older ones default it to the template's labels
SELECTOR_REQUIRED = frozenset({"apps/v1", "apps/v1beta2"})
# workloads whose spec.selector is a plain label map, defaulted to the template's labels
MAP_SELECTOR_KINDS = frozenset({("", "ReplicationController"), ("apps.openshift.io", "DeploymentConfig")})


@rule(code="AVL008", name="selector-template-mismatch", severity="error", kinds=WORKLOADS)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Finding]:
    """A workload's selector does not match its own pod template, so the API server rejects it.

    ## What it checks
    The `spec.selector` of Deployments, ReplicaSets, DaemonSets, StatefulSets,
    ReplicationControllers, OpenShift DeploymentConfigs and Jobs with
    `manualSelector: true`, against the labels of their pod template:

    - a selector that does not match the template's labels (`matchLabels` and
      `matchExpressions` evaluated as Kubernetes does);
    - an empty label selector (`selector: {}`), which the API server refuses for these
      kinds;
    - no selector at all in `apps/v1` (and `apps/v1beta2`), where it is required. Older
      API versions, ReplicationControllers and DeploymentConfigs default a missing
      selector to the template's labels, so that is fine.

    Jobs without `manualSelector` get a generated selector and are not checked. Nor is a
    missing selector in a fragment that kustomize completes at build time: a base whose
    pod template has no labels either (the `labels` / `commonLabels` transformer adds
    both), or a patch whose containers name no image.

    ## Why it matters
    A controller owns the pods its selector matches. The API server therefore refuses a
    workload whose template would create pods its own selector does not match ("selector
    does not match template labels"), and a missing selector in `apps/v1`: the apply
    fails, and in a pipeline everything after it too. Since `apps/v1` the selector is
    immutable, so fixing it later means deleting and recreating the workload.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: website}
        spec:
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Fix
    Make the selector match labels the pod template sets (keep it to the few labels that identify the workload).

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web, version: "1.4"}
        spec:
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Options
    None.

    ## References
    - Deployment selector: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#selector
    - Labels and selectors: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
    - Peers: kube-linter `mismatching-selector`.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    kind = (obj.group, obj.kind)
    selector = obj.spec.get("selector")
    labels = template.labels
    manual_job = kind == ("batch", "Job") and obj.spec.get("manualSelector") is True
    if kind in LABEL_SELECTOR_KINDS or manual_job:
        if selector is None:
            if (manual_job or obj.api_version in SELECTOR_REQUIRED) and not _fragment(template):
                message = f"{obj.api_version} {obj.kind} has no spec.selector: the API server rejects it"
                yield Finding(message, ("spec",))
        elif selectors.is_empty(selector):
            yield Finding(f"spec.selector is empty: the API server rejects the {obj.kind}", ("spec", "selector"))
        elif not selectors.matches(selector, labels):
            yield Finding(_mismatch(obj.kind, labels), ("spec", "selector"))
    elif kind in MAP_SELECTOR_KINDS:
        if isinstance(selector, dict) and selector and not selectors.matches_map(selector, labels):
            yield Finding(_mismatch(obj.kind, labels), ("spec", "selector"))


def _fragment(template: PodTemplate) -> bool:
    """A pod template that kustomize completes: no labels yet, or containers without images."""
    images = [c.get("image") for c in containers(template, init=False, ephemeral=False)]
    return not template.labels or not images or not all(images)


def _mismatch(kind: str, labels: dict) -> str:
    shown = ", ".join(f"{k}={selectors.label_text(v)}" for k, v in labels.items())
    having = f"its labels ({shown})" if shown else "no labels"
    return f"spec.selector does not match the pod template, which has {having}: the API server rejects the {kind}"
