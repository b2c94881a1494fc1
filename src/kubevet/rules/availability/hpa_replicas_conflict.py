from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.relations import hpas_targeting
from kubevet.rules._base import WORKLOADS, RuleContext, rule


@rule(
    code="AVL011",
    name="hpa-replicas-conflict",
    severity="warning",
    kinds=(WORKLOADS, "HorizontalPodAutoscaler"),
    scope="cluster",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A workload sets spec.replicas although a HorizontalPodAutoscaler manages its replica count.

    ## What it checks
    Workloads that write `spec.replicas` and that a HorizontalPodAutoscaler of the scan
    scales (its `scaleTargetRef` names the workload's kind and name, in its namespace).

    ## Why it matters
    Once an autoscaler manages a workload, `spec.replicas` is its output. A manifest that
    also sets it resets the count on every apply (`kubectl apply`, a GitOps sync, a Helm
    upgrade): a workload scaled out to 8 pods under load drops back to the manifest's 2,
    until the autoscaler notices and scales out again. Kubernetes' own guidance is to
    remove `spec.replicas` from the manifest of an autoscaled workload.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      replicas: 2
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
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
      minReplicas: 2
      maxReplicas: 10
    ```

    ## Fix
    Remove spec.replicas from the workload and let the autoscaler's minReplicas set the floor.

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
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
      minReplicas: 2
      maxReplicas: 10
    ```

    ## Options
    None.

    ## References
    - Migrating Deployments and StatefulSets to horizontal autoscaling: https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling
    - Peers: none.
    """
    for obj, _ in ctx.judged_workloads():
        if obj.spec.get("replicas") is None:
            continue
        names = ", ".join(dict.fromkeys(repr(hpa.name) for hpa in hpas_targeting(ctx, obj)))
        if names:
            yield ctx.finding(
                obj,
                f"spec.replicas is set although HorizontalPodAutoscaler {names} manages the replica count: "
                "every apply resets it",
                ("spec", "replicas"),
            )
