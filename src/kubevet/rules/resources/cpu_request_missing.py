from kubevet.findings import Finding
from kubevet.rules._base import WORKLOADS, rule
from kubevet.rules.resources._common import (
    missing_path,
    resource_value,
    resourced_containers,
)


@rule(code="RES001", name="cpu-request-missing", severity="error", kinds=WORKLOADS)
def check(obj, ctx):
    """A container sets no CPU request, so the scheduler places it as if it needed none.

    ## What it checks
    Every container and init container of a pod template for `resources.requests.cpu`.
    A container that sets a CPU limit but no request is not reported: Kubernetes then
    copies the limit into the request.

    ## Why it matters
    The scheduler packs pods by their requests. Pods without requests pile onto nodes that
    are already busy, and get the least CPU when the node is under pressure (BestEffort or
    Burstable QoS), which is how one noisy pod starves its neighbours.

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
              resources:
                requests:
                  memory: 128Mi
    ```

    ## Fix
    Request the CPU the container needs at its usual load (measure it, e.g. with
    `kubectl top`).

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
              resources:
                requests:
                  cpu: 100m
                  memory: 128Mi
    ```

    ## Options
    None.

    ## References
    - Resource management for pods and containers: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
    - Peers: Polaris `cpuRequestsMissing`, kube-linter `unset-cpu-requirements`, kube-score `container-resources`.
    """
    for _, c in resourced_containers(obj, ctx):
        if resource_value(c, "requests", "cpu") is None and resource_value(c, "limits", "cpu") is None:
            yield Finding(f"container {c.name!r} has no CPU request", missing_path(c, "requests"))
