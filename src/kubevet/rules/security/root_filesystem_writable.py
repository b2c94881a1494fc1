from kubevet.findings import Finding
from kubevet.k8s.security import deepest, describe, is_windows
from kubevet.k8s.workloads import containers
from kubevet.rules._base import WORKLOADS, rule


@rule(code="SEC004", name="root-filesystem-writable", severity="warning", kinds=WORKLOADS)
def check(obj, ctx):
    """A container can write to its root filesystem.

    ## What it checks
    Every container, init container, sidecar and ephemeral container of a Linux pod
    template for `securityContext.readOnlyRootFilesystem: true`. The field is a container
    field: a pod-level value (which the API ignores) does not count. Windows pods
    (`spec.os.name: windows`, or a node selector for `kubernetes.io/os: windows`) are
    skipped: the field does not apply there.

    ## Why it matters
    With a writable root filesystem an intruder can drop tools and binaries into the
    container, change its configuration or plant a backdoor that survives until the
    container is replaced. A read-only root filesystem also keeps an application honest
    about where it writes: scratch and cache directories become explicit `emptyDir`
    volumes, which the kubelet accounts for and cleans up.

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
    Set `readOnlyRootFilesystem: true` and mount an `emptyDir` where the application must write.

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
                readOnlyRootFilesystem: true
              volumeMounts:
                - {name: cache, mountPath: /var/cache/nginx}
                - {name: run, mountPath: /var/run}
          volumes:
            - {name: cache, emptyDir: {}}
            - {name: run, emptyDir: {}}
    ```

    ## Options
    None.

    ## References
    - Configure a security context: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
    - Pod Security Standards: not part of any level. The NSA/CISA Kubernetes Hardening
      Guide recommends immutable container filesystems.
    - Peers: Polaris `notReadOnlyRootFilesystem`, kube-linter `no-read-only-root-fs`.
    """
    template = ctx.pod_template(obj)
    if template is None or is_windows(template):
        return
    for c in containers(template):
        sc = c.get("securityContext")
        read_only = sc.get("readOnlyRootFilesystem") if isinstance(sc, dict) else None
        if read_only is False:
            yield Finding(
                f"{describe(c)} sets readOnlyRootFilesystem: false",
                (*c.path, "securityContext", "readOnlyRootFilesystem"),
            )
        elif read_only is None:
            yield Finding(
                f"{describe(c)} has a writable root filesystem (readOnlyRootFilesystem is not set)",
                deepest(c.path, c.data, ("securityContext",)),
            )
