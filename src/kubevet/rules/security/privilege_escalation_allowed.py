from kubevet.findings import Finding
from kubevet.k8s.security import (
    capabilities,
    deepest,
    describe,
    is_privileged,
    is_windows,
)
from kubevet.k8s.workloads import containers
from kubevet.rules._base import WORKLOADS, rule

# capabilities that let a process gain privileges however allowPrivilegeEscalation is set
_ESCALATING = ("SYS_ADMIN", "ALL")


@rule(code="SEC002", name="privilege-escalation-allowed", severity="error", kinds=WORKLOADS)
def check(obj, ctx):
    """A container's processes may gain more privileges than they started with.

    ## What it checks
    Every container, init container, sidecar and ephemeral container of a Linux pod
    template. A container can escalate its privileges when:

    - it sets `allowPrivilegeEscalation: true`;
    - it does not set `allowPrivilegeEscalation` at all: the field defaults to true;
    - it is privileged, or adds the `SYS_ADMIN` capability (or `ALL`): either implies
      escalation, and Kubernetes rejects `allowPrivilegeEscalation: false` next to them.

    `allowPrivilegeEscalation` is a container field; a pod-level value (which the API
    ignores) is not read. Windows pods (`spec.os.name: windows`, or a node selector for
    `kubernetes.io/os: windows`) are skipped: the field does not exist on Windows.

    ## Why it matters
    Unless `allowPrivilegeEscalation` is false, the container's processes run without
    the kernel's `no_new_privs` flag, so a setuid binary (`sudo`, `su`, `ping` on older
    images) or a file capability can raise an attacker to root inside the container,
    which is the first step of most container escapes.

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
                runAsNonRoot: true
    ```

    ## Fix
    Set `allowPrivilegeEscalation: false` in every container's securityContext.

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
                runAsNonRoot: true
                allowPrivilegeEscalation: false
    ```

    ## Options
    None.

    ## References
    - Configure a security context: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
    - Pod Security Standards, Restricted level, control "Privilege Escalation":
      https://kubernetes.io/docs/concepts/security/pod-security-standards/
    - Linux `no_new_privs`: https://docs.kernel.org/userspace-api/no_new_privs.html
    - Peers: Polaris `privilegeEscalationAllowed`, kube-linter `privilege-escalation-container`.
    """
    template = ctx.pod_template(obj)
    if template is None or is_windows(template):
        return
    for c in containers(template):
        if is_privileged(c):
            yield Finding(
                f"{describe(c)} is privileged, which lets it escalate privileges",
                (*c.path, "securityContext", "privileged"),
            )
            continue
        escalating = [(name, path) for name, path in capabilities(c, "add") if name in _ESCALATING]
        if escalating:
            name, path = escalating[0]
            yield Finding(f"{describe(c)} adds capability {name}, which lets it escalate privileges", path)
            continue
        sc = c.get("securityContext")
        allowed = sc.get("allowPrivilegeEscalation") if isinstance(sc, dict) else None
        if allowed is True:
            yield Finding(
                f"{describe(c)} sets allowPrivilegeEscalation: true",
                (*c.path, "securityContext", "allowPrivilegeEscalation"),
            )
        elif allowed is None:
            yield Finding(
                f"{describe(c)} does not set allowPrivilegeEscalation: false (it defaults to true)",
                deepest(c.path, c.data, ("securityContext",)),
            )
