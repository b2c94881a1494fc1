from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.rbac import KINDS, full_admin
from kubevet.rules._base import RuleContext, rule
from kubevet.rules.rbac._common import PLATFORM_NAMES, model, platform, who


@rule(code="RBC001", name="cluster-admin-bound", severity="error", kinds=KINDS, scope="cluster", options=[PLATFORM_NAMES])
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A subject is bound to cluster-admin, or to a role that allows as much.

    ## What it checks
    Every RoleBinding and ClusterRoleBinding of the scan, resolved to the rules its role
    grants: the default `cluster-admin`, or any role (aggregated ClusterRoles followed)
    whose rules allow every verb on every resource of every API group without
    `resourceNames`: `*` on `*` in `*`, or all of get, list, watch, create, update, patch
    and delete there, in one rule or several. The finding is at the binding's `roleRef`
    and names its subjects.

    A ClusterRoleBinding gives them the whole cluster; a RoleBinding gives them full
    control of its namespace, its Roles and RoleBindings included, and is reported too.
    `apiGroups: [""]` is the core group only and does not count as every group; a rule
    limited by `resourceNames` covers the named objects only.

    ## Why it matters
    A subject with these rights can do anything: read every Secret, delete every
    ConfigMap, Secret and PersistentVolumeClaim, run pods as any ServiceAccount and grant
    itself whatever is left. A job that needs to delete stale ConfigMaps and runs as a
    cluster-admin ServiceAccount deletes Secrets and volumes just as easily when its
    selector is wrong, and so does anyone who steals its token. Listing every read and
    write verb instead of `*` changes nothing: reading every Secret and creating pods as any
    ServiceAccount leads to the rest.

    Findings about the same binding's other rights (deleting Secrets, exec into pods ...)
    are left to this rule while it is enabled: one finding says it all.

    Known differences: Polaris does not judge bindings named `system:...` (kubevet
    neither, see `platform-names`) nor bindings named `gce:podsecuritypolicy:calico-sa`, a
    GKE object (add it to `platform-names` when you scan a GKE cluster's dump).

    ## Example
    ```yaml
    apiVersion: v1
    kind: ServiceAccount
    metadata:
      name: cleanup
      namespace: shop
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata:
      name: cleanup-admin
    subjects:
      - kind: ServiceAccount
        name: cleanup
        namespace: shop
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: ClusterRole
      name: cluster-admin
    ```

    ## Fix
    Bind a Role that allows exactly what the subject does, in the namespace where it does it.

    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: cleanup
      namespace: shop
    rules:
      - apiGroups: [""]
        resources: ["configmaps"]
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

    ## Options
    - `platform-names` (list, default `["system:*"]`): bindings whose names match one of
      these patterns (`*` stands for any text) belong to the control plane and are not
      judged. The `system:` prefix is reserved for Kubernetes and its components; add your
      platform's own (`gce:*` ...) when you scan a dump of a cluster. A binding of another
      name to a `system:` role is judged all the same.

    ## References
    - User-facing roles: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles
    - RBAC good practices, least privilege: https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege
    - Peers: Polaris `clusterrolebindingClusterAdmin`, `rolebindingClusterAdminClusterRole`,
      `rolebindingClusterAdminRole`; kube-linter `cluster-admin-role-binding`.
    """
    rbac = model(ctx)
    for binding in rbac.bindings:
        if binding.obj.unjudged or not binding.subjects or binding.role is None or platform(ctx, binding.obj.name):
            continue
        admin = full_admin(rbac.rules_of(binding.role))
        if not admin:
            continue
        role = binding.role
        what = role.label
        if not (role.default and role.name == "cluster-admin"):
            refs = " and ".join(f"rules[{r.index}]" if r.role is role else r.ref for r in admin)
            what += f": {refs} {'allow' if len(admin) > 1 else 'allows'} every verb on every resource"
        scope = "the whole cluster" if binding.namespace is None else f"namespace {binding.namespace}"
        message = f"gives {who(binding)} full control of {scope}, every Secret, ConfigMap and volume claim included ({what})"
        yield ctx.finding(binding.obj, message, ("roleRef",))
