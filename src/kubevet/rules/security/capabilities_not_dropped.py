from kubevet.findings import Finding
from kubevet.k8s.security import (
    capabilities,
    capability_name,
    deepest,
    describe,
    is_privileged,
    is_windows,
)
from kubevet.k8s.workloads import containers
from kubevet.rules._base import WORKLOADS, Option, rule


@rule(
    code="SEC005",
    name="capabilities-not-dropped",
    severity="warning",
    kinds=WORKLOADS,
    options=[
        Option(
            "must-drop",
            ["NET_RAW"],
            "capabilities a container must drop when it does not drop ALL",
        )
    ],
)
def check(obj, ctx):
    """A container keeps the runtime's default capabilities, NET_RAW among them.

    ## What it checks
    Every container, init container, sidecar and ephemeral container of a Linux pod
    template for `securityContext.capabilities.drop`: it must contain `ALL`, or else every
    capability of the `must-drop` option (by default `NET_RAW`). Names are compared the
    way container runtimes read them: case-insensitively, with or without `CAP_`.

    Capabilities are a container field; the pod's securityContext has none to inherit.
    Privileged containers are skipped: they get every capability whatever they drop, and
    `privileged-container` reports them. So are Windows pods (`spec.os.name: windows`, or
    a node selector for `kubernetes.io/os: windows`), which have no Linux capabilities.

    ## Why it matters
    containerd and Docker start containers with a default set of capabilities that most
    applications never use. `NET_RAW` is the one attackers reach for: it lets a process
    craft raw packets, which is enough for ARP and DNS spoofing against the other pods on
    the node. Dropping `ALL` and adding back only what the application needs (often
    nothing, sometimes `NET_BIND_SERVICE`) removes that attack surface.

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
                capabilities:
                  drop: [CHOWN]
    ```

    ## Fix
    Drop `ALL` capabilities and add back only those the application needs.

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
                capabilities:
                  drop: [ALL]
                  add: [NET_BIND_SERVICE]
    ```

    ## Options
    - `must-drop` (list, default `[NET_RAW]`): the capabilities a container must drop
      when it does not drop `ALL`. Polaris' `insecureCapabilities` corresponds to the
      whole default set of Docker: `[NET_ADMIN, CHOWN, DAC_OVERRIDE, FSETID, FOWNER,
      MKNOD, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT,
      KILL, AUDIT_WRITE]`.

    ## References
    - Set capabilities for a container: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container
    - Pod Security Standards, Restricted level, control "Capabilities" (drop `ALL`):
      https://kubernetes.io/docs/concepts/security/pod-security-standards/
    - Peers: Polaris `insecureCapabilities`, kube-linter `drop-net-raw-capability`.

    Known differences: kube-linter only judges containers that set
    `securityContext.capabilities`; a container that sets none keeps `NET_RAW` all the
    same, and kubevet reports it.
    """
    template = ctx.pod_template(obj)
    if template is None or is_windows(template):
        return
    must_drop = [capability_name(name) for name in ctx.option("must-drop")]
    for c in containers(template):
        if is_privileged(c):
            continue
        dropped = {name for name, _ in capabilities(c, "drop")}
        if "ALL" in dropped:
            continue
        kept = [name for name in must_drop if name not in dropped]
        if kept:
            yield Finding(
                f"{describe(c)} drops neither ALL capabilities nor {', '.join(kept)}",
                deepest(c.path, c.data, ("securityContext", "capabilities", "drop")),
            )
