import re

from kubevet.findings import Finding
from kubevet.rules._base import WORKLOADS, Option, rule

# the kubelet's safe sysctls and the Kubernetes version that made each one safe
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced": (1, 0),
    "net.ipv4.ip_local_port_range": (1, 0),
    "net.ipv4.tcp_syncookies": (1, 0),
    "net.ipv4.ping_group_range": (1, 18),
    "net.ipv4.ip_unprivileged_port_start": (1, 22),
    "net.ipv4.ip_local_reserved_ports": (1, 27),
    "net.ipv4.tcp_keepalive_time": (1, 29),
    "net.ipv4.tcp_fin_timeout": (1, 29),
    "net.ipv4.tcp_keepalive_intvl": (1, 29),
    "net.ipv4.tcp_keepalive_probes": (1, 29),
    "net.ipv4.tcp_rmem": (1, 32),
    "net.ipv4.tcp_wmem": (1, 32),
}
# sysctls of the IPC namespace, which a pod with hostIPC shares with the node
_IPC = ("kernel.shm", "kernel.msg", "kernel.sem", "fs.mqueue.")


@rule(
    code="SEC010",
    name="unsafe-sysctl",
    severity="error",
    kinds=WORKLOADS,
    options=[
        Option("kubernetes-version", "1.32", "the Kubernetes version the manifests target", lambda v: _version(v)),
        Option("allowed-unsafe", [], "sysctls the nodes allow with --allowed-unsafe-sysctls"),
    ],
)
def check(obj, ctx):
    """A pod sets a sysctl outside the kubelet's safe set, or one that would change the node.

    ## What it checks
    Every entry of the pod's `securityContext.sysctls` against the sysctls the kubelet
    of the targeted Kubernetes version (option `kubernetes-version`) considers safe:

    | Sysctl | Safe since |
    | --- | --- |
    | `kernel.shm_rmid_forced` | always |
    | `net.ipv4.ip_local_port_range` | always |
    | `net.ipv4.tcp_syncookies` | always |
    | `net.ipv4.ping_group_range` | 1.18 |
    | `net.ipv4.ip_unprivileged_port_start` | 1.22 |
    | `net.ipv4.ip_local_reserved_ports` | 1.27 |
    | `net.ipv4.tcp_keepalive_time`, `tcp_fin_timeout`, `tcp_keepalive_intvl`, `tcp_keepalive_probes` | 1.29 |
    | `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem` | 1.32 |

    Names may be written with slashes (`net/ipv4/tcp_syncookies`), as the kubelet
    accepts. Sysctls the nodes allow (option `allowed-unsafe`) are accepted too, unless
    they are not namespaced (anything but `net.*` and the IPC sysctls below, such as
    `vm.max_map_count`): the kubelet allows no pod to set those. Even a
    safe sysctl is reported when the pod shares the namespace it belongs to with the
    node: `net.*` with `hostNetwork: true`, and IPC sysctls (`kernel.shm*`, `kernel.msg*`,
    `kernel.sem`, `fs.mqueue.*`) with `hostIPC: true`. The kubelet refuses those pods.

    ## Why it matters
    Sysctls outside the safe set are either not namespaced, so setting one changes the
    whole node for every pod on it, or not isolated, so one pod can starve the kernel
    resources of the others. The kubelet refuses such pods unless the node's
    `--allowed-unsafe-sysctls` lists the sysctl: the pod is scheduled and then fails with
    `SysctlForbidden`, over and over.

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
            sysctls:
              - name: net.core.somaxconn
                value: "4096"
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Fix
    Keep to the safe sysctls; tune node-wide settings on the nodes themselves, or list the
    sysctl in `allowed-unsafe` where the nodes allow it.

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
            sysctls:
              - name: net.ipv4.ip_local_port_range
                value: "1024 65000"
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Options
    - `kubernetes-version` (string, default `1.32`): the version of the cluster's
      kubelets, such as `1.27`; it decides the safe set (which has not changed since 1.32).
    - `allowed-unsafe` (list, default `[]`): sysctls the nodes allow with the kubelet's
      `--allowed-unsafe-sysctls`, written the same way: names, or prefixes ending in `*`
      such as `net.core.*`.

    ## References
    - Using sysctls in a Kubernetes cluster: https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/
    - Pod Security Standards, Baseline level, control "Sysctls":
      https://kubernetes.io/docs/concepts/security/pod-security-standards/
    - Peers: kube-linter `unsafe-sysctls`.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    sc = template.spec.get("securityContext")
    sysctls = sc.get("sysctls") if isinstance(sc, dict) else None
    if not isinstance(sysctls, list):
        return
    version = _version(ctx.option("kubernetes-version"))
    allowed = [_normalize(p) for p in ctx.option("allowed-unsafe")]
    for i, entry in enumerate(sysctls):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            continue
        name = _normalize(name)
        path = (*template.spec_path, "securityContext", "sysctls", i, "name")
        since = SAFE_SYSCTLS.get(name)
        if not name.startswith(("net.", *_IPC)):
            message = f"sysctl {name} is not namespaced: it belongs to the node, and no pod may set it"
            yield Finding(message, path)
        elif (since is None or since > version) and not _matches(name, allowed):
            later = f" (safe since {since[0]}.{since[1]})" if since else ""
            yield Finding(
                f"sysctl {name} is not safe in Kubernetes {version[0]}.{version[1]}{later}: the"
                " kubelet refuses the pod unless the node allows it with --allowed-unsafe-sysctls",
                path,
            )
        elif name.startswith("net.") and template.spec.get("hostNetwork") is True:
            message = f"sysctl {name} would change the node's network settings (hostNetwork is true)"
            yield Finding(message, path)
        elif name.startswith(_IPC) and template.spec.get("hostIPC") is True:
            yield Finding(f"sysctl {name} would change the node's IPC settings (hostIPC is true)", path)


def _normalize(name: str) -> str:
    """A sysctl name as the kubelet reads it: slashes for dots, and dots for slashes.

    ``net/ipv4/conf/eth0.100/rp_filter`` is ``net.ipv4.conf.eth0/100.rp_filter``.
    """
    first = re.search(r"[./]", name)
    if first is None or first.group() == ".":
        return name
    return name.translate(str.maketrans("./", "/."))


def _matches(name: str, patterns: list[str]) -> bool:
    return any(name.startswith(p[:-1]) if p.endswith("*") else name == p for p in patterns)


def _version(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", text.strip())
    if m is None:
        raise ValueError(f"expects a version such as 1.32, got {text!r}")
    return int(m.group(1)), int(m.group(2))
