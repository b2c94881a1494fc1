from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.rbac import KINDS
from kubevet.k8s.rbac_risks import creates_pods
from kubevet.rules._base import RuleContext, rule
from kubevet.rules.rbac._common import PLATFORM_NAMES, grant_findings


@rule(code="RBC007", name="rbac-create-pods", severity="info", kinds=KINDS, scope="cluster", options=[PLATFORM_NAMES])
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A subject can create pods, directly or through a workload controller.

    ## What it checks
    What every RoleBinding and ClusterRoleBinding of the scan grants (aggregated
    ClusterRoles followed, Kubernetes' default roles known): `create` on `pods` or
    `replicationcontrollers` (core API group), on `deployments`, `replicasets`,
    `daemonsets` or `statefulsets` (`apps`, and `extensions` where it served them), or on
    `jobs` or `cronjobs` (`batch`). The finding is at the binding's `roleRef`; it names the
    subjects, where they can do it and the role rule that allows it.

    A role that no binding grants is reported at its rule, for whoever it will be bound
    to; an unbound ClusterRole aggregated into others only for what it adds to them.
    Bindings that give full control are left to cluster-admin-bound while it is enabled.
    Operators and CI deployers create workloads by design: this rule informs, so that the
    grant is a decision, and it is on by default at `info`.

    ## Why it matters
    Whoever creates a pod chooses what it runs and as whom: any ServiceAccount of the
    namespace (and so its rights), any Secret or ConfigMap of the namespace as a volume or
    environment, and, unless Pod Security admission forbids it, host paths and privileged
    containers that reach the node. Creating pods in a namespace is close to holding every
    right of that namespace.

    ## Example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: runner
      namespace: ci
    rules:
      - apiGroups: ["batch"]
        resources: ["jobs"]
        verbs: ["create", "get", "list"]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: runner
      namespace: ci
    subjects:
      - kind: ServiceAccount
        name: runner
        namespace: ci
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: runner
    ```

    ## Fix
    Let the subject change what exists (patch a Deployment's image) rather than create new
    workloads, or keep the grant and enforce Pod Security admission in the namespace.

    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: runner
      namespace: ci
    rules:
      - apiGroups: ["batch"]
        resources: ["jobs"]
        verbs: ["get", "list"]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: runner
      namespace: ci
    subjects:
      - kind: ServiceAccount
        name: runner
        namespace: ci
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: runner
    ```

    ## Options
    - `platform-names` (list, default `["system:*"]`): roles and bindings whose names match
      one of these patterns (`*` stands for any text) belong to the control plane and are
      not judged. The `system:` prefix is reserved for Kubernetes and its components; add
      your platform's own (`gce:*` ...) when you scan a dump of a cluster.

    ## References
    - RBAC good practices, workload creation: https://kubernetes.io/docs/concepts/security/rbac-good-practices/#workload-creation
    - Pod Security admission: https://kubernetes.io/docs/concepts/security/pod-security-admission/
    - Peers: kube-linter `access-to-create-pods`.
    """
    return grant_findings(ctx, creates_pods)
