from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.relations import hpas_targeting, serves_requests, single_writer
from kubevet.k8s.workloads import replicas
from kubevet.rules._base import Option, RuleContext, at_least, rule

DEPLOYMENT_KINDS = ("Deployment", "DeploymentConfig")


@rule(
    code="AVL005",
    name="replicas-too-few",
    severity="warning",
    kinds=(*DEPLOYMENT_KINDS, "Service", "HorizontalPodAutoscaler", "PersistentVolumeClaim"),
    scope="cluster",
    options=[
        Option("min-replicas", 2, "Fewest replicas a Deployment should run.", at_least(0)),
        Option("serving-only", True, "Judge only Deployments that serve traffic; false judges all."),
    ],
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A Deployment that serves traffic runs too few replicas to survive the loss of a pod.

    ## What it checks
    Deployments (and OpenShift DeploymentConfigs) that serve traffic and declare fewer
    than `min-replicas` replicas. A missing `replicas` counts as 1, the Kubernetes
    default (a DeploymentConfig's default is 0). A Deployment serves traffic when one of
    its long-running containers declares a port, or when a Service of the scan (other than
    an `ExternalName` one) selects its pods; ports named as monitoring ports (`metrics`,
    `http-metrics`, `prometheus`, `healthz`, `probes` ...) do not count, since a scraper or
    the kubelet calls them, not users (a controller whose only port is `metrics`).

    Not reported: Deployments that a HorizontalPodAutoscaler of the scan scales (the
    autoscaler owns the count: see `hpa-min-replicas-too-low`), and Deployments
    deliberately scaled to `replicas: 0`, and single-replica Deployments with the
    `Recreate` strategy that mount a `ReadWriteOnce` (or `ReadWriteOncePod`)
    PersistentVolumeClaim of the scan: they cannot run two pods (the second could not
    attach the volume on another node), and Recreate says their author knows. Deployments that serve no traffic (queue workers,
    controllers with leader election) often run one replica on purpose and are left alone
    unless `serving-only` is false.

    ## Why it matters
    With one replica, every node drain, eviction, crash or rollout of a node pool takes
    the service down until the replacement pod is scheduled, pulled and ready. A second
    replica on another node keeps serving meanwhile.

    Known differences: Polaris `deploymentMissingReplicas` and kube-linter
    `minimum-three-replicas` judge every Deployment, serving or not; the conformance
    mapping sets `serving-only: false` to compare. Polaris also judges objects that only
    call themselves `Deployment` (`apiVersion: v1`), which the API server rejects; kubevet
    judges the `apps` (and `extensions`) Deployment only.

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
              ports:
                - containerPort: 8080
    ```

    ## Fix
    Run at least two replicas, or let a HorizontalPodAutoscaler with `minReplicas: 2` own the count.

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
              ports:
                - containerPort: 8080
    ```

    ## Options
    - `min-replicas` (default 2): the fewest replicas a Deployment should run.
    - `serving-only` (default true): judge only Deployments that serve traffic; set it to
      false to ask every Deployment for `min-replicas`.

    ## References
    - Deployments, scaling: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#scaling-a-deployment
    - Running multiple instances of your app: https://kubernetes.io/docs/tutorials/kubernetes-basics/scale/scale-intro/
    - Peers: Polaris `deploymentMissingReplicas`, kube-linter `minimum-three-replicas`.
    """
    minimum = ctx.option("min-replicas")
    serving_only = ctx.option("serving-only")
    for kind in DEPLOYMENT_KINDS:
        for obj in ctx.judged(kind):
            if ctx.workloads.template_path(obj) is None:
                continue  # not the built-in kind: a custom resource, or an invalid apiVersion
            count = replicas(obj)
            if count is None or count == 0 or count >= minimum or any(hpas_targeting(ctx, obj)):
                continue
            template = ctx.pod_template(obj)
            serving = template is not None and serves_requests(ctx, template)
            if serving_only and not serving:
                continue
            if template is not None and single_writer(ctx, obj, template):
                continue  # one pod by design: a second could not attach the volume
            runs = "serves traffic with" if serving else "runs"
            pods = f"{count} replica{'' if count == 1 else 's'}"
            path = ("spec", "replicas") if "replicas" in obj.spec else ("spec",)
            yield ctx.finding(
                obj, f"{kind} {runs} only {pods} (fewer than {minimum}) and no HorizontalPodAutoscaler scales it", path
            )
