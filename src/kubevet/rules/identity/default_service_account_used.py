from kubevet.findings import Finding
from kubevet.k8s.workloads import service_account
from kubevet.rules._base import WORKLOADS, rule


@rule(code="IDN002", name="default-service-account-used", severity="warning", kinds=WORKLOADS)
def check(obj, ctx):
    """A pod runs as its namespace's `default` ServiceAccount.

    ## What it checks
    The ServiceAccount of every pod template: `serviceAccountName` (or the deprecated
    `serviceAccount` when that is unset). It reports `default`, whether named explicitly
    or left out, since a pod without a ServiceAccount runs as `default`.

    ## Why it matters
    Every pod of a namespace that does not name a ServiceAccount shares `default`. Any
    permission granted to it (an RBAC binding, a cloud IAM role through workload
    identity, an image pull secret) is granted to all of them, and audit logs cannot tell
    the workloads apart. A ServiceAccount of its own gives a workload exactly the access
    it needs, and none when it needs none.

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
    Create a ServiceAccount for the workload and name it in `serviceAccountName`.

    ```yaml
    apiVersion: v1
    kind: ServiceAccount
    metadata:
      name: web
    automountServiceAccountToken: false
    ---
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
          serviceAccountName: web
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Options
    None.

    ## References
    - Service accounts: https://kubernetes.io/docs/concepts/security/service-accounts/
    - RBAC good practices: https://kubernetes.io/docs/concepts/security/rbac-good-practices/
    - Peers: kube-linter `default-service-account`.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    name, path = service_account(template)
    if name != "default":
        return
    if path is None:
        yield Finding("the pod names no ServiceAccount, so it runs as 'default'", template.spec_path)
    else:
        yield Finding("the pod runs as the namespace's 'default' ServiceAccount", path)
