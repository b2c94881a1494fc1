from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.rbac import KINDS
from kubevet.k8s.rbac_risks import destructive
from kubevet.rules._base import RuleContext, rule
from kubevet.rules.rbac._common import PLATFORM_NAMES, grant_findings


@rule(code="RBC003", name="rbac-destructive-access", severity="error", kinds=KINDS, scope="cluster", options=[PLATFORM_NAMES])
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A subject can delete Secrets, ConfigMaps, PersistentVolumeClaims or namespaces.

    ## What it checks
    What every RoleBinding and ClusterRoleBinding of the scan grants (aggregated
    ClusterRoles followed, Kubernetes' default roles known): `delete` or
    `deletecollection` on `secrets`, `configmaps`, `persistentvolumeclaims` or
    `namespaces` in the core API group (`apiGroups: [""]` or `["*"]`), or on every
    resource (`resources: ["*"]`). The finding is at the binding's `roleRef`; it names the
    subjects, where they can do it (a RoleBinding: its namespace only, a ClusterRoleBinding:
    everywhere) and the role rule that allows it.

    A RoleBinding cannot grant rights over namespaces, except over its own: deleting
    namespace `shop` is a request in namespace `shop`, so a RoleBinding there that allows
    `delete` on `namespaces` lets its subjects delete the namespace and everything in it.

    A role that no binding grants is reported at its rule, for whoever it will be bound
    to; an unbound ClusterRole aggregated into others (`edit`, `admin` ...) only for what
    it adds to them. A rule limited by `resourceNames` deletes the named objects only and
    is not reported. Bindings that give full control (cluster-admin) are left to
    cluster-admin-bound while it is enabled, and unbound roles that allow `*` on `*` in
    `*` to rbac-wildcard.

    ## Why it matters
    Secrets, ConfigMaps and volumes are the state of a namespace: deleting them takes
    applications down and loses data that no rollout brings back. A cleanup job bound to
    more than it cleans deletes all of it the day its label selector is wrong, and an
    attacker with its token does the same on purpose. `deletecollection` removes every
    match in one request.

    ## Example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: cleanup
      namespace: shop
    rules:
      - apiGroups: [""]
        resources: ["configmaps", "secrets", "persistentvolumeclaims"]
        verbs: ["list", "delete"]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: cleanup
      namespace: shop
    subjects:
      - kind: ServiceAccount
        name: cleanup
        namespace: shop
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: cleanup
    ```

    ## Fix
    Grant delete only on the objects the subject owns, by name where they are known, and leave Secrets and volumes out.

    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: cleanup
      namespace: shop
    rules:
      - apiGroups: [""]
        resources: ["configmaps"]
        verbs: ["list"]
      - apiGroups: [""]
        resources: ["configmaps"]
        resourceNames: ["report-cache"]
        verbs: ["delete"]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: cleanup
      namespace: shop
    subjects:
      - kind: ServiceAccount
        name: cleanup
        namespace: shop
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: cleanup
    ```

    ## Options
    - `platform-names` (list, default `["system:*"]`): roles and bindings whose names match
      one of these patterns (`*` stands for any text) belong to the control plane and are
      not judged. The `system:` prefix is reserved for Kubernetes and its components; add
      your platform's own (`gce:*` ...) when you scan a dump of a cluster.

    ## References
    - RBAC good practices: https://kubernetes.io/docs/concepts/security/rbac-good-practices/
    - Aggregated ClusterRoles: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#aggregated-clusterroles
    - Peers: none reports deletion rights; kube-linter's `access-to-secrets` counts `delete`
      among its verbs.
    """
    return grant_findings(ctx, destructive)
