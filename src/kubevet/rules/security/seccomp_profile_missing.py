from kubevet.findings import Finding
from kubevet.k8s.security import deepest, describe, describe_all, grouped, is_windows
from kubevet.k8s.workloads import containers, security_setting
from kubevet.rules._base import WORKLOADS, rule

CONFINED = ("RuntimeDefault", "Localhost")


@rule(code="SEC007", name="seccomp-profile-missing", severity="warning", kinds=WORKLOADS)
def check(obj, ctx):
    """A container runs without a seccomp profile, free to make any system call.

    ## What it checks
    Every container, init container, sidecar and ephemeral container of a Linux pod
    template for the seccomp profile it runs with: its own
    `securityContext.seccompProfile`, else the pod's (Kubernetes inherits it). The
    profile's `type` must be `RuntimeDefault` or `Localhost`; `Unconfined` counts as
    missing. A pod-level `Unconfined` that several containers inherit is reported once.

    Windows pods (`spec.os.name: windows`, or a node selector for
    `kubernetes.io/os: windows`) are skipped: seccomp is a Linux feature. The annotations
    `seccomp.security.alpha.kubernetes.io/pod` and
    `container.seccomp.security.alpha.kubernetes.io/<name>` do not count: Kubernetes
    ignores them since 1.27. Privileged containers run unconfined whatever their profile;
    `privileged-container` reports those.

    ## Why it matters
    Unless the kubelet runs with `--seccomp-default` (off by default), a container
    without a profile runs `Unconfined`: it may call every system call of the node's
    kernel, including the rarely used ones where most kernel exploits live. The runtime's
    default profile blocks about fifty of them and costs nothing for ordinary
    applications.

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
    ```

    ## Fix
    Set `seccompProfile: {type: RuntimeDefault}` in the pod's securityContext.

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
          securityContext:
            seccompProfile:
              type: RuntimeDefault
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Options
    None.

    ## References
    - Restrict a container's syscalls with seccomp: https://kubernetes.io/docs/tutorials/security/seccomp/
    - Pod Security Standards, Baseline level (no `Unconfined`) and Restricted level
      (`RuntimeDefault` or `Localhost` required), control "Seccomp":
      https://kubernetes.io/docs/concepts/security/pod-security-standards/
    - Peers: Polaris `linuxHardening` accepts any one of a seccomp profile, SELinux
      options, an AppArmor profile or dropped capabilities, so it corresponds to no single
      kubevet rule.
    """
    template = ctx.pod_template(obj)
    if template is None or is_windows(template):
        return
    unconfined = []
    for c in containers(template):
        profile, path = security_setting(template, c, "seccompProfile")
        kind = profile.get("type") if isinstance(profile, dict) else None
        if kind in CONFINED:
            continue
        if profile is None:
            missing = deepest(c.path, c.data, ("securityContext",))
            yield Finding(f"{describe(c)} has no seccomp profile", missing)
        else:
            unconfined.append((c, (path, kind == "Unconfined")))
    for (path, is_unconfined), group in grouped(unconfined):
        if is_unconfined:
            message = f"seccompProfile Unconfined disables seccomp for {describe_all(group)}"
            yield Finding(message, (*path, "type"))
        else:
            message = f"seccompProfile sets no RuntimeDefault or Localhost type for {describe_all(group)}"
            yield Finding(message, path)
