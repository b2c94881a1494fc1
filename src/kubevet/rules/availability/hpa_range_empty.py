from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.relations import hpa_min_replicas
from kubevet.model import K8sObject
from kubevet.rules._base import RuleContext, rule


@rule(code="AVL013", name="hpa-range-empty", severity="warning", kinds="HorizontalPodAutoscaler")
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Finding]:
    """A HorizontalPodAutoscaler's maxReplicas leaves it no room to scale.

    ## What it checks
    HorizontalPodAutoscalers whose `maxReplicas` is not above `minReplicas` (1 when
    unset).

    ## Why it matters
    With `maxReplicas` equal to `minReplicas` the autoscaler can never change the replica
    count: it pins the workload at a fixed size while looking like autoscaling, and the
    workload does not scale out under load. A `maxReplicas` below `minReplicas` is
    rejected by the API server.

    ## Example
    ```yaml
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata:
      name: web
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
      minReplicas: 3
      maxReplicas: 3
    ```

    ## Fix
    Raise maxReplicas to the most replicas the workload may need under load, or drop the autoscaler and set replicas.

    ```yaml
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata:
      name: web
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
      minReplicas: 3
      maxReplicas: 12
    ```

    ## Options
    None.

    ## References
    - Horizontal Pod Autoscaling: https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
    - HorizontalPodAutoscaler API: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/
    - Peers: Polaris `hpaMaxAvailability`.
    """
    low = hpa_min_replicas(obj)
    high = obj.spec.get("maxReplicas")
    if low is None or not isinstance(high, int) or isinstance(high, bool) or high > low:
        return
    if high == low:
        message = f"maxReplicas equals minReplicas ({low}): the autoscaler can never change the replica count"
    else:
        message = f"maxReplicas {high} is below minReplicas {low}: the API server rejects the autoscaler"
    yield Finding(message, ("spec", "maxReplicas"))
