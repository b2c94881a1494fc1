from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.model import K8sObject
from kubevet.rules._base import WORKLOADS, RuleContext, rule
from kubevet.rules.probes._common import handler, probe_of, probed_containers, timing


@rule(code="PRB004", name="liveness-probe-aggressive", severity="warning", kinds=WORKLOADS)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Finding]:
    """A liveness probe gives up too fast: it kills containers that are only slow.

    ## What it checks
    Two things, each reported on its own with the numbers, Kubernetes defaults filled in
    (`periodSeconds` 10, `failureThreshold` 3, `timeoutSeconds` 1):

    - the liveness failure window (`periodSeconds` × `failureThreshold`) is not longer
      than the readiness one, so the container can be killed before its readiness probe
      has taken it out of traffic (only when the container has both probes);
    - an `httpGet` or `exec` liveness probe waits only 1 second for an answer
      (`timeoutSeconds: 1`, or no `timeoutSeconds`, whose default is 1). TCP and gRPC
      probes are left alone: a connection or a gRPC health call answered by the
      server's runtime rarely waits on the application.

    ## Why it matters
    A busy container answers slowly before it answers not at all. Readiness should react
    first and move traffic to other replicas; liveness should only restart a container
    that is stuck for good. With a tight liveness probe the order flips: under load every
    replica misses a few one-second deadlines at about the same time, the kubelet kills
    them (exit code 137), the survivors get their traffic and fail too, and the restarts
    add start-up work to the overload: a restart storm.

    ## Example
    A liveness probe at the defaults next to a readiness probe at the defaults:

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
              readinessProbe:
                httpGet: {path: /readyz, port: http}
              livenessProbe:
                httpGet: {path: /livez, port: http}
    ```

    ## Fix
    Give the liveness probe a timeout above a second and a longer failure window than the readiness probe.

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
                httpGet: {path: /readyz, port: http}  # out of traffic after 10 s
                periodSeconds: 5
                timeoutSeconds: 3
                failureThreshold: 2
              livenessProbe:
                httpGet: {path: /livez, port: http}   # restarted after 60 s
                periodSeconds: 10
                timeoutSeconds: 5
                failureThreshold: 6
    ```

    ## Options
    None.

    ## References
    - Configure probes (probe settings and defaults): https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes
    - Pod lifecycle, when to use which probe: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#when-should-you-use-a-liveness-probe
    - Peers: none of Polaris or kube-linter checks probe timings.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    for c in probed_containers(template):
        liveness = probe_of(c, "livenessProbe")
        if liveness is None:
            continue
        path = (*c.path, "livenessProbe")
        readiness = probe_of(c, "readinessProbe")
        if readiness is not None:
            live, ready = _window(liveness), _window(readiness)
            if live is not None and ready is not None and live[0] <= ready[0]:
                field = next((f for f in ("failureThreshold", "periodSeconds") if f in liveness), None)
                yield Finding(
                    f"the liveness probe of container {c.name!r} restarts it after {live[0]} s of "
                    f"failures ({live[1]}), no later than its readiness probe takes it out of "
                    f"traffic ({ready[0]} s: {ready[1]})",
                    (*path, field) if field else path,
                    extra={"aspect": "window", "livenessSeconds": live[0], "readinessSeconds": ready[0]},
                )
        found = handler(liveness)
        if found is not None and found[0] in ("httpGet", "exec") and timing(liveness, "timeoutSeconds") == 1:
            written = liveness.get("timeoutSeconds")
            setting = "the default timeoutSeconds" if written is None else f"timeoutSeconds: {written}"
            yield Finding(
                f"the liveness probe of container {c.name!r} allows 1 s for an answer "
                f"({setting}): a few slow responses under load restart the container",
                path if written is None else (*path, "timeoutSeconds"),
                extra={"aspect": "timeout"},
            )


def _window(probe: dict) -> tuple[int, str] | None:
    """Seconds of failures before the probe acts, and how they add up, in words."""
    period, threshold = timing(probe, "periodSeconds"), timing(probe, "failureThreshold")
    if period is None or threshold is None:
        return None
    return period * threshold, f"periodSeconds {period} × failureThreshold {threshold}"
