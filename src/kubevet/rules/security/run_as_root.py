from kubevet.findings import Finding
from kubevet.k8s.security import (
    deepest,
    describe,
    describe_all,
    grouped,
    in_user_namespace,
    is_windows,
    windows_option,
)
from kubevet.k8s.workloads import containers, security_setting
from kubevet.rules._base import WORKLOADS, rule


@rule(code="SEC003", name="run-as-root", severity="error", kinds=WORKLOADS)
def check(obj, ctx):
    """A container runs as root, or nothing stops it from doing so.

    ## What it checks
    Every container, init container, sidecar and ephemeral container of a pod template,
    with the settings it runs with: its own securityContext, else the pod's (Kubernetes
    inherits `runAsUser`, `runAsNonRoot` and `windowsOptions` from the pod). A container
    is reported when:

    - it runs with `runAsUser: 0`, which is root whatever else is set;
    - it runs with neither `runAsNonRoot: true` nor a non-zero `runAsUser`, so the user
      comes from the image, and most images default to root.

    A pod-level value that several containers inherit is reported once, at the pod's
    field. On Windows pods (`spec.os.name: windows`, or a node selector for
    `kubernetes.io/os: windows`) root is `ContainerAdministrator`: the container needs
    `runAsNonRoot: true` or a `windowsOptions.runAsUserName` other than it.

    Pods with `hostUsers: false` are skipped: they run in their own user namespace, where
    root maps to an unprivileged user of the node (the Pod Security Standards exempt
    them from this control too).

    ## Why it matters
    Root in a container is root on the node's kernel, held back only by the capability
    set and the runtime's confinement. Any flaw in those (a writable host mount, a kernel
    bug, a runtime escape such as CVE-2019-5736) turns into full control of the node.
    `runAsNonRoot: true` makes the kubelet refuse to start a container whose image would
    run as root.

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
    Set `runAsNonRoot: true` (and a non-zero `runAsUser` if the image has no user of its
    own) in the pod's securityContext.

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
            runAsNonRoot: true
            runAsUser: 10001
          containers:
            - name: web
              image: nginxinc/nginx-unprivileged:1.27
    ```

    ## Options
    None.

    ## References
    - Configure a security context: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
    - Pod Security Standards, Restricted level, controls "Running as Non-root" and
      "Running as Non-root user": https://kubernetes.io/docs/concepts/security/pod-security-standards/
    - User namespaces: https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/
    - Peers: Polaris `runAsRootAllowed`, kube-linter `run-as-non-root` (which also reports
      `runAsGroup: 0`; kubevet reports low group IDs with `low-user-id`).

    Known differences: Polaris' `runAsRootAllowed` fixture declares a `Deployment` under
    `apiVersion: v1`, a kind that API does not have; kubevet does not treat that object as
    a workload.
    """
    template = ctx.pod_template(obj)
    if template is None or in_user_namespace(template):
        return
    windows = is_windows(template)
    as_root = []  # containers that run as root explicitly, with the field that says so
    allowed = []  # containers whose runAsNonRoot: false lets the image's root through
    for c in containers(template):
        if windows:
            user, user_path = windows_option(template, c, "runAsUserName")
            root = isinstance(user, str) and user.rpartition("\\")[2].lower() == "containeradministrator"
            named = isinstance(user, str) and not root
        else:
            user, user_path = security_setting(template, c, "runAsUser")
            root = user == 0 and not isinstance(user, bool)
            named = isinstance(user, int) and not isinstance(user, bool) and user > 0
        non_root, non_root_path = security_setting(template, c, "runAsNonRoot")
        if root:
            as_root.append((c, (user_path, user)))
        elif non_root is True or named:
            continue
        elif non_root is False:
            allowed.append((c, non_root_path))
        elif windows:
            yield Finding(
                f"{describe(c)} may run as ContainerAdministrator: set runAsNonRoot: true"
                " or windowsOptions.runAsUserName",
                deepest(c.path, c.data, ("securityContext",)),
            )
        else:
            yield Finding(
                f"{describe(c)} may run as root: set runAsNonRoot: true or a non-zero runAsUser",
                deepest(c.path, c.data, ("securityContext",)),
            )
    for (path, user), group in grouped(as_root):
        if windows:
            who = describe_all(group)
            message = f"windowsOptions.runAsUserName {user!r} runs {who} as ContainerAdministrator"
            yield Finding(message, path)
        else:
            yield Finding(f"runAsUser 0 runs {describe_all(group)} as root", path)
    for path, group in grouped(allowed):
        yield Finding(f"runAsNonRoot: false lets {describe_all(group)} run as root", path)
