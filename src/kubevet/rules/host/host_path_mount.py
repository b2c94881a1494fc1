import posixpath
import re

from kubevet.findings import Finding, Severity
from kubevet.k8s.security import describe
from kubevet.k8s.workloads import containers
from kubevet.rules._base import WORKLOADS, Option, rule

SENSITIVE_PATHS = [
    "/",
    "/etc",
    "/etc/kubernetes",
    "/root",
    "/home",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/var/lib/kubelet",
    "/var/lib/kubelet/pods",
    "/var/lib/kubelet/pki",
    "/var/lib/etcd",
    "/var/lib/containerd",
    "/var/lib/docker",
    "/var/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
]
RUNTIME_SOCKETS = ["docker.sock", "containerd.sock", "crio.sock", "cri-dockerd.sock"]
# hostPath types whose files a read-only mount does not protect: the kernel checks a
# mount's read-only flag for regular files and directories, not for sockets or devices
_SPECIAL_FILES = ("Socket", "CharDevice", "BlockDevice")


@rule(
    code="HST005",
    name="host-path-mount",
    severity="warning",
    kinds=WORKLOADS,
    options=[
        Option("sensitive-paths", SENSITIVE_PATHS, "host paths that no pod may mount, nor a directory above"),
        Option("runtime-sockets", RUNTIME_SOCKETS, "file names of container runtime sockets, anywhere"),
    ],
)
def check(obj, ctx):
    """A pod mounts a file or directory of the node it runs on.

    ## What it checks
    The `hostPath` volumes of a pod template, and the containers (init, sidecar and
    ephemeral ones included) that mount them. Each hostPath volume is reported for the
    worst thing it does:

    - **error**, at the volume's `path`, when it is a container runtime socket (a file
      named as in the `runtime-sockets` option, in any directory), a sensitive path of
      the node (option `sensitive-paths`) or a directory that holds one: `/var` exposes
      `/var/lib/kubelet`, `/run` the containerd socket. Paths under a sensitive directory
      are not sensitive themselves: `/etc/ssl/certs` is not `/etc`. `/var/run` is read as
      `/run`, the directory it links to on current Linux distributions;
    - **error**, at each container's `volumeMounts` entry, when a container mounts an
      ordinary host path without `readOnly: true`. Volumes of `type: Socket`,
      `CharDevice` or `BlockDevice` are exempt: `readOnly` does not stop writes to
      sockets and devices, so it would change nothing;
    - **warning**, at the volume's `path`, for an ordinary host path that no container
      mounts writable.

    ## Why it matters
    A hostPath volume reaches past the container's filesystem into the node's. The
    runtime's socket hands out full control of every container on the node, and with it
    the node; `/etc`, `/root`, `/var/lib/kubelet` and the like hold the node's and other
    pods' credentials; `/proc`, `/sys` and `/dev` expose the kernel and the hardware. A
    writable mount of any path lets the pod plant files the node or other pods will run
    or trust. Even read-only mounts tie the pod to the node's layout and leak its data,
    which is why the Pod Security Standards (Baseline) forbid hostPath volumes outright.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: builder
    spec:
      selector:
        matchLabels: {app: builder}
      template:
        metadata:
          labels: {app: builder}
        spec:
          containers:
            - name: builder
              image: docker:27-cli
              volumeMounts:
                - name: docker
                  mountPath: /var/run/docker.sock
          volumes:
            - name: docker
              hostPath:
                path: /var/run/docker.sock
    ```

    ## Fix
    Use a volume that belongs to the pod (emptyDir, a PersistentVolumeClaim, a projected
    ConfigMap or Secret) instead of a hostPath.

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: builder
    spec:
      selector:
        matchLabels: {app: builder}
      template:
        metadata:
          labels: {app: builder}
        spec:
          containers:
            - name: builder
              image: gcr.io/kaniko-project/executor:v1.23.2
              volumeMounts:
                - name: workspace
                  mountPath: /workspace
          volumes:
            - name: workspace
              emptyDir: {}
    ```

    ## Options
    - `sensitive-paths` (list, default: `/`, `/boot`, `/dev`, `/etc`, `/etc/kubernetes`,
      `/home`, `/proc`, `/root`, `/sys`, `/var/lib/containerd`, `/var/lib/docker`,
      `/var/lib/etcd`, `/var/lib/kubelet`, `/var/lib/kubelet/pki`, `/var/lib/kubelet/pods`
      and the default locations of the Docker, containerd, CRI-O and cri-dockerd
      sockets): host paths whose mount, or the mount of a directory above them, is an
      error.
    - `runtime-sockets` (list, default `[docker.sock, containerd.sock, crio.sock,
      cri-dockerd.sock]`): file names that are container runtime sockets in any
      directory (k3s, for one, keeps containerd's under `/run/k3s`).

    ## References
    - Volumes, hostPath: https://kubernetes.io/docs/concepts/storage/volumes/#hostpath
    - Pod Security Standards, Baseline level, control "HostPath Volumes":
      https://kubernetes.io/docs/concepts/security/pod-security-standards/
    - Peers: Polaris `hostPathSet`, kube-linter `docker-sock`, `sensitive-host-mounts` and
      `writable-host-mount`.

    Known differences: kube-linter's `docker-sock` looks only for the Docker socket, and
    passes a pod that mounts another host file (`/var/run/thing.sock`) read-write;
    kubevet reports every hostPath volume, and that writable mount as an error.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    volumes = template.spec.get("volumes")
    if not isinstance(volumes, list):
        return
    sensitive: dict[str, str] | None = None
    for i, volume in enumerate(volumes):
        source = volume.get("hostPath") if isinstance(volume, dict) else None
        host_path = source.get("path") if isinstance(source, dict) else None
        if not isinstance(host_path, str):
            continue
        if sensitive is None:  # worked out only for pods that mount the host at all
            sensitive = {_normalize(p): p for p in ctx.option("sensitive-paths")}
            sockets = set(ctx.option("runtime-sockets"))
        name = volume.get("name")
        path = (*template.spec_path, "volumes", i, "hostPath", "path")
        normal = _normalize(host_path)
        exposed = _exposed(normal, sensitive)
        if posixpath.basename(normal) in sockets:
            message = (
                f"hostPath volume {name!r} mounts the container runtime socket {host_path}:"
                " it controls every container on the node"
            )
            yield Finding(message, path, default_severity=Severity.ERROR)
        elif exposed is not None:
            if normal in sensitive:
                message = f"hostPath volume {name!r} mounts {host_path}, a sensitive path of the node"
            else:
                message = f"hostPath volume {name!r} mounts {host_path}, which holds the node's {exposed}"
            yield Finding(message, path, default_severity=Severity.ERROR)
        else:
            special = isinstance(source.get("type"), str) and source["type"] in _SPECIAL_FILES
            writable = [] if special else list(_writable_mounts(template, name))
            for c, mount_path in writable:
                message = f"{describe(c)} mounts hostPath volume {name!r} ({host_path}) writable"
                yield Finding(message, mount_path, default_severity=Severity.ERROR)
            if not writable:
                yield Finding(f"hostPath volume {name!r} mounts the node's {host_path}", path)


def _normalize(path: str) -> str:
    """A host path without repeated or trailing slashes and dot parts, /var/run read as /run."""
    path = posixpath.normpath(re.sub("/+", "/", path.strip()))
    if path == "/var/run" or path.startswith("/var/run/"):
        path = "/run" + path[len("/var/run") :]
    return path


def _exposed(path: str, sensitive: dict[str, str]) -> str | None:
    """The sensitive path (as configured) that mounting ``path`` exposes: itself, or one below it."""
    if path in sensitive:
        return sensitive[path]
    prefix = path.rstrip("/") + "/"
    return next((shown for normal, shown in sensitive.items() if normal.startswith(prefix)), None)


def _writable_mounts(template, volume_name):
    """(container, path of the mount) for every mount of the volume without readOnly: true."""
    for c in containers(template):
        mounts = c.get("volumeMounts")
        if not isinstance(mounts, list):
            continue
        for j, mount in enumerate(mounts):
            if not isinstance(mount, dict) or mount.get("name") != volume_name:
                continue
            if mount.get("readOnly") is True:
                continue
            mount_path = (*c.path, "volumeMounts", j)
            if "readOnly" in mount:
                mount_path = (*mount_path, "readOnly")
            yield c, mount_path
