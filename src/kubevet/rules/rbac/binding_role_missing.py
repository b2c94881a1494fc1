from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.rbac import KINDS
from kubevet.rules._base import RuleContext, rule
from kubevet.rules.rbac._common import model


@rule(code="RBC008", name="binding-role-missing", severity="error", kinds=KINDS, scope="cluster")
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A RoleBinding or ClusterRoleBinding refers to a role that exists nowhere.

    ## What it checks
    The `roleRef` of every RoleBinding and ClusterRoleBinding of the scan. A ClusterRole
    must be defined in the scan, in a `--context` source, or be one of Kubernetes' default
    ClusterRoles (`cluster-admin`, `admin`, `edit`, `view`, the `system:` roles of the
    bootstrap policy). A Role must be defined in the binding's own namespace (or be one of
    the default Roles of `kube-system` and `kube-public`): a Role of the same name in
    another namespace does not count. A ClusterRoleBinding can refer to a ClusterRole only.

    ## Why it matters
    A binding to a missing role grants nothing, so whatever relies on it fails with
    "forbidden" at run time, typically after a role was renamed or a chart's role was
    switched off while its binding stayed. Worse, it grants whatever role someone creates
    later under that name: a dangling binding to a powerful subject is a grant waiting to
    be filled.

    ## Example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: reader
      namespace: shop
    subjects:
      - kind: ServiceAccount
        name: reader
        namespace: shop
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: config-reader
    ```

    ## Fix
    Define the role in the binding's namespace (or pass the manifests that define it with `--context`), or correct the `roleRef`.

    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: config-reader
      namespace: shop
    rules:
      - apiGroups: [""]
        resources: ["configmaps"]
        verbs: ["get"]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: reader
      namespace: shop
    subjects:
      - kind: ServiceAccount
        name: reader
        namespace: shop
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: config-reader
    ```

    ## Options
    None.

    ## References
    - RoleBinding and ClusterRoleBinding: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding
    - Default roles: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings
    - Peers: Polaris' `*PodExecAttach` binding checks fail a binding whose role is missing.
    """
    rbac = model(ctx)
    elsewhere: dict[str, list[str]] = {}  # Role name -> namespaces that define it
    for namespace, name in rbac.roles:
        elsewhere.setdefault(name, []).append(namespace)
    for binding in rbac.bindings:
        kind, name = binding.ref_kind, binding.ref_name
        if binding.role is not None or binding.obj.unjudged or not name or kind not in ("Role", "ClusterRole"):
            continue  # a roleRef without a name or of another kind: the API server rejects it
        if kind == "Role" and binding.namespace is None:
            message = f"a ClusterRoleBinding cannot refer to Role {name}: only to a ClusterRole"
        elif kind == "Role":
            others = elsewhere.get(name)
            where = f" (there is one in {', '.join(sorted(others))})" if others else ""
            message = f"Role {name} is not defined in namespace {binding.namespace}{where}"
        else:
            message = f"ClusterRole {name} is not defined in the scan, its context or Kubernetes' defaults"
        yield ctx.finding(binding.obj, message, ("roleRef", "name"))
