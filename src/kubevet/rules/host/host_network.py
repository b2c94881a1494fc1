from kubevet.rules._base import WORKLOADS, rule
from kubevet.rules.host._common import shared_namespace


@rule(code="HST001", name="host-network", severity="error", kinds=WORKLOADS)
def check(obj, ctx):
    """A pod uses the node's network namespace instead of its own.

    ## What it checks
    Pod templates for `spec.hostNetwork: true`.

    ## Why it matters
    A pod on the host network sees every interface of the node, can listen on any of its
    ports and can reach services bound to the node's loopback address (the kubelet's
    read-only port, local databases, cloud metadata proxies). Network policies do not
    apply to it, and its ports clash with those of the node and of other host-network
    pods. Only node agents (CNI plugins, kube-proxy, some monitoring exporters) need it.

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
          hostNetwork: true
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Fix
    Remove `hostNetwork: true` and expose the pod through a Service.

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
          hostNetwork: false
          containers:
            - name: web
              image: nginx:1.27
              ports:
                - containerPort: 8080
    ```

    ## Options
    None.

    ## References
    - Pod spec, hostNetwork: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#hosts-namespaces
    - Pod Security Standards, Baseline level, control "Host Namespaces":
      https://kubernetes.io/docs/concepts/security/pod-security-standards/
    - Peers: Polaris `hostNetworkSet`, kube-linter `host-network`.
    """
    return shared_namespace(obj, ctx, "hostNetwork", "network namespace")
