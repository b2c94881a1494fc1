from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.rbac import KINDS
from kubevet.k8s.rbac_risks import shells
from kubevet.rules._base import Option, RuleContext, kube_version, rule
from kubevet.rules.rbac._common import PLATFORM_NAMES, grant_findings
from kubevet.schema import versions

# from 1.35 the API server also requires create for the WebSocket (GET) upgrade of exec
# and attach (feature gate AuthorizePodWebsocketUpgradeCreatePermission, on by default)
CREATE_REQUIRED = (1, 35)

KUBE_VERSION = Option(
    "kube-version",
    "",
    "Kubernetes version the manifests are for; set for every rule by --kube-version or the "
    "config's kube_version. Empty: the newest kubevet knows.",
    kube_version,
)
@rule(
    code="RBC006",
    name="rbac-exec-attach",
    severity="warning",
    kinds=KINDS,
    scope="cluster",
    options=[PLATFORM_NAMES, KUBE_VERSION],
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A subject can run commands in pods: pods/exec, pods/attach or nodes/proxy.

    ## What it checks
    What every RoleBinding and ClusterRoleBinding of the scan grants (aggregated
    ClusterRoles followed, Kubernetes' default roles known): the verbs that open a shell
    through the `pods/exec` or `pods/attach` subresources, or through `nodes/proxy`, in the
    core API group. `kubectl exec` sends a POST (`create`); the WebSocket protocol opens the
    same stream with a GET (`get`), which alone is enough for `nodes/proxy` (the kubelet's
    API) and, before Kubernetes 1.35, for `pods/exec` and `pods/attach`. From 1.35 the API
    server also requires `create` for those (feature gate
    `AuthorizePodWebsocketUpgradeCreatePermission`), so `get` alone is reported only for a
    `--kube-version` below 1.35. `resources: ["*"]` includes the subresources;
    `resources: ["pods"]` does not. `nodes/proxy` lives outside namespaces, so only a
    ClusterRoleBinding grants it.

    The finding is at the binding's `roleRef`; it names the subjects, where they can do it
    and the role rule that allows it. A role that no binding grants is reported at its
    rule, for whoever it will be bound to; an unbound ClusterRole aggregated into others
    only for what it adds to them. A rule limited by `resourceNames` (named pods) is not
    reported. Bindings that give full control are left to cluster-admin-bound while it is
    enabled.

    ## Why it matters
    `exec` and `attach` run commands inside a running container, with its ServiceAccount
    token, its mounted Secrets and its network access, past every admission control that
    judged the pod. `nodes/proxy` reaches the kubelet's API, which runs commands in any pod
    of the node and is not audited by the API server. A subject with these rights has the
    rights of every workload it can reach.

    Known differences: Polaris counts `get` on `pods/exec` and `pods/attach` as exec, as
    clusters before 1.35 do (kubevet with `--kube-version 1.34`). It does not judge roles
    and bindings named `system:...` (kubevet neither, see `platform-names`), named
    `gce:podsecuritypolicy:calico-sa` (a GKE object: add it to `platform-names`), the
    ClusterRoleBinding named `cluster-admin`, or, in its `rolebindingRolePodExecAttach`
    check, RoleBindings to ClusterRoles (its `rolebindingClusterRolePodExecAttach` does):
    kubevet reports what the subjects can do, whatever the binding is called. Polaris
    fails a binding whose role is missing; kubevet reports it with binding-role-missing.

    ## Example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: debug
      namespace: shop
    rules:
      - apiGroups: [""]
        resources: ["pods", "pods/exec"]
        verbs: ["get", "create"]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: debug
      namespace: shop
    subjects:
      - kind: ServiceAccount
        name: support-bot
        namespace: shop
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: debug
    ```

    ## Fix
    Give workloads and automation no exec or attach rights; let people use them through a time-limited, audited role.

    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: debug
      namespace: shop
    rules:
      - apiGroups: [""]
        resources: ["pods", "pods/log"]
        verbs: ["get", "list"]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: debug
      namespace: shop
    subjects:
      - kind: ServiceAccount
        name: support-bot
        namespace: shop
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: debug
    ```

    ## Options
    - `platform-names` (list, default `["system:*"]`): roles and bindings whose names match
      one of these patterns (`*` stands for any text) belong to the control plane and are
      not judged. The `system:` prefix is reserved for Kubernetes and its components; add
      your platform's own (`gce:*` ...) when you scan a dump of a cluster.
    - `kube-version` (set by `--kube-version`): the Kubernetes version the manifests are
      for; below 1.35, `get` on `pods/exec` and `pods/attach` is reported too.

    ## References
    - RBAC good practices, escalation risks: https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks
    - Kubelet authorization (nodes/proxy): https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
    - Peers: Polaris `clusterrolePodExecAttach`, `rolePodExecAttach`,
      `clusterrolebindingPodExecAttach`, `rolebindingClusterRolePodExecAttach`,
      `rolebindingRolePodExecAttach`.
    """
    return grant_findings(ctx, shells(versions.parse(ctx.option("kube-version")) >= CREATE_REQUIRED))
