from kubevet.findings import Finding
from kubevet.rules._base import rule
from kubevet.rules.hygiene._common import deploy_hook, owned_by


@rule(code="HYG008", name="naked-pod", severity="warning", kinds=["Pod"])
def check(obj, ctx):
    """A Pod is created on its own, with no controller to replace it when it goes away.

    ## What it checks
    Every Pod object in the manifests. Not reported: Pods with `metadata.ownerReferences`
    (a controller owns them, as in output of `kubectl get pod -o yaml`), and Helm or
    Argo CD hooks (`helm.sh/hook`, `argocd.argoproj.io/hook`), such as Helm test pods,
    which are run once on purpose.

    ## Why it matters
    Nothing recreates a bare Pod. When its node is drained for an upgrade, fails or is
    scaled away, or the Pod is evicted for memory pressure, it is gone until someone
    applies it again. Its spec cannot be changed in place either (most fields are
    immutable), so every change means delete and recreate by hand, with downtime.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
    ```

    ## Fix
    Run the pod through a controller: a Deployment for a service, a Job for a task that ends.

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

    ## Options
    None.

    ## References
    - Pods and controllers: https://kubernetes.io/docs/concepts/workloads/pods/#working-with-pods
    - Configuration best practices, naked pods: https://kubernetes.io/docs/concepts/configuration/overview/#naked-pods-vs-replicasets-deployments-and-jobs
    - Peers: none built in. The `nakedPod` check of Polaris' test suite is a custom
      check (it wants `app.kubernetes.io/name` equal to the Pod's name), not this one.
    """
    if obj.group == "" and not owned_by(obj) and not deploy_hook(obj):
        message = "the Pod has no controller: nothing recreates it when it is evicted or its node goes away"
        yield Finding(message, ("metadata",))
