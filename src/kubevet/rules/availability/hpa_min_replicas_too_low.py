from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.relations import hpa_min_replicas
from kubevet.model import K8sObject
from kubevet.rules._base import Option, RuleContext, at_least, rule


@rule(
    code="AVL012",
    name="hpa-min-replicas-too-low",
    severity="warning",
    kinds="HorizontalPodAutoscaler",
    options=[Option("min-replicas", 2, "Fewest replicas an autoscaler should keep.", at_least(0))],
)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Finding]:
    """A HorizontalPodAutoscaler may scale its workload down to a single pod.

    ## What it checks
    The `minReplicas` of every HorizontalPodAutoscaler, against the `min-replicas`
    option. A missing `minReplicas` counts as 1, the Kubernetes default.

    ## Why it matters
    Autoscalers scale down whenever load is low: at night, at weekends, in a quiet
    region. At one replica the workload is back to a single point of failure, and a node
    drain or crash then interrupts it, just when nobody is watching. The pod disruption
    budget cannot help either: with one pod, it either blocks every drain or allows the
    outage.

    Known differences: Polaris `hpaMinAvailability` passes an autoscaler without
    `minReplicas`; Kubernetes defaults it to 1, so kubevet reports it.

    ## Example
    ```yaml
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata:
      name: web
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
      maxReplicas: 10
    ```

    ## Fix
    Set minReplicas to at least 2.

    ```yaml
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata:
      name: web
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
      minReplicas: 2
      maxReplicas: 10
    ```

    ## Options
    - `min-replicas` (default 2): the fewest replicas an autoscaler should keep.

    ## References
    - Horizontal Pod Autoscaling: https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
    - HorizontalPodAutoscaler API: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/
    - Peers: Polaris `hpaMinAvailability`, kube-linter `hpa-minimum-three-replicas`.
    """
    minimum = ctx.option("min-replicas")
    count = hpa_min_replicas(obj)
    if count is None or count >= minimum:
        return
    below = f"the autoscaler may scale down below {minimum} replicas"
    if "minReplicas" in obj.spec:
        yield Finding(f"minReplicas is {count}: {below}", ("spec", "minReplicas"))
    else:
        yield Finding(f"minReplicas is not set, so it is 1: {below}", ("spec",))
