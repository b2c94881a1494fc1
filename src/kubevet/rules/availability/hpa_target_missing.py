from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.relations import hpa_target
from kubevet.rules._base import WORKLOADS, RuleContext, namespace_of, rule


@rule(
    code="AVL010",
    name="hpa-target-missing",
    severity="error",
    kinds=("HorizontalPodAutoscaler", WORKLOADS),
    scope="cluster",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A HorizontalPodAutoscaler scales a workload that is not in the scan, so it scales nothing.

    ## What it checks
    The `scaleTargetRef` of every HorizontalPodAutoscaler: a workload of that kind and
    name must be in the scan, in the autoscaler's namespace (objects without a namespace
    land in `default`, as with `kubectl apply`).

    Only targets of a workload kind kubevet knows are judged: the built-in ones and the
    custom kinds of the `workload-kinds` setting. A target of any other kind (a custom
    resource with a scale subresource) is not in the scan's workloads, so it is left alone.
    Like every cluster rule, this one trusts the scan to hold the whole application: scan
    the autoscaler together with the workload it scales.

    ## Why it matters
    An autoscaler whose target does not exist does nothing: it reports
    `FailedGetScale` events, and the workload it was meant to protect stays at its static
    replica count under load. It usually comes from a renamed Deployment, or a Helm chart
    whose autoscaler and workload names are built differently.

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
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: nginx:1.27
    ---
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata:
      name: web
    spec:
      scaleTargetRef:
        apiVersion: apps/v1
        kind: Deployment
        name: web-server
      minReplicas: 2
      maxReplicas: 10
    ```

    ## Fix
    Point scaleTargetRef at the kind and name of the workload, in the autoscaler's namespace.

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
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: nginx:1.27
    ---
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata:
      name: web
    spec:
      scaleTargetRef:
        apiVersion: apps/v1
        kind: Deployment
        name: web
      minReplicas: 2
      maxReplicas: 10
    ```

    ## Options
    None.

    ## References
    - Horizontal Pod Autoscaling: https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
    - HorizontalPodAutoscaler API: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/
    - Peers: kube-linter `dangling-horizontalpodautoscaler`.
    """
    for hpa in ctx.judged("HorizontalPodAutoscaler"):
        target = hpa_target(hpa)
        if target is None or target[0] not in ctx.workloads.kinds:
            continue
        kind, name = target
        namespace = namespace_of(hpa)
        if not any(obj.name == name for obj in ctx.objects(kind, namespace)):
            yield ctx.finding(
                hpa,
                f"scaleTargetRef names {kind} {name!r}, which is not in namespace {namespace!r} of the scan",
                ("spec", "scaleTargetRef", "name"),
            )
