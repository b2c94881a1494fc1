from kubevet.findings import Finding
from kubevet.k8s.security import describe_all, grouped, in_user_namespace
from kubevet.k8s.workloads import containers, security_setting
from kubevet.rules._base import WORKLOADS, Option, at_least, rule


@rule(
    code="SEC008",
    name="low-user-id",
    severity="info",
    kinds=WORKLOADS,
    options=[Option("min-id", 10000, "the lowest user or group ID that does not clash with the node's own", at_least(0))],
)
def check(obj, ctx):
    """A container runs with a user or group ID that the node may use for its own accounts.

    ## What it checks
    The `runAsUser` and `runAsGroup` every container, init container, sidecar and
    ephemeral container runs with (its own securityContext's, else the pod's, as
    Kubernetes inherits them) against the `min-id` option. A pod-level value that several
    containers inherit is reported once, at the pod's field; one that every container
    overrides is not reported.

    Pods with `hostUsers: false` are skipped: they run in their own user namespace, where
    their IDs map to a range of the node that no account of the node uses.

    ## Why it matters
    Without user namespaces, a container's user ID is the same number on the node. Low
    IDs belong to the node's system and login accounts (0 is root, 1 to 999 are system
    accounts, 1000 upward are people), so a process that escapes the container, or that
    reaches a host-mounted file, acts with the rights of whichever node account shares
    its ID. IDs of 10000 and more are clear of them.

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
          securityContext:
            runAsUser: 1000
            runAsGroup: 1000
          containers:
            - name: web
              image: example/web:1.0.0
    ```

    ## Fix
    Run with user and group IDs of 10000 or more (the image's files must be readable by them).

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
            runAsUser: 10001
            runAsGroup: 10001
          containers:
            - name: web
              image: example/web:1.0.0
    ```

    ## Options
    - `min-id` (int, default `10000`): IDs below it are reported. With `1`, the rule
      reports only ID 0 (root user, root group), as kube-linter's `run-as-non-root` does
      for groups.

    ## References
    - Configure a security context: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
    - User namespaces: https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/
    - Pod Security Standards: not part of any level.
    - Peers: kube-linter `run-as-non-root` reports `runAsGroup: 0`, kube-score
      `container-security-context-user-group-id` reports IDs below 10000.
    """
    template = ctx.pod_template(obj)
    if template is None or in_user_namespace(template):
        return
    minimum = ctx.option("min-id")
    low = []
    for c in containers(template):
        for field in ("runAsUser", "runAsGroup"):
            value, path = security_setting(template, c, field)
            if isinstance(value, int) and not isinstance(value, bool) and value < minimum:
                low.append((c, (path, field, value)))
    for (path, field, value), group in grouped(low):
        yield Finding(f"{field} {value} of {describe_all(group)} is below {minimum}", path)
