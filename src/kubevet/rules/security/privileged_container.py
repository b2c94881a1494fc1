from kubevet.findings import Finding
from kubevet.k8s.security import (
    describe,
    describe_all,
    grouped,
    is_privileged,
    windows_option,
)
from kubevet.k8s.workloads import containers
from kubevet.rules._base import WORKLOADS, rule


@rule(code="SEC001", name="privileged-container", severity="error", kinds=WORKLOADS)
def check(obj, ctx):
    """A container runs privileged, with every capability and access to the node's devices.

    ## What it checks
    Every container, init container, sidecar and ephemeral container of a pod template
    for `securityContext.privileged: true`, and Windows pods for
    `securityContext.windowsOptions.hostProcess: true`, the Windows counterpart: a
    HostProcess container runs as a process on the node itself.

    `privileged` is a container field only, so a pod-level `privileged` (which the API
    ignores) is not read. `windowsOptions.hostProcess` is inherited from the pod's
    securityContext by every container that does not set it, as Kubernetes does.

    ## Why it matters
    A privileged container gets all Linux capabilities, sees every device of the node,
    runs without seccomp, AppArmor or SELinux confinement and can change the node's kernel
    settings. Root in a privileged container is root on the node: one compromised process
    owns the node and every pod on it.

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
              securityContext:
                privileged: true
    ```

    ## Fix
    Remove `privileged: true` and grant only the capabilities the container needs.

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
              securityContext:
                privileged: false
                capabilities:
                  drop: [ALL]
                  add: [NET_BIND_SERVICE]
    ```

    ## Options
    None.

    ## References
    - Configure a security context: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
    - Pod Security Standards, Baseline level, controls "Privileged Containers" and
      "HostProcess": https://kubernetes.io/docs/concepts/security/pod-security-standards/
    - Windows HostProcess pods: https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/
    - Peers: Polaris `runAsPrivileged` and `hostProcess`, kube-linter `privileged-container`.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    host_process = []
    for c in containers(template):
        if is_privileged(c):
            yield Finding(f"{describe(c)} runs privileged", (*c.path, "securityContext", "privileged"))
        value, path = windows_option(template, c, "hostProcess")
        if value is True:
            host_process.append((c, path))
    for path, group in grouped(host_process):
        message = f"windowsOptions.hostProcess: true runs {describe_all(group)} directly on the node"
        yield Finding(message, path)
