from kubevet.rules._base import WORKLOADS, rule
from kubevet.rules.host._common import shared_namespace


@rule(code="HST003", name="host-ipc", severity="error", kinds=WORKLOADS)
def check(obj, ctx):
    """A pod shares the node's IPC namespace, with its shared memory and message queues.

    ## What it checks
    Pod templates for `spec.hostIPC: true`.

    ## Why it matters
    In the node's IPC namespace a container can read and write the shared memory
    segments, semaphores and message queues of every process on the node that uses them,
    other pods' included, to steal data or disrupt them.

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
          hostIPC: true
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Fix
    Remove `hostIPC: true`; containers of one pod already share an IPC namespace.

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
          hostIPC: false
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Options
    None.

    ## References
    - Pod spec, hostIPC: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#hosts-namespaces
    - Pod Security Standards, Baseline level, control "Host Namespaces":
      https://kubernetes.io/docs/concepts/security/pod-security-standards/
    - Peers: Polaris `hostIPCSet`, kube-linter `host-ipc`.
    """
    return shared_namespace(obj, ctx, "hostIPC", "IPC namespace")
