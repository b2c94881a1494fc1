from kubevet.findings import Finding
from kubevet.k8s.quantity import parse_quantity
from kubevet.rules._base import WORKLOADS, rule
from kubevet.rules.resources._common import resource_value, resourced_containers


@rule(code="RES005", name="requests-exceed-limits", severity="error", kinds=WORKLOADS)
def check(obj, ctx):
    """A container requests more of a resource than its limit allows; the API server rejects it.

    ## What it checks
    For every container and init container, each resource (cpu, memory,
    ephemeral-storage, hugepages, extended resources) that has both a request and a limit:
    the request must not be greater than the limit. Quantities are compared exactly, so
    `1Gi` is more than `1000Mi` and `500m` equals `0.5`.

    ## Why it matters
    The API server refuses such a pod ("must be less than or equal to ... limit"), so the
    rollout fails at deploy time, or, for a controller, the ReplicaSet silently creates no
    pods.

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
            requests: {cpu: "2", memory: 1Gi}
            limits: {cpu: 500m, memory: 1000Mi}
    ```

    ## Fix
    Lower the request or raise the limit so that request <= limit.

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
            requests: {cpu: 500m, memory: 1Gi}
            limits: {cpu: "2", memory: 1Gi}
    ```

    ## Options
    None.

    ## References
    - Requests and limits: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits
    """
    for _, c in resourced_containers(obj, ctx):
        resources = c.data.get("resources")
        if not isinstance(resources, dict) or not isinstance(resources.get("requests"), dict):
            continue
        for resource, requested in resources["requests"].items():
            limit = resource_value(c, "limits", resource)
            if limit is None:
                continue
            req_q, lim_q = parse_quantity(requested), parse_quantity(limit)
            if req_q is not None and lim_q is not None and req_q > lim_q:
                yield Finding(
                    f"container {c.name!r} requests {resource} {requested} but its limit is {limit}",
                    (*c.path, "resources", "requests", resource),
                )
