from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.model import K8sObject
from kubevet.rules._base import WORKLOADS, Option, RuleContext, rule
from kubevet.rules.probes._common import probe_of, probed_containers, timing


@rule(
    code="PRB005",
    name="startup-probe-missing",
    severity="warning",
    kinds=WORKLOADS,
    options=[
        Option(
            "max-initial-delay",
            30,
            "Longest liveness initialDelaySeconds accepted without a startupProbe, in seconds.",
        )
    ],
)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Finding]:
    """A long liveness initialDelaySeconds stands in for a startup probe.

    ## What it checks
    Containers without a `startupProbe` whose `livenessProbe` sets `initialDelaySeconds`
    above `max-initial-delay` (30 seconds by default).

    ## Why it matters
    A long initial delay is a guess at the slowest start. It is paid on every start, also
    the fast ones, and while it runs a container that hung right away is not restarted.
    When a start takes longer than the guess (a cold cache, a slow node, a big migration),
    the liveness probe kills the container before it is up, and it never gets up: a
    crash loop. A startup probe holds the liveness probe back only until the container has
    started, however long that takes within its `failureThreshold` × `periodSeconds`.

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
              livenessProbe:
                httpGet: {path: /livez, port: http}
                initialDelaySeconds: 120
                periodSeconds: 10
                timeoutSeconds: 5
                failureThreshold: 6
    ```

    ## Fix
    Replace the initial delay by a startupProbe that allows for the slowest start.

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
                failureThreshold: 24  # up to 2 minutes to start
              readinessProbe:
                httpGet: {path: /readyz, port: http}
                periodSeconds: 5
                timeoutSeconds: 3
                failureThreshold: 2
              livenessProbe:
                httpGet: {path: /livez, port: http}
                periodSeconds: 10
                timeoutSeconds: 5
                failureThreshold: 6
    ```

    ## Options
    - `max-initial-delay` (integer, default 30): the longest liveness
      `initialDelaySeconds`, in seconds, accepted without a startup probe.

    ## References
    - Protect slow starting containers with startup probes: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-startup-probes
    - Peers: none of Polaris or kube-linter has this check.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    limit = ctx.option("max-initial-delay")
    for c in probed_containers(template):
        liveness = probe_of(c, "livenessProbe")
        if liveness is None or probe_of(c, "startupProbe") is not None:
            continue
        delay = timing(liveness, "initialDelaySeconds")
        if delay is not None and delay > limit:
            yield Finding(
                f"the liveness probe of container {c.name!r} waits {delay} s (initialDelaySeconds, "
                f"more than {limit}) instead of using a startupProbe",
                (*c.path, "livenessProbe", "initialDelaySeconds"),
            )
