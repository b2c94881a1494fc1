from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.model import K8sObject
from kubevet.rules._base import WORKLOADS, RuleContext, rule
from kubevet.rules.probes._common import (
    action_identity,
    describe,
    handler,
    probe_of,
    probed_containers,
)


@rule(code="PRB003", name="probes-identical", severity="error", kinds=WORKLOADS)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Finding]:
    """A container's liveness and readiness probes run the same check, so failing it restarts the pod.

    ## What it checks
    Containers whose `livenessProbe` and `readinessProbe` use the same handler, whatever
    their timings: the same HTTP request (scheme, host, port, path and headers; a named
    port equals the number it names, a missing path equals `/`), the same `exec` command,
    a TCP connection to the same port, or gRPC on the same port and service.

    ## Why it matters
    The two probes answer different questions. Readiness asks "can you serve right now?"
    and may check the database; when it fails the pod is only taken out of traffic.
    Liveness asks "are you stuck for good?"; when it fails the container is killed. One
    check cannot answer both. If it checks dependencies, a slow database makes every
    replica fail liveness at once and Kubernetes kills them all (exit code 137), which
    adds start-up load to an outage: a restart storm. If it checks only the process,
    readiness never takes a replica out of traffic when it cannot serve.

    The Kubernetes documentation mentions sharing one cheap endpoint with a higher
    liveness `failureThreshold` as a common pattern; kubevet still reports it, because
    the endpoint then cannot tell "not ready" from "hung", and it usually grows
    dependency checks later.

    ## Example
    Both probes hit `/healthz`, which checks the database, once by port name and once by
    number:

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
                httpGet: {path: /healthz, port: http}
                periodSeconds: 5
                timeoutSeconds: 3
              livenessProbe:
                httpGet: {path: /healthz, port: 8080}
                periodSeconds: 10
                timeoutSeconds: 5
                failureThreshold: 6
    ```

    ## Fix
    Serve a separate liveness endpoint that checks only the process, and keep dependency checks in readiness.

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
    None.

    ## References
    - Configure liveness, readiness and startup probes: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
    - Kubernetes API health endpoints (`/livez` and `/readyz`): https://kubernetes.io/docs/reference/using-api/health-checks/
    - Peers: kube-score `container-probes` (identical liveness and readiness probes).
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    for c in probed_containers(template):
        liveness, readiness = probe_of(c, "livenessProbe"), probe_of(c, "readinessProbe")
        if liveness is None or readiness is None:
            continue
        live, ready = handler(liveness), handler(readiness)
        if live is None or ready is None:
            continue
        identity = action_identity(c, *live)
        if identity is not None and identity == action_identity(c, *ready):
            yield Finding(
                f"the liveness and readiness probes of container {c.name!r} both use "
                f"{describe(identity)}: when it fails the container is restarted, not just "
                "taken out of traffic",
                (*c.path, "livenessProbe", live[0]),
            )
