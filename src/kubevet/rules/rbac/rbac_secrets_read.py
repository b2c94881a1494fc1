from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.rbac import KINDS
from kubevet.k8s.rbac_risks import reads_secrets
from kubevet.rules._base import RuleContext, rule
from kubevet.rules.rbac._common import PLATFORM_NAMES, grant_findings


@rule(code="RBC004", name="rbac-secrets-read", severity="warning", kinds=KINDS, scope="cluster", options=[PLATFORM_NAMES])
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A subject can read every Secret of a namespace, or of the cluster.

    ## What it checks
    What every RoleBinding and ClusterRoleBinding of the scan grants (aggregated
    ClusterRoles followed, Kubernetes' default roles known): `get`, `list` or `watch` on
    `secrets` of the core API group, through `apiGroups: [""]` or `["*"]` and
    `resources: ["secrets"]` or `["*"]`. The finding is at the binding's `roleRef`; it
    names the subjects, where they can read (a RoleBinding: its namespace, a
    ClusterRoleBinding: everywhere) and the role rule that allows it.

    A rule limited by `resourceNames` (the Secret the workload uses) is least privilege
    and is not reported. A role that no binding grants is reported at its rule, for
    whoever it will be bound to; an unbound ClusterRole aggregated into others only for
    what it adds to them (a role aggregated into `view` that reads Secrets hands them to
    every viewer). Bindings that give full control are left to cluster-admin-bound while
    it is enabled.

    ## Why it matters
    Secrets hold database passwords, API keys, TLS keys and, in older clusters,
    ServiceAccount tokens, with which the reader acts as that ServiceAccount. `list` and
    `watch` return every Secret with its data, not just names, so "list secrets" is
    "read all secrets"; `get` reads any Secret whose name is known or guessed.

    ## Example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: app
      namespace: shop
    rules:
      - apiGroups: [""]
        resources: ["secrets"]
        verbs: ["get", "list"]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: app
      namespace: shop
    subjects:
      - kind: ServiceAccount
        name: app
        namespace: shop
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: app
    ```

    ## Fix
    Name the Secrets the workload reads in `resourceNames` and allow only `get`, or mount them into the pod instead.

    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: app
      namespace: shop
    rules:
      - apiGroups: [""]
        resources: ["secrets"]
        resourceNames: ["app-database"]
        verbs: ["get"]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: app
      namespace: shop
    subjects:
      - kind: ServiceAccount
        name: app
        namespace: shop
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: app
    ```

    ## Options
    - `platform-names` (list, default `["system:*"]`): roles and bindings whose names match
      one of these patterns (`*` stands for any text) belong to the control plane and are
      not judged. The `system:` prefix is reserved for Kubernetes and its components; add
      your platform's own (`gce:*` ...) when you scan a dump of a cluster.

    ## References
    - RBAC good practices, listing secrets: https://kubernetes.io/docs/concepts/security/rbac-good-practices/#listing-secrets
    - Peers: kube-linter `access-to-secrets` (which also counts create and delete; kubevet
      reports deleting in rbac-destructive-access).
    """
    return grant_findings(ctx, reads_secrets)
