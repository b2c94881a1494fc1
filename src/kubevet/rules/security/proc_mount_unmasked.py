from kubevet.findings import Finding
from kubevet.k8s.security import describe, in_user_namespace
from kubevet.k8s.workloads import containers
from kubevet.rules._base import WORKLOADS, rule


@rule(code="SEC009", name="proc-mount-unmasked", severity="error", kinds=WORKLOADS)
def check(obj, ctx):
    """A container sees the node's /proc without the masks that hide kernel interfaces.

    ## What it checks
    Every container, init container, sidecar and ephemeral container of a pod template
    for `securityContext.procMount`: anything but `Default` (or unset) is reported.
    `procMount` is a container field; the pod has none to inherit.

    `Unmasked` is accepted in pods with `hostUsers: false`: in their own user namespace
    the kernel's ID checks protect `/proc`, and the Pod Security Standards (Baseline)
    allow it there.

    ## Why it matters
    The container runtime masks and mounts read-only parts of `/proc` and `/sys`
    (`/proc/kcore`, `/proc/sysrq-trigger`, `/proc/sys` ...) that expose kernel memory or
    control the node. `procMount: Unmasked` removes those masks, so a process in the
    container can read kernel memory or trigger node-wide actions.

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
                procMount: Unmasked
    ```

    ## Fix
    Remove `procMount` (or set it to `Default`); a nested container runtime that needs an
    unmasked /proc belongs in a pod with `hostUsers: false`.

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
                procMount: Default
    ```

    ## Options
    None.

    ## References
    - Security context, procMount: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context-1
    - Pod Security Standards, Baseline level, control "/proc Mount Type":
      https://kubernetes.io/docs/concepts/security/pod-security-standards/
    - User namespaces: https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/
    - Peers: Polaris `procMount`, kube-linter `unsafe-proc-mount`.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    own_users = in_user_namespace(template)
    for c in containers(template):
        sc = c.get("securityContext")
        mount = sc.get("procMount") if isinstance(sc, dict) else None
        if mount is None or mount == "Default" or (mount == "Unmasked" and own_users):
            continue
        message = f"{describe(c)} sets procMount: {mount} (only Default masks /proc)"
        yield Finding(message, (*c.path, "securityContext", "procMount"))
