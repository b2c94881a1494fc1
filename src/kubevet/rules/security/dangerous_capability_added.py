from kubevet.findings import Finding
from kubevet.k8s.security import capabilities, capability_name, describe
from kubevet.k8s.workloads import containers
from kubevet.rules._base import WORKLOADS, Option, rule

DANGEROUS = [
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "DAC_READ_SEARCH",
    "BPF",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
]


@rule(
    code="SEC006",
    name="dangerous-capability-added",
    severity="error",
    kinds=WORKLOADS,
    options=[Option("capabilities", DANGEROUS, "capabilities a container must not add")],
)
def check(obj, ctx):
    """A container adds a Linux capability that can take over the node.

    ## What it checks
    Every container, init container, sidecar and ephemeral container of a pod template
    for `securityContext.capabilities.add` entries in the `capabilities` option. Names
    are compared the way container runtimes read them: case-insensitively, with or
    without `CAP_`. Each offending entry is reported on its own line.

    The default list, and what each capability allows:

    | Capability | Allows |
    | --- | --- |
    | `ALL` | every capability below and all the others |
    | `SYS_ADMIN` | mounting filesystems, new namespaces, and much of what root can do |
    | `NET_ADMIN` | changing interfaces, routes and firewall rules (the node's, with `hostNetwork`) |
    | `SYS_PTRACE` | reading and rewriting other processes' memory (the node's, with `hostPID`) |
    | `SYS_MODULE` | loading kernel modules |
    | `SYS_RAWIO` | raw access to devices and I/O ports |
    | `SYS_BOOT` | rebooting the node and loading a new kernel |
    | `SYS_TIME` | setting the node's clock, which is not namespaced |
    | `DAC_READ_SEARCH` | reading any file by handle, the "Shocker" container escape |
    | `BPF` | loading eBPF programs into the kernel |
    | `MAC_ADMIN`, `MAC_OVERRIDE` | changing or bypassing AppArmor and SELinux |

    `NET_RAW` is not on the list: containerd and Docker grant it by default, and
    `capabilities-not-dropped` asks for it to be dropped.

    ## Why it matters
    Each of these capabilities either is a documented container escape or reaches past
    the container's namespaces to the node's kernel, clock, network or processes. The
    Pod Security Standards (Baseline) allow adding none of them.

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
                  add: [SYS_ADMIN]
    ```

    ## Fix
    Add only the narrow capabilities the application needs, and move node-level work to a
    dedicated, reviewed component.

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
    - `capabilities` (list, default: the table above): the capabilities a container must
      not add. Polaris' `dangerousCapabilities` uses `[ALL, SYS_ADMIN, NET_ADMIN]`.

    ## References
    - Set capabilities for a container: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container
    - Pod Security Standards, Baseline level, control "Capabilities":
      https://kubernetes.io/docs/concepts/security/pod-security-standards/
    - capabilities(7): https://man7.org/linux/man-pages/man7/capabilities.7.html
    - Peers: Polaris `dangerousCapabilities`.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    dangerous = {capability_name(name) for name in ctx.option("capabilities")}
    for c in containers(template):
        for name, path in capabilities(c, "add"):
            if name in dangerous:
                yield Finding(f"{describe(c)} adds capability {name}", path)
