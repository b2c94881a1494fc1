from kubevet.findings import Finding
from kubevet.rules._base import WORKLOADS, Option, rule
from kubevet.rules.resources._common import (
    missing_path,
    resource_value,
    resourced_containers,
)


@rule(
    code="RES004",
    name="cpu-limit-missing",
    severity="info",
    kinds=WORKLOADS,
    options=[
        Option(
            "required",
            True,
            "Require CPU limits. Set it to false where the platform relies on CPU requests "
            "alone and avoids limits to prevent CFS throttling.",
        )
    ],
)
def check(obj, ctx):
    """A container has no CPU limit, so it may take every idle core of its node.

    ## What it checks
    Every container and init container of a pod template for `resources.limits.cpu`.

    ## Why it matters
    A container without a CPU limit can use all spare CPU of its node, which makes its
    performance depend on its neighbours and lets a busy loop slow every pod on the node.
    Many teams disagree: a CPU limit throttles a container even when the node is idle,
    which hurts latency. No failure follows from the missing limit itself (the
    container's CPU request still guarantees it, and its neighbours, their share), so
    this is information, not a warning, and can be turned off with the `required`
    option, while CPU *requests* stay mandatory.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: api
    spec:
      containers:
        - name: api
          image: example/api:1.4.2
          resources:
            requests: {cpu: 250m, memory: 256Mi}
            limits: {memory: 256Mi}
    ```

    ## Fix
    Set a CPU limit that leaves room for bursts above the request.

    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: api
    spec:
      containers:
        - name: api
          image: example/api:1.4.2
          resources:
            requests: {cpu: 250m, memory: 256Mi}
            limits: {cpu: "1", memory: 256Mi}
    ```

    ## Options
    - `required` (bool, default `true`): set to `false` to accept containers without a CPU limit.

    ## References
    - Resource management for pods and containers: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
    - Peers: Polaris `cpuLimitsMissing`, kube-linter `unset-cpu-requirements`.
    """
    if not ctx.option("required"):
        return
    for _, c in resourced_containers(obj, ctx):
        if resource_value(c, "limits", "cpu") is None:
            yield Finding(f"container {c.name!r} has no CPU limit", missing_path(c, "limits"))
