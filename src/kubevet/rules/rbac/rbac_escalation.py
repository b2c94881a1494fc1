from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.rbac import KINDS
from kubevet.k8s.rbac_risks import escalation
from kubevet.rules._base import RuleContext, rule
from kubevet.rules.rbac._common import PLATFORM_NAMES, grant_findings, model


@rule(code="RBC005", name="rbac-escalation", severity="error", kinds=KINDS, scope="cluster", options=[PLATFORM_NAMES])
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A subject can grant itself more rights: escalate, bind, impersonate, write RBAC, or mint tokens.

    ## What it checks
    What every RoleBinding and ClusterRoleBinding of the scan grants (aggregated
    ClusterRoles followed, Kubernetes' default roles known):

    - `escalate` or `bind` on `roles` or `clusterroles` (API group
      `rbac.authorization.k8s.io`);
    - `impersonate` on `users`, `groups` or `serviceaccounts`;
    - `create`, `update` or `patch` on `roles`, `rolebindings`, `clusterroles` or
      `clusterrolebindings`;
    - `create` on `serviceaccounts/token`.

    The finding is at the binding's `roleRef`; it names the subjects, where they can do it
    and the role rule that allows it. A RoleBinding grants only what lives in its
    namespace (Roles, RoleBindings, ServiceAccounts, `bind` on ClusterRoles for its own
    RoleBindings), never ClusterRoles, ClusterRoleBindings, users or groups.

    A rule limited by `resourceNames` is not reported (binding only the named roles is the
    documented way to delegate), unless it allows `bind` or `escalate` on a ClusterRole
    that gives full control, such as `cluster-admin`. A role that no binding grants is
    reported at its rule, for whoever it will be bound to; an unbound ClusterRole aggregated
    into others only for what it adds to them. Bindings that give full control are left to
    cluster-admin-bound while it is enabled.

    The default `edit` and `admin` roles allow impersonating ServiceAccounts and creating
    their tokens, and `admin` writes Roles and RoleBindings: binding them is reported.

    ## Why it matters
    RBAC stops a subject from creating or binding a role with rights it does not hold,
    except with `escalate` and `bind`. `impersonate` acts as another user, group or
    ServiceAccount, with all their rights; creating `serviceaccounts/token` mints a token
    for any ServiceAccount of the namespace and does the same. Writing Roles and bindings
    hands the subject's own rights to anyone, outside the review that granted them. Each
    of these turns a compromised workload into a compromised namespace, or cluster.

    ## Example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: deployer
    rules:
      - apiGroups: ["rbac.authorization.k8s.io"]
        resources: ["clusterrolebindings"]
        verbs: ["create", "update"]
      - apiGroups: ["rbac.authorization.k8s.io"]
        resources: ["clusterroles"]
        verbs: ["bind"]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata:
      name: deployer
    subjects:
      - kind: ServiceAccount
        name: deployer
        namespace: ci
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: ClusterRole
      name: deployer
    ```

    ## Fix
    Grant the rights the subject needs directly instead of the rights to grant rights; where a
    subject must bind roles, limit `bind` to the named roles.

    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: deployer
      namespace: shop
    rules:
      - apiGroups: ["apps"]
        resources: ["deployments"]
        verbs: ["get", "list", "patch"]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: deployer
      namespace: shop
    subjects:
      - kind: ServiceAccount
        name: deployer
        namespace: ci
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: deployer
    ```

    ## Options
    - `platform-names` (list, default `["system:*"]`): roles and bindings whose names match
      one of these patterns (`*` stands for any text) belong to the control plane and are
      not judged. The `system:` prefix is reserved for Kubernetes and its components; add
      your platform's own (`gce:*` ...) when you scan a dump of a cluster.

    ## References
    - Preventing privilege escalation: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping
    - RBAC good practices, escalation risks: https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks
    - Peers: none of Polaris' and kube-linter's built-in checks.
    """
    rbac = model(ctx)
    return grant_findings(ctx, escalation(rbac), rbac)
