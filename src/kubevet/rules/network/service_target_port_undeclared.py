import re
from collections.abc import Iterator
from typing import Any

from kubevet.findings import Finding
from kubevet.k8s.fields import text
from kubevet.k8s.workloads import PodTemplate, containers
from kubevet.rules._base import WORKLOADS, RuleContext, namespace_of, rule
from kubevet.rules.network._common import PodIndex, pod_index, service_selector

_PORT_NAME = re.compile(r"(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")


@rule(code="NET006", name="service-target-port-undeclared", severity="error", kinds=["Service", WORKLOADS], scope="cluster")
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A Service's targetPort names a port that none of the selected containers declares, or is no valid port at all.

    ## What it checks
    Every port of every Service of the scan (ExternalName Services excepted):

    - A named `targetPort` must be declared, with the same protocol (TCP unless set), by
      a container or sidecar of at least one pod template the Service selects in its
      namespace (templates of `--context` sources included). Services whose selector
      matches no template are left to `service-selects-nothing`, and Services without a
      selector are not resolved.
    - Any `targetPort` must be valid: a number from 1 to 65535, or a port name of at
      most 15 lowercase letters, digits and single hyphens with at least one letter. A
      quoted number such as `"8080"` is a name to Kubernetes, and an invalid one.

    A numeric `targetPort` that no container declares is not reported, as kube-linter's
    `invalid-target-ports` does not: Kubernetes sends the traffic to that port whether
    or not the container lists it (`containerPort` is informational), and images often
    listen on ports their manifests never declare.

    ## Why it matters
    Kubernetes resolves a named targetPort in each selected pod. A pod that does not
    declare the name with the Service port's protocol gets no endpoint, so the Service
    routes nowhere although its selector matches; an invalid targetPort makes the API
    server reject the Service.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: redis
    spec:
      selector: {app: redis}
      ports:
        - port: 6379
          targetPort: redis
    ---
    apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: redis
    spec:
      serviceName: redis
      selector:
        matchLabels: {app: redis}
      template:
        metadata:
          labels: {app: redis}
        spec:
          containers:
            - name: redis
              image: redis:7.2.5
              ports:
                - name: tcp-redis
                  containerPort: 6379
    ```

    ## Fix
    Use the name the container declares for the port (or declare it).

    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: redis
    spec:
      selector: {app: redis}
      ports:
        - port: 6379
          targetPort: tcp-redis
    ---
    apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: redis
    spec:
      serviceName: redis
      selector:
        matchLabels: {app: redis}
      template:
        metadata:
          labels: {app: redis}
        spec:
          containers:
            - name: redis
              image: redis:7.2.5
              ports:
                - name: tcp-redis
                  containerPort: 6379
    ```

    ## Options
    None.

    ## References
    - Service, defining a Service (named ports): https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service
    - Port names (IANA_SVC_NAME): https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports
    - Peers: kube-linter `invalid-target-ports`.
    """
    for service in ctx.objects("Service"):
        if service.unjudged or service.spec.get("type") == "ExternalName":
            continue
        index = pod_index(ctx)  # built once per scan, and only when something is judged
        ports = service.spec.get("ports")
        selected = None
        for i, port in enumerate(ports if isinstance(ports, list) else []):
            if not isinstance(port, dict) or port.get("targetPort") in (None, 0, ""):
                continue
            target = port["targetPort"]
            path = ("spec", "ports", i, "targetPort")
            problem = invalid(target)
            if problem:
                yield ctx.finding(service, f"targetPort {target!r} {problem}", path)
                continue
            if isinstance(target, int):
                continue
            if selected is None:
                selected = _selected(index, service)
            protocol = text(port.get("protocol")) or "TCP"
            declared = {p for t in selected for p in _named_ports(t)}
            if selected and (target, protocol) not in declared:
                yield ctx.finding(service, _undeclared(target, protocol, declared), path)


def invalid(target: Any) -> str | None:
    """Why a targetPort is not a valid port number or name; None when it is valid."""
    if isinstance(target, bool) or not isinstance(target, (int, str)):
        return "is neither a port number nor a port name"
    if isinstance(target, int):
        return None if 1 <= target <= 65535 else "is not a port number (1 to 65535)"
    if target.isdigit():
        return f"is quoted, so Kubernetes reads it as a port name, which needs a letter: write {target} unquoted"
    if len(target) > 15 or not _PORT_NAME.match(target) or not re.search("[a-z]", target):
        return "is not a valid port name (at most 15 lowercase letters, digits and single inner hyphens, with a letter)"
    return None


def _selected(index: PodIndex, service) -> list[PodTemplate]:
    """The pod templates (with a pod spec) the Service selects."""
    selector = service_selector(service)
    if selector is None:
        return []
    pods = index.candidates(namespace_of(service), selector)
    return [p.template for p in pods if p.template is not None and p.may_match_map(selector)]


def _named_ports(template: PodTemplate) -> Iterator[tuple[str, str]]:
    """(name, protocol) of every named port of the pod's regular and sidecar containers."""
    for c in containers(template, ephemeral=False):
        if c.long_running:
            for p in c.ports:
                if isinstance(p.get("name"), str):
                    yield p["name"], text(p.get("protocol")) or "TCP"


def _undeclared(target: str, protocol: str, declared: set[tuple[str, str]]) -> str:
    other = sorted(proto for name, proto in declared if name == target)
    if other:
        return f"targetPort {target!r} is declared by the selected containers for {', '.join(other)}, not for {protocol}"
    names = sorted({name for name, _ in declared})
    listed = f"they declare {', '.join(names)}" if names else "they declare no named port"
    return f"targetPort {target!r} is not a port name of the selected containers ({listed})"
