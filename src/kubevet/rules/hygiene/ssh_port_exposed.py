from kubevet.findings import Finding
from kubevet.k8s.workloads import containers
from kubevet.rules._base import WORKLOADS, rule

SSH = 22


@rule(code="HYG004", name="ssh-port-exposed", severity="warning", kinds=[WORKLOADS, "Service"])
def check(obj, ctx):
    """A container or Service exposes port 22, the SSH port.

    ## What it checks
    The TCP `containerPort`s of every container of a pod template, and the TCP `port`
    and numeric `targetPort` of every Service port, for 22. UDP and SCTP ports are not
    SSH and are not reported; a named `targetPort` is not resolved.

    ## Why it matters
    An SSH server in a container is a second way in that bypasses what Kubernetes
    controls: `kubectl exec` is authorised by RBAC and recorded in the audit log, SSH
    logins are not. It usually comes with long-lived keys or passwords baked into the
    image, and it is one of the first ports scanners try. Debug with `kubectl exec` or
    `kubectl debug` instead. When the workload really is an SSH service (a Git server, a
    bastion), suppress the finding for it.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      selector: {app: web}
      ports:
        - name: ssh
          port: 22
    ```

    ## Fix
    Remove the SSH port (and the SSH server from the image); use `kubectl exec` or `kubectl debug` to get a shell.

    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      selector: {app: web}
      ports:
        - name: http
          port: 80
          targetPort: 8080
    ```

    ## Options
    None.

    ## References
    - Debug running pods: https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/
    - Peers: kube-linter `ssh-port`.
    """
    if (obj.group, obj.kind) == ("", "Service"):
        for i, port in _tcp_ports(obj.spec):
            field = next((f for f in ("port", "targetPort") if port.get(f) == SSH), None)
            if field is not None:
                yield Finding(f"the Service exposes port 22 (SSH) as its {field}", ("spec", "ports", i, field))
        return
    template = ctx.pod_template(obj)
    if template is None:
        return
    for c in containers(template):
        for i, port in _tcp_ports(c.data):
            if port.get("containerPort") == SSH:
                yield Finding(f"container {c.name!r} exposes port 22 (SSH)", (*c.path, "ports", i, "containerPort"))


def _tcp_ports(owner: dict):
    """(index, port) of the TCP entries of a container's or Service's ``ports``."""
    ports = owner.get("ports")
    if isinstance(ports, list):
        for i, port in enumerate(ports):
            if isinstance(port, dict) and port.get("protocol") in (None, "TCP"):
                yield i, port
