from collections.abc import Iterator
from typing import Any

from kubevet.findings import Finding
from kubevet.k8s.fields import dicts
from kubevet.k8s.namespaces import keep_for_namespaces
from kubevet.model import K8sObject
from kubevet.rules._base import RuleContext, namespace_of, rule
from kubevet.rules.network._common import pod_index


@rule(code="NET007", name="ingress-backend-missing", severity="error", scope="cluster", retain=keep_for_namespaces)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """An Ingress routes to a Service that is not in the scan, or to a port that Service does not have.

    ## What it checks
    Every Service backend of every Ingress of the scan (`spec.defaultBackend` and each
    `spec.rules[].http.paths[].backend`; `serviceName`/`servicePort` in the old
    `extensions/v1beta1` and `networking.k8s.io/v1beta1` form): the Service must be in
    the Ingress's namespace, in the scan or in its `--context` sources, and must have the
    port the backend names: `port.number` among its `ports[].port`, `port.name` among
    its `ports[].name`. An ExternalName Service without ports accepts any port.
    `resource` backends are not judged.

    Operators create Services for their custom resources, named after them (ECK's
    `<name>-kb-http` for a Kibana `<name>`, CloudNativePG's `<cluster>-rw` ...): a missing
    Service whose name is, or starts with, the name of a custom resource of the namespace
    followed by `-` is taken to be such a Service and is not reported. When the scan
    holds several Services of one name (concatenated projects), any of them may have the
    port.

    ## Why it matters
    The Ingress is accepted either way, and the controller answers 503 for every request
    to that path. A renamed Service or a port changed on one side only is the usual
    cause, and it shows only when users hit the path.

    ## Example
    ```yaml
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: shop
    spec:
      rules:
        - host: shop.example.com
          http:
            paths:
              - path: /
                pathType: Prefix
                backend:
                  service:
                    name: storefront
                    port:
                      number: 8080
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: storefront
    spec:
      selector: {app: storefront}
      ports:
        - name: http
          port: 80
          targetPort: 8080
    ```

    ## Fix
    Name a Service of the Ingress's namespace and one of its ports (the Service's `port`, not its `targetPort`).

    ```yaml
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: shop
    spec:
      rules:
        - host: shop.example.com
          http:
            paths:
              - path: /
                pathType: Prefix
                backend:
                  service:
                    name: storefront
                    port:
                      name: http
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: storefront
    spec:
      selector: {app: storefront}
      ports:
        - name: http
          port: 80
          targetPort: 8080
    ```

    ## Options
    None.

    ## References
    - Ingress, resource backends and service backends: https://kubernetes.io/docs/concepts/services-networking/ingress/#the-ingress-resource
    - Peers: kube-linter `dangling-ingress`.
    """
    for ingress in ctx.objects("Ingress"):
        if ingress.unjudged:
            continue
        index = pod_index(ctx)  # built once per scan, and only when something is judged
        ns = namespace_of(ingress)
        services: dict[str, list[K8sObject]] = {}
        for service in ctx.objects("Service", ns):
            services.setdefault(service.name, []).append(service)
        operated = index.resource_names.get(ns, set())
        for path, name, name_field, port, port_field in _backends(ingress):
            if name not in services:
                if not any(name == r or name.startswith(f"{r}-") for r in operated):
                    yield ctx.finding(ingress, f"backend Service {name!r} is not in namespace {ns!r}", (*path, *name_field))
                continue
            problems = [_port_problem(service, port) for service in services[name]]
            if all(problems):
                yield ctx.finding(ingress, problems[0], (*path, *port_field))

def _backends(ingress: K8sObject) -> Iterator[tuple[tuple, str, tuple, Any, tuple]]:
    """(backend path, Service name, its field, port, its field) of every Service backend."""
    spec = ingress.spec
    candidates = [(("spec", key), spec.get(key)) for key in ("defaultBackend", "backend")]
    rules = spec.get("rules")
    for i, r in enumerate(rules if isinstance(rules, list) else []):
        http = r.get("http") if isinstance(r, dict) else None
        paths = http.get("paths") if isinstance(http, dict) else None
        for j, p in enumerate(paths if isinstance(paths, list) else []):
            if isinstance(p, dict):
                candidates.append((("spec", "rules", i, "http", "paths", j, "backend"), p.get("backend")))
    for path, backend in candidates:
        if not isinstance(backend, dict):
            continue
        service = backend.get("service")
        if isinstance(service, dict) and isinstance(service.get("name"), str):
            port = service.get("port")
            port = port if isinstance(port, dict) else {}
            key = "number" if "number" in port else "name"
            field = ("service", "port", key) if key in port else ("service",)
            yield path, service["name"], ("service", "name"), port.get(key), field
        elif isinstance(backend.get("serviceName"), str):
            yield path, backend["serviceName"], ("serviceName",), backend.get("servicePort"), ("servicePort",)


def _port_problem(service: K8sObject, port: Any) -> str | None:
    """Why the Service has no such port; None when it has it (or no port is named)."""
    ports = dicts(service.spec.get("ports"))
    if port is None or (service.spec.get("type") == "ExternalName" and not ports):
        return None
    field = "name" if isinstance(port, str) else "port"
    if any(p.get(field) == port for p in ports):
        return None
    listed = ", ".join(str(p.get("port")) + (f"/{p['name']}" if p.get("name") else "") for p in ports) or "none"
    return f"Service {service.name!r} has no port {port!r} (its ports: {listed})"
