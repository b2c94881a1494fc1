from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.relations import services_selecting
from kubevet.k8s.workloads import Container, PodTemplate
from kubevet.rules._base import WORKLOADS, Option, RuleContext, rule
from kubevet.rules.probes._common import long_running_containers, probe_of


@rule(
    code="PRB001",
    name="readiness-probe-missing",
    severity="error",
    kinds=(WORKLOADS, "Service"),
    scope="cluster",
    options=[
        Option(
            "serving-only",
            True,
            "Report only containers that receive traffic. false: every long-running container "
            "needs a readiness probe (as Polaris and kube-linter require).",
        )
    ],
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A container that receives traffic has no readiness probe, so it gets requests it cannot serve.

    ## What it checks
    Long-running containers (regular containers, and sidecar init containers with
    `restartPolicy: Always`) that receive traffic and have no `readinessProbe`. A container
    receives traffic when it declares a port, or when a Service of the scan selects its pod
    and sends it traffic: the pod's only regular container gets a Service port whose
    numeric `targetPort` no other container declares (or any traffic of a headless Service
    without ports). Services that route to unready pods anyway
    (`publishNotReadyAddresses: true`) and `ExternalName` Services do not count.

    Not checked: Jobs, CronJobs and other pods that run to completion (`restartPolicy:
    Never` or `OnFailure`), plain init containers and ephemeral containers, which never
    receive Service traffic.

    ## Why it matters
    Without a readiness probe a container counts as ready the moment its process starts.
    Services send it requests while it is still warming up, and keep sending them when it
    is overloaded or has lost its database, so users get errors instead of being routed to
    a healthy replica. Rolling updates also move on as soon as new pods start, not when
    they can serve.

    Known differences: Polaris `readinessProbeMissing` and kube-linter `no-readiness-probe`
    report every container. By default kubevet leaves out containers that neither declare
    a port nor sit behind a Service (queue workers, controllers talking to the API):
    nothing routes traffic to them, so a readiness probe would gate nothing.
    `serving-only: false` reports them too, as the peers do.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: checkout
    spec:
      replicas: 3
      selector:
        matchLabels: {app: checkout}
      template:
        metadata:
          labels: {app: checkout}
        spec:
          containers:
            - name: checkout
              image: registry.example.com/checkout:4.2.1
              ports:
                - name: http
                  containerPort: 8080
    ```

    ## Fix
    Add a readinessProbe that fails while the container cannot serve requests.

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: checkout
    spec:
      replicas: 3
      selector:
        matchLabels: {app: checkout}
      template:
        metadata:
          labels: {app: checkout}
        spec:
          containers:
            - name: checkout
              image: registry.example.com/checkout:4.2.1
              ports:
                - name: http
                  containerPort: 8080
              startupProbe:
                httpGet: {path: /livez, port: http}
                periodSeconds: 5
                failureThreshold: 24
              readinessProbe:
                httpGet: {path: /readyz, port: http}  # checks the database
                periodSeconds: 5
                timeoutSeconds: 3
                failureThreshold: 2
              livenessProbe:
                httpGet: {path: /livez, port: http}   # the process only
                periodSeconds: 10
                timeoutSeconds: 5
                failureThreshold: 6
    ```

    ## Options
    - `serving-only` (bool, default `true`): set to `false` to require a readiness probe on
      every long-running container, whether or not it receives traffic.

    ## References
    - Configure liveness, readiness and startup probes: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
    - Pod lifecycle, container probes: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes
    - Peers: Polaris `readinessProbeMissing`, kube-linter `no-readiness-probe`, kube-score `container-probes`.
    """
    for obj, template in ctx.judged_workloads():
        candidates = list(long_running_containers(template))
        regular = [c for c in candidates if c.section == "containers"]
        # a Service port that no container declares reaches the pod's only regular container
        sole = regular[0] if len(regular) == 1 and not regular[0].ports else None
        behind_service = _service_traffic(ctx, template, candidates) if sole else None
        for c in candidates:
            if probe_of(c, "readinessProbe") is not None:
                continue
            if c.ports:
                reason = f"it declares {_ports(c)}"
            elif c is sole and behind_service:
                reason = behind_service
            elif not ctx.option("serving-only"):
                yield ctx.finding(obj, f"container {c.name!r} has no readinessProbe", c.path)
                continue
            else:
                continue
            yield ctx.finding(
                obj,
                f"container {c.name!r} receives traffic ({reason}) but has no readinessProbe",
                c.path,
            )


def _ports(c: Container) -> str:
    numbers = [str(p.get("containerPort", p.get("name"))) for p in c.ports]
    return f"port {numbers[0]}" if len(numbers) == 1 else f"ports {', '.join(numbers)}"


def _service_traffic(ctx: RuleContext, template: PodTemplate, candidates: list[Container]) -> str | None:
    """Why a Service sends the pod's only regular container traffic, or None when none does.

    A port that another container declares goes to that container; a named targetPort
    that no container declares reaches nobody.
    """
    declared = {n for c in candidates for p in c.ports if isinstance(n := p.get("containerPort"), (int, str))}
    for svc in services_selecting(ctx, template):
        spec = svc.spec
        if spec.get("type") == "ExternalName" or spec.get("publishNotReadyAddresses") is True:
            continue
        ports = spec.get("ports")
        ports = [p for p in ports if isinstance(p, dict)] if isinstance(ports, list) else []
        if not ports:
            return f"Service {svc.name!r} selects its pod"
        for port in ports:
            target = port.get("targetPort") or port.get("port")
            if isinstance(target, int) and not isinstance(target, bool) and target not in declared:
                return f"Service {svc.name!r} sends it traffic on port {target}"
    return None
