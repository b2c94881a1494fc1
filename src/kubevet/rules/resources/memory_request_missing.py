from kubevet.findings import Finding
from kubevet.rules._base import WORKLOADS, rule
from kubevet.rules.resources._common import (
    missing_path,
    resource_value,
    resourced_containers,
)


@rule(code="RES002", name="memory-request-missing", severity="error", kinds=WORKLOADS)
def check(obj, ctx):
    """A container sets no memory request, so nodes are overcommitted without anyone knowing.

    ## What it checks
    Every container and init container of a pod template for `resources.requests.memory`.
    A container that sets a memory limit but no request is not reported: Kubernetes then
    copies the limit into the request.

    ## Why it matters
    Memory cannot be throttled, only reclaimed by killing. Pods that request nothing are
    scheduled onto full nodes and are the first the kubelet evicts under memory pressure;
    when the kernel's OOM killer acts before the kubelet does, it can take system daemons,
    the kubelet included, down with them.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: cache
    spec:
      containers:
        - name: cache
          image: redis:7.2
          resources:
            requests:
              cpu: 100m
    ```

    ## Fix
    Request the memory the container uses at its usual load.

    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: cache
    spec:
      containers:
        - name: cache
          image: redis:7.2
          resources:
            requests:
              cpu: 100m
              memory: 256Mi
    ```

    ## Options
    None.

    ## References
    - Resource management for pods and containers: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
    - Node-pressure eviction: https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/
    - Peers: Polaris `memoryRequestsMissing`, kube-linter `unset-memory-requirements`.
    """
    for _, c in resourced_containers(obj, ctx):
        if resource_value(c, "requests", "memory") is None and resource_value(c, "limits", "memory") is None:
            yield Finding(f"container {c.name!r} has no memory request", missing_path(c, "requests"))
