from kubevet.findings import Finding
from kubevet.rules._base import WORKLOADS, rule
from kubevet.rules.resources._common import (
    missing_path,
    resource_value,
    resourced_containers,
)


@rule(code="RES006", name="ephemeral-storage-unset", severity="info", kinds=WORKLOADS)
def check(obj, ctx):
    """A container sets no ephemeral-storage request or limit for its scratch space and logs.

    ## What it checks
    Every container and init container of a pod template for
    `resources.requests.ephemeral-storage` or `resources.limits.ephemeral-storage`.

    ## Why it matters
    Logs, `emptyDir` volumes and a writable root filesystem all use the node's disk.
    A container that writes without bounds fills it; the kubelet then evicts pods under
    disk pressure, starting with those that declared nothing.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: worker
    spec:
      containers:
        - name: worker
          image: example/worker:2.0.1
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 128Mi}
    ```

    ## Fix
    Declare how much local disk the container may use.

    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: worker
    spec:
      containers:
        - name: worker
          image: example/worker:2.0.1
          resources:
            requests: {cpu: 100m, memory: 128Mi, ephemeral-storage: 256Mi}
            limits: {memory: 128Mi, ephemeral-storage: 1Gi}
    ```

    ## Options
    None.

    ## References
    - Local ephemeral storage: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage
    """
    for _, c in resourced_containers(obj, ctx):
        if (
            resource_value(c, "requests", "ephemeral-storage") is None
            and resource_value(c, "limits", "ephemeral-storage") is None
        ):
            yield Finding(
                f"container {c.name!r} sets no ephemeral-storage request or limit",
                missing_path(c, "requests"),
            )
