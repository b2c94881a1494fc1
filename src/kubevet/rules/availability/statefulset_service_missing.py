from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s import selectors
from kubevet.model import K8sObject
from kubevet.rules._base import RuleContext, namespace_of, rule


@rule(
    code="AVL014",
    name="statefulset-service-missing",
    severity="error",
    kinds=("StatefulSet", "Service"),
    scope="cluster",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A StatefulSet's serviceName is not a headless Service selecting its pods, so they get no stable DNS names.

    ## What it checks
    The `serviceName` of every StatefulSet. In the StatefulSet's namespace the scan must
    hold a Service of that name that is headless (`clusterIP: None`) and, when it has a
    selector, selects the StatefulSet's pods.

    A StatefulSet without `serviceName` is not reported. The API server has never
    required the field, and since Kubernetes 1.33 the API marks it optional
    (kubernetes/kubernetes#130233): a StatefulSet used only for stable storage or
    ordered start-up needs no governing Service. Older published schemas listed it as
    required, so client-side validation against them (kubeconform, old kubectl) may still
    reject such a manifest.

    ## Why it matters
    The governing Service gives each pod its stable network identity:
    `<pod>.<serviceName>.<namespace>.svc.cluster.local`. Clustered software
    (databases, brokers, consensus systems) finds its peers by these names. DNS creates
    them only for a headless Service whose endpoints include the pods: with a missing
    Service, a Service with a cluster IP or one that selects other pods, the names do
    not resolve, and the members cannot form a cluster.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: db
    spec:
      selector: {app: db}
      ports:
        - port: 5432
    ---
    apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: db
    spec:
      serviceName: db
      replicas: 3
      selector:
        matchLabels: {app: db}
      template:
        metadata:
          labels: {app: db}
        spec:
          containers:
            - name: db
              image: postgres:16.4
    ```

    ## Fix
    Point serviceName at a headless Service (clusterIP: None) that selects the StatefulSet's pods.

    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: db
    spec:
      clusterIP: None
      selector: {app: db}
      ports:
        - port: 5432
    ---
    apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: db
    spec:
      serviceName: db
      replicas: 3
      selector:
        matchLabels: {app: db}
      template:
        metadata:
          labels: {app: db}
        spec:
          containers:
            - name: db
              image: postgres:16.4
    ```

    ## Options
    None.

    ## References
    - StatefulSet, stable network ID: https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id
    - Headless Services: https://kubernetes.io/docs/concepts/services-networking/service/#headless-services
    - serviceName made optional: https://github.com/kubernetes/kubernetes/pull/130233
    - Peers: none.
    """
    for sts in ctx.judged("StatefulSet"):
        name = sts.spec.get("serviceName")
        template = ctx.pod_template(sts)
        if not isinstance(name, str) or not name or template is None:
            continue
        namespace = namespace_of(sts)
        services = [svc for svc in ctx.objects("Service", namespace) if svc.name == name]
        if services:
            problem = _problem(services, template.labels)
        else:
            problem = f"names no Service in namespace {namespace!r} of the scan"
        if problem:
            message = f"serviceName {name!r} {problem}: its pods get no DNS names of their own"
            yield ctx.finding(sts, message, ("spec", "serviceName"))


def _problem(services: list[K8sObject], labels: dict) -> str | None:
    """What keeps the named Service from giving the pods DNS names, or None when nothing does."""
    headless = [svc for svc in services if _is_headless(svc)]
    if not headless:
        return "is not a headless Service (clusterIP: None)"
    for svc in headless:
        selector = svc.spec.get("selector")
        if not isinstance(selector, dict) or not selector or selectors.matches_map(selector, labels):
            return None  # selects the pods, or its endpoints are managed by hand
    return "is a headless Service that does not select the StatefulSet's pods"


def _is_headless(svc: K8sObject) -> bool:
    cluster_ip = svc.spec.get("clusterIP")
    if cluster_ip is None:
        ips = svc.spec.get("clusterIPs")
        cluster_ip = ips[0] if isinstance(ips, list) and ips else None
    return cluster_ip == "None" and svc.spec.get("type", "ClusterIP") == "ClusterIP"
