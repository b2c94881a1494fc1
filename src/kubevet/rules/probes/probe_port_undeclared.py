from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubevet.findings import Finding
from kubevet.k8s.workloads import Container
from kubevet.model import K8sObject
from kubevet.rules._base import WORKLOADS, RuleContext, rule
from kubevet.rules.probes._common import (
    PORT_HANDLERS,
    PROBE_LABEL,
    PROBES,
    handler,
    probe_of,
    probed_containers,
    protocol,
)


@rule(code="PRB006", name="probe-port-undeclared", severity="error", kinds=WORKLOADS)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Finding]:
    """A probe names a port that its container does not declare, so it can never succeed.

    ## What it checks
    The `httpGet`, `tcpSocket` and `grpc` ports of liveness, readiness and startup probes
    of regular and sidecar containers:

    - a port given by name must be the name of one of the container's own `ports`: the
      kubelet looks the name up there, and in no other container of the pod;
    - a port the container declares only for UDP or SCTP (by name or by number), since
      every probe connects over TCP;
    - a port written as a quoted number (`port: "8080"`), which the API server rejects:
      a port name must contain a letter.

    A numeric port the container does not declare is not reported.

    ## Why it matters
    A named port that the container does not declare cannot be resolved, so the probe
    fails every time: a liveness or startup probe restarts the container forever (a
    crash loop that looks like an application bug) and a readiness probe keeps the pod
    out of traffic forever. It typically happens when a port is renamed and the probe is
    not. A port declared for UDP only says that nothing is meant to answer a TCP probe
    there.

    Known differences: kube-linter (`liveness-port`, `readiness-port`, `startup-port`)
    also reports numeric probe ports that the container does not list. kubevet does not:
    `ports` is informational in Kubernetes (an undeclared port is reachable all the
    same), and health ports are often left out of it on purpose (ingress-nginx probes
    10254, controller-runtime managers 8081), or are served by another container of the
    pod. Such probes work, so reporting them would be noise.

    ## Example
    The container renamed its port to `http`; the probe still asks for `web`:

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
                httpGet: {path: /readyz, port: web}
                periodSeconds: 5
                timeoutSeconds: 3
                failureThreshold: 2
    ```

    ## Fix
    Probe a port the container declares, by its name or its number.

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
                httpGet: {path: /readyz, port: http}
                periodSeconds: 5
                timeoutSeconds: 3
                failureThreshold: 2
              livenessProbe:
                httpGet: {path: /livez, port: 8080}
                periodSeconds: 10
                timeoutSeconds: 5
                failureThreshold: 6
    ```

    ## Options
    None.

    ## References
    - Named ports in probes: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#use-a-named-port
    - Peers: kube-linter `liveness-port`, `readiness-port`, `startup-port`.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    for c in probed_containers(template):
        for kind in PROBES:
            probe = probe_of(c, kind)
            found = handler(probe) if probe is not None else None
            if found is None or found[0] not in PORT_HANDLERS:
                continue
            action_kind, action = found
            problem = _port_problem(c, action.get("port"))
            if problem:
                yield Finding(
                    f"the {PROBE_LABEL[kind]} probe of container {c.name!r} {problem}",
                    (*c.path, kind, action_kind, "port"),
                )


def _port_problem(c: Container, port: Any) -> str | None:
    """What is wrong with a probe's port for this container, or None."""
    if isinstance(port, str):
        if port.isdigit():
            return f"writes port {port!r} as a string, which the API server rejects as a port name"
        matches = [p for p in c.ports if p.get("name") == port]
        if not matches:
            return f"uses port {port!r}, which the container does not declare{_declared(c)}"
    elif isinstance(port, int) and not isinstance(port, bool):
        matches = [p for p in c.ports if p.get("containerPort") == port]
    else:
        return None
    numbers = [p.get("containerPort") for p in matches]  # a list: a malformed value may not hash
    if not matches or any(protocol(p) == "TCP" for p in c.ports if p.get("containerPort") in numbers):
        return None
    return (
        f"uses port {port!r}, which the container declares only for {protocol(matches[0])}; "
        "probes connect over TCP"
    )


def _declared(c: Container) -> str:
    if not c.ports:
        return " (it declares no ports)"
    listed = ", ".join(
        f"{p['name']} ({p.get('containerPort')})" if p.get("name") else str(p.get("containerPort"))
        for p in c.ports
    )
    return f" (it declares {listed})"
