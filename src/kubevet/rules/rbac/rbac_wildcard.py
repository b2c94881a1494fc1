from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.rbac import KINDS, KUBERNETES_GROUPS, PolicyRule
from kubevet.rules._base import Option, RuleContext, rule
from kubevet.rules.rbac._common import PLATFORM_NAMES, model, platform

CUSTOM_GROUPS = Option(
    "custom-groups", False, "also report * in verbs and resources confined to custom API groups"
)


def wildcards(rule: PolicyRule, custom_groups: bool) -> list[str]:
    """The fields of a rule whose * is reported."""
    kubernetes = custom_groups or "*" in rule.groups or bool(rule.groups & KUBERNETES_GROUPS)
    found = []
    if "*" in rule.verbs and kubernetes:
        found.append("verbs")
    if "*" in rule.groups:
        found.append("apiGroups")
    if "*" in rule.resources and kubernetes:
        found.append("resources")
    return found


@rule(
    code="RBC002",
    name="rbac-wildcard",
    severity="error",
    kinds=KINDS,
    scope="cluster",
    options=[PLATFORM_NAMES, CUSTOM_GROUPS],
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A Role or ClusterRole rule grants `*` verbs, resources or API groups.

    ## What it checks
    Every rule of the Roles and ClusterRoles the scan defines, reported at the rule, for:

    - `*` in `apiGroups`: every API group, those of operators installed later included;
    - `*` in `verbs` or `resources` of a rule about Kubernetes' own APIs: the core group
      (`""`), `apps`, `batch`, `rbac.authorization.k8s.io` and the other groups the API
      server serves.

    `*` in the verbs or resources of a rule confined to custom API groups (an operator's
    own CRDs, aggregated APIs such as `external.metrics.k8s.io`, whose resources are
    metric names) is not reported unless `custom-groups` is set: the group's owner defines
    what is in it, and operators that create kinds at run time (Gatekeeper's constraint
    kinds) cannot list them. `*/scale` in `resources` names one subresource of every
    resource and counts as a wildcard only through its `apiGroups`. Rules about
    `nonResourceURLs` are not judged.

    Not judged: Kubernetes' default roles (`cluster-admin`, `admin`, `edit`, `view` and
    the `system:` roles of the bootstrap policy), which the API server writes and
    reconciles itself even when the scan holds a copy; roles named like the control
    plane's (`platform-names`); and the rules written in an aggregated ClusterRole (one
    with an `aggregationRule`), which the aggregation controller replaces with the rules
    of the roles it selects: those roles are judged themselves.

    ## Why it matters
    A wildcard grants more than anyone reviewed: `verbs: ["*"]` includes `escalate`,
    `bind`, `impersonate` and `deletecollection`; `resources: ["*"]` includes Secrets and
    every subresource (`pods/exec`); `apiGroups: ["*"]` includes the custom resources of
    every operator installed later, and wildcards keep granting whatever new verbs and
    resources future releases add. A `*` on `*` in `*` is cluster-admin. Listing what the
    workload uses keeps the grant what it was meant to be.

    Findings about the same rule's consequences at its bindings (cluster-admin-bound and
    the others) point at the bindings, so that both what the role allows and who gets it
    are in view; a role that nothing binds and that allows `*` on `*` in `*` is reported
    here only.

    Known differences: kube-linter's `wildcard-in-rules` also reports `*` in the verbs and
    resources of custom API groups (kubevet with `custom-groups: true`).

    ## Example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: config-reloader
      namespace: shop
    rules:
      - apiGroups: [""]
        resources: ["configmaps"]
        verbs: ["*"]
    ```

    ## Fix
    List the verbs, resources and API groups the workload uses.

    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: config-reloader
      namespace: shop
    rules:
      - apiGroups: [""]
        resources: ["configmaps"]
        verbs: ["get", "list", "watch"]
    ```

    ## Options
    - `platform-names` (list, default `["system:*"]`): roles whose names match one of these
      patterns (`*` stands for any text) belong to the control plane and are not judged.
      The `system:` prefix is reserved for Kubernetes and its components; add your
      platform's own (`gce:*` ...) when you scan a dump of a cluster.
    - `custom-groups` (bool, default `false`): also report `*` in the verbs and resources
      of rules confined to custom API groups.

    ## References
    - RBAC good practices, avoid wildcards: https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege
    - Referring to resources: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources
    - Peers: kube-linter `wildcard-in-rules`.
    """
    custom_groups = ctx.option("custom-groups")
    for role in model(ctx).scanned_roles():
        if role.default or role.aggregated or role.obj.unjudged or platform(ctx, role.name):
            continue
        for r in role.rules:
            wild = wildcards(r, custom_groups)
            if wild:
                message = f"the rule grants * in {' and '.join(wild)}: {r.describe()}"
                yield ctx.finding(role.obj, message, r.path)
