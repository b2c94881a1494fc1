from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.quantity import scaled_value
from kubevet.k8s.relations import fewest_replicas
from kubevet.rules._base import RuleContext, rule
from kubevet.rules.availability._scale import replicas_phrase

# kind -> (its rolling strategy type, the field holding that strategy's parameters)
ROLLING = {"Deployment": ("RollingUpdate", "rollingUpdate"), "DeploymentConfig": ("Rolling", "rollingParams")}


@rule(
    code="AVL009",
    name="rolling-update-unsafe",
    severity="warning",
    kinds=(*ROLLING, "HorizontalPodAutoscaler"),
    scope="cluster",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A rollout may take every replica of a Deployment down at once.

    ## What it checks
    Deployments (and OpenShift DeploymentConfigs) that run at least 2 pods (their
    `replicas`, or the lowest `minReplicas` of the HorizontalPodAutoscalers of the scan
    that scale them) and whose update strategy:

    - is `Recreate`, which stops every old pod before it starts a new one; or
    - is a rolling update whose `maxUnavailable` lets every replica go at once: the value
      resolved against the replica count as the controller resolves it (a percentage
      rounds down, so `"50%"` of 3 is 1) is at least the replica count, e.g.
      `maxUnavailable: 3` with 3 replicas, or `"100%"`.

    Not reported:

    - Single-replica Deployments. A singleton that mounts a ReadWriteOnce volume must stop
      its old pod before the new one can attach the volume, so `Recreate` (or
      `maxSurge: 0`) is right for it; that it runs one replica at all is
      `replicas-too-few`'s business. For the same reason `maxSurge` plays no part: the
      controller raises a `maxUnavailable` of 0 to 1 when `maxSurge` is also 0 (a
      percentage of it rounds up), which never reaches 2 replicas.
    - StatefulSets. `OnDelete` replaces no pod until someone deletes it, so it never
      takes replicas down by itself (it is a deliberate choice for databases that need a
      hand-run upgrade); a rolling update replaces one pod at a time, unless the
      feature-gated `maxUnavailable` says otherwise.
    - DaemonSets, whose `maxUnavailable` is resolved against the number of nodes, which
      manifests do not tell.

    ## Why it matters
    Several replicas exist so that the service survives losing some of them; a rollout
    that stops them all at once is an outage on every deploy, for as long as the new pods
    take to pull, start and pass their readiness probes.

    Known differences: kube-linter `no-rolling-update-strategy` reports every strategy
    other than a rolling one, whatever the replica count; kubevet spares single replicas
    (see above) and leaves strategy types the API server rejects (its fixtures use
    `type: Other`) to schema validation.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      replicas: 3
      strategy:
        type: Recreate
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Fix
    Use a rolling update that keeps part of the replicas serving (the defaults, 25% unavailable and 25% surge, do).

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      replicas: 3
      strategy:
        type: RollingUpdate
        rollingUpdate:
          maxUnavailable: 1
          maxSurge: 1
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Options
    None.

    ## References
    - Deployment strategy: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#strategy
    - Performing a rolling update: https://kubernetes.io/docs/tutorials/kubernetes-basics/update/update-intro/
    - StatefulSet update strategies: https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#update-strategies
    - Peers: kube-linter `no-rolling-update-strategy`.
    """
    for kind, (rolling, params_field) in ROLLING.items():
        for obj in ctx.judged(kind):
            if ctx.workloads.template_path(obj) is None:
                continue  # not the built-in kind
            scale = fewest_replicas(ctx, obj)
            if scale is None or scale[0] < 2:
                continue
            count, pods = scale[0], replicas_phrase(*scale)
            strategy = obj.spec.get("strategy")
            strategy = strategy if isinstance(strategy, dict) else {}
            strategy_type = strategy.get("type") or rolling
            if strategy_type == "Recreate":
                yield ctx.finding(
                    obj,
                    f"strategy Recreate stops every pod before starting new ones, with {pods}: "
                    "every rollout is an outage",
                    ("spec", "strategy", "type"),
                )
            elif strategy_type == rolling:
                params = strategy.get(params_field)
                value = params.get("maxUnavailable") if isinstance(params, dict) else None
                if value is None:
                    continue  # the default (25% rounded down; 1 in extensions/v1beta1) leaves pods up
                unavailable = scaled_value(value, count, round_up=False)
                if unavailable is not None and unavailable >= count:
                    yield ctx.finding(
                        obj,
                        f"maxUnavailable {value!r} lets a rollout stop every pod at once, with {pods}",
                        ("spec", "strategy", params_field, "maxUnavailable"),
                    )
