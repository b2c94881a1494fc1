from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.rules._base import rule


@rule(code="NET008", name="service-type-nodeport", severity="info", kinds="Service")
def check(obj, ctx) -> Iterator[Finding]:
    """A Service of type NodePort opens its ports on every node of the cluster.

    ## What it checks
    Services with `type: NodePort`.

    ## Why it matters
    A NodePort Service listens on a port of every node, bypassing the Ingress controller
    and whatever TLS, authentication and rate limiting it applies; anything that reaches
    a node's address reaches the pods. Node ports are also few (30000-32767 by default)
    and shared by the whole cluster. Outside bare-metal set-ups and load balancers that
    need them, a ClusterIP Service behind an Ingress (or a LoadBalancer Service) is what
    was meant.

    Known differences: kube-linter `exposed-services` can also forbid LoadBalancer
    Services; a LoadBalancer is a deliberate exposure, so kubevet does not report it.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      type: NodePort
      selector: {app: web}
      ports:
        - port: 80
          targetPort: 8080
          nodePort: 30080
    ```

    ## Fix
    Use a ClusterIP Service and expose it through an Ingress (or a LoadBalancer Service).

    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      selector: {app: web}
      ports:
        - port: 80
          targetPort: 8080
    ```

    ## Options
    None.

    ## References
    - Service type NodePort: https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport
    - Peers: kube-linter `exposed-services`.
    """
    if obj.spec.get("type") == "NodePort":
        yield Finding("type NodePort opens the Service's ports on every node of the cluster", ("spec", "type"))
