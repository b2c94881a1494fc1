from kubevet.k8s.workloads import service_account
from kubevet.rules._base import WORKLOADS, namespace_of, rule

RBAC_GROUP = "rbac.authorization.k8s.io"


@rule(
    code="IDN001",
    name="service-account-token-automounted",
    severity="warning",
    scope="cluster",
    kinds=[WORKLOADS, "ServiceAccount", "RoleBinding", "ClusterRoleBinding"],
)
def check(ctx):
    """A pod gets an API token mounted that it most likely does not use.

    ## What it checks
    Whether the kubelet mounts the pod's ServiceAccount token, as Kubernetes decides it:
    the pod's `automountServiceAccountToken` wins; when the pod does not set it, the
    ServiceAccount's does (looked up by name in the pod's namespace, among the objects of
    the scan); when neither sets it, the token is mounted. A pod whose token is mounted
    is reported unless its ServiceAccount is a subject of a RoleBinding or
    ClusterRoleBinding in the scan: a ServiceAccount that was granted permissions is
    there to call the API (operators and controllers), and needs its token.

    ## Why it matters
    Most applications never call the Kubernetes API, yet by default each of their pods
    carries a token for it at `/var/run/secrets/kubernetes.io/serviceaccount`. Whoever
    gets code execution in the container (a vulnerable dependency, an exposed debug
    endpoint) gets that token too, and with it every permission the ServiceAccount has,
    today or after someone grants it more.

    ## Example
    ```yaml
    apiVersion: v1
    kind: ServiceAccount
    metadata:
      name: web
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

    ## Fix
    Set `automountServiceAccountToken: false` on the ServiceAccount (or on the pod).

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
    - Opt out of API credential automounting: https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting
    - Service accounts: https://kubernetes.io/docs/concepts/security/service-accounts/
    - Peers: Polaris `automountServiceAccountToken`, which also reports pods whose
      ServiceAccount has RBAC bindings; kube-score `pod-serviceaccount-token` (not enabled
      by default there).
    """
    opted_out = {
        (namespace_of(sa), sa.name)
        for sa in ctx.objects("ServiceAccount")
        if sa.group == "" and sa.data.get("automountServiceAccountToken") is False
    }
    bound = _bound_service_accounts(ctx)
    for obj, template in ctx.judged_workloads():
        pod_setting = template.spec.get("automountServiceAccountToken")
        if pod_setting is False:
            continue
        name, _ = service_account(template)
        account = (namespace_of(obj), name)
        if account in bound:
            continue
        if pod_setting is True:
            yield ctx.finding(
                obj,
                f"automountServiceAccountToken: true mounts the API token of ServiceAccount {name!r}, "
                "which has no RBAC binding in the scan",
                (*template.spec_path, "automountServiceAccountToken"),
            )
        elif account not in opted_out:
            yield ctx.finding(
                obj,
                f"the pod gets the API token of ServiceAccount {name!r} mounted: neither the pod nor the "
                "ServiceAccount sets automountServiceAccountToken: false",
                template.spec_path,
            )


def _bound_service_accounts(ctx) -> set[tuple[str, str]]:
    """(namespace, name) of every ServiceAccount that a RoleBinding or ClusterRoleBinding names."""
    bound = set()
    for kind in ("RoleBinding", "ClusterRoleBinding"):
        for binding in ctx.objects(kind):
            subjects = binding.data.get("subjects")
            if binding.group != RBAC_GROUP or not isinstance(subjects, list):
                continue
            for subject in subjects:
                if not isinstance(subject, dict) or subject.get("kind") != "ServiceAccount":
                    continue
                # a RoleBinding's ServiceAccount subject defaults to the binding's namespace
                namespace = subject.get("namespace") or (namespace_of(binding) if kind == "RoleBinding" else None)
                if isinstance(namespace, str) and isinstance(subject.get("name"), str):
                    bound.add((namespace, subject["name"]))
    return bound
