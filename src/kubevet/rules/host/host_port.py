from kubevet.findings import Finding
from kubevet.k8s.security import describe
from kubevet.k8s.workloads import containers
from kubevet.rules._base import WORKLOADS, rule


@rule(code="HST004", name="host-port", severity="warning", kinds=WORKLOADS)
def check(obj, ctx):
    """A container binds a port of the node it runs on.

    ## What it checks
    The `ports` of every container, init container and sidecar of a pod template for a
    `hostPort` other than 0. Pods with `hostNetwork: true` are left to `host-network`:
    their ports are the node's anyway, and Kubernetes fills in `hostPort` for them.

    ## Why it matters
    A host port exposes the container on every address of the node, past Services and
    network policies' usual entry points. It also ties scheduling to free ports: only one
    pod per node can hold a given host port, so replicas beyond the node count stay
    Pending and rolling updates can stall.

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
                  hostPort: 80
    ```

    ## Fix
    Remove `hostPort` and expose the pod through a Service (NodePort or LoadBalancer if it
    must be reached from outside).

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

    ## Options
    None.

    ## References
    - Configuration best practices, Services: https://kubernetes.io/docs/concepts/configuration/overview/#services
    - Pod Security Standards, Baseline level, control "Host Ports":
      https://kubernetes.io/docs/concepts/security/pod-security-standards/
    - Peers: Polaris `hostPortSet`.
    """
    template = ctx.pod_template(obj)
    if template is None or template.spec.get("hostNetwork") is True:
        return
    for c in containers(template):
        ports = c.get("ports")
        if not isinstance(ports, list):
            continue
        for i, port in enumerate(ports):
            host_port = port.get("hostPort") if isinstance(port, dict) else None
            if isinstance(host_port, int) and not isinstance(host_port, bool) and host_port != 0:
                message = f"{describe(c)} binds port {host_port} of the node"
                yield Finding(message, (*c.path, "ports", i, "hostPort"))
