from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.compute import limitrange_defaults
from kubevet.k8s.namespaces import judged_namespaces, keep_for_namespaces
from kubevet.rules._base import Option, RuleContext, rule


@rule(
    code="NSG002",
    name="namespace-limitrange-missing",
    severity="error",
    scope="cluster",
    retain=keep_for_namespaces,
    options=[
        Option(
            "cpu-limit",
            True,
            "Require a default CPU limit. Set it to false where the platform avoids CPU "
            "limits (as with cpu-limit-missing.required=false).",
        )
    ],
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A namespace has no LimitRange that gives containers default requests and limits.

    ## What it checks
    Every judged namespace for LimitRanges whose `type: Container` items give a default
    CPU and memory request (`defaultRequest`) and a default CPU and memory limit
    (`default`), as the API server completes them: a missing `default` is taken from
    `max`, a missing `defaultRequest` from `default`, then from `min`. Several
    LimitRanges may share the work.

    A namespace is judged when the scan defines it with a Namespace object, or when it is
    named with `--namespace-guardrails NS...`; `--namespace-guardrails all` judges every
    namespace the scan puts objects in, except the cluster's own `kube-system`,
    `kube-public` and `kube-node-lease` (name those to judge them). LimitRanges from `--context`
    sources count: a platform repository often holds them. The finding points at the
    Namespace object when the scan has one, otherwise at the first object of the scan in
    that namespace (a namespace with nothing of the scan in it is not reported).

    ## Why it matters
    A container that forgets its resources is scheduled as if it needed nothing and may
    use a whole node; in a namespace with a ResourceQuota on compute it is rejected
    outright. Defaults make a forgotten `resources` block harmless: the API server fills
    it in when the pod is created.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop
    ---
    apiVersion: v1
    kind: LimitRange
    metadata:
      name: defaults
      namespace: shop
    spec:
      limits:
        - type: Container
          defaultRequest:
            cpu: 100m
    ```

    ## Fix
    Add a LimitRange with a `type: Container` item that sets `defaultRequest` and `default` for CPU and memory.

    ```yaml
    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop
    ---
    apiVersion: v1
    kind: LimitRange
    metadata:
      name: defaults
      namespace: shop
    spec:
      limits:
        - type: Container
          defaultRequest:
            cpu: 100m
            memory: 128Mi
          default:
            cpu: 500m
            memory: 512Mi
    ```

    ## Options
    - `cpu-limit` (default `true`): require a default CPU limit. A CPU limit throttles a
      container even on an idle node; where the platform relies on requests alone, set it
      to `false` and only a default CPU request is required.

    ## References
    - Limit ranges: https://kubernetes.io/docs/concepts/policy/limit-range/
    - Configure default memory requests and limits for a namespace: https://kubernetes.io/docs/tasks/administer-cluster/manage-resources/memory-default-namespace/
    - Peers: none; Polaris and kube-linter judge objects one by one.
    """
    required = [("requests", "cpu"), ("requests", "memory"), ("limits", "memory")]
    if ctx.option("cpu-limit"):
        required.insert(2, ("limits", "cpu"))
    for ns, anchor, path in judged_namespaces(ctx):
        given: set[tuple[str, str]] = set()
        for limitrange in ctx.objects("LimitRange", ns):
            for section, values in limitrange_defaults(limitrange).items():
                given.update((section, resource) for resource in values)
        missing = [f"{section}.{resource}" for section, resource in required if (section, resource) not in given]
        if not given:
            message = f"namespace {ns!r} has no LimitRange that gives containers default requests and limits"
        elif missing:
            message = f"the LimitRanges of namespace {ns!r} give containers no default {', '.join(missing)}"
        else:
            continue
        finding = ctx.finding(anchor, message, path)
        finding.extra["namespace"] = ns
        yield finding
