from kubevet.rules._base import WORKLOADS, rule
from kubevet.rules.host._common import shared_namespace


@rule(code="HST002", name="host-pid", severity="error", kinds=WORKLOADS)
def check(obj, ctx):
    """A pod shares the node's process ID namespace and sees every process of the node.

    ## What it checks
    Pod templates for `spec.hostPID: true`.

    ## Why it matters
    With the node's PID namespace a container lists every process of the node and of
    every other pod, reads their command lines and environment (secrets included) through
    `/proc`, and can signal them. With `SYS_PTRACE`, or as root, it can attach to them
    and run code in them, which is a straight path out of the container.

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
          hostPID: true
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Fix
    Remove `hostPID: true`; to share processes between the pod's own containers, use
    `shareProcessNamespace: true`.

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
          shareProcessNamespace: true
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Options
    None.

    ## References
    - Pod spec, hostPID: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#hosts-namespaces
    - Share the process namespace between containers in a pod:
      https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/
    - Pod Security Standards, Baseline level, control "Host Namespaces":
      https://kubernetes.io/docs/concepts/security/pod-security-standards/
    - Peers: Polaris `hostPIDSet`, kube-linter `host-pid`.
    """
    return shared_namespace(obj, ctx, "hostPID", "process ID namespace")
