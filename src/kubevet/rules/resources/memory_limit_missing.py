from kubevet.findings import Finding
from kubevet.rules._base import WORKLOADS, rule
from kubevet.rules.resources._common import (
    missing_path,
    resource_value,
    resourced_containers,
)


@rule(code="RES003", name="memory-limit-missing", severity="error", kinds=WORKLOADS)
def check(obj, ctx):
    """A container has no memory limit, so one leak can exhaust its node.

    ## What it checks
    Every container and init container of a pod template for `resources.limits.memory`.

    ## Why it matters
    Without a limit a container may grow until the node runs out of memory. The kernel's
    OOM killer then picks its victims across the node, and can kill the kubelet or
    container runtime: the node goes NotReady and every pod on it is rescheduled onto the
    remaining, already full, nodes. With a limit only the offending container is killed
    (exit 137) and restarted.

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
              memory: 256Mi
    ```

    ## Fix
    Set a memory limit, usually equal to or a little above the request.

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
            limits:
              memory: 256Mi
    ```

    ## Options
    None.

    ## References
    - Resource management for pods and containers: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
    - Peers: Polaris `memoryLimitsMissing`, kube-linter `unset-memory-requirements`.
    """
    for _, c in resourced_containers(obj, ctx):
        if resource_value(c, "limits", "memory") is None:
            yield Finding(f"container {c.name!r} has no memory limit", missing_path(c, "limits"))
