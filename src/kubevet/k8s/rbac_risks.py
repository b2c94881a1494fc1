"""What RBAC rules allow that is risky: deleting data, reading Secrets, creating pods,
escalating privileges, opening a shell in a pod.

Pure RBAC knowledge over ``kubevet.k8s.rbac``'s model: each ``Find`` takes a role rule and
the namespace it is granted in (None: everywhere) and returns the ``Grant`` s of what it
looks for. The RBAC rules report them; ``kubevet rbac`` lists them beside each grant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kubevet.k8s.rbac import GROUP, Access, PolicyRule, Rbac, full_admin

Grant = tuple[str, str]
"""One thing a role rule allows: a verb on a target, ("delete", "secrets")."""

Find = Callable[[PolicyRule, "str | None"], "list[Grant]"]
"""What a role rule allows of what a check looks for, granted in a namespace (None: everywhere)."""


def grants(rule: PolicyRule, accesses: Iterable[Access], namespace: str | None) -> list[Grant]:
    """The verbs of each access that a rule allows, granted in a namespace (None: everywhere)."""
    return [(verb, a.resource) for a in accesses for verb in rule.verbs_for(a, namespace)]


def phrase(grants: Iterable[Grant]) -> str:
    """Grants in words, targets of the same verbs together: "delete, deletecollection secrets and configmaps"."""
    verbs_of: dict[str, list[str]] = {}
    for verb, target in grants:
        verbs = verbs_of.setdefault(target, [])
        if verb not in verbs:
            verbs.append(verb)
    targets_of: dict[tuple[str, ...], list[str]] = {}
    for target, verbs in verbs_of.items():
        targets_of.setdefault(tuple(verbs), []).append(target)
    return "; ".join(f"{', '.join(verbs)} {and_list(targets)}" for verbs, targets in targets_of.items())


def and_list(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --------------------------------------------------------------------------- deleting data
VERBS = ("delete", "deletecollection")
DATA = [Access(VERBS, "", r) for r in ("secrets", "configmaps", "persistentvolumeclaims")]
EVERYTHING = Access(VERBS, "", "*")


def destructive(rule: PolicyRule, namespace: str | None) -> list[Grant]:
    """Deleting the data of a namespace, or the namespace itself, that a rule allows."""
    if rule.names:
        return []
    if "*" in rule.resources:
        target = "every resource" if "*" in rule.groups else "every resource of the core API group"
        return [(verb, target) for verb, _ in grants(rule, [EVERYTHING], namespace)]
    found = grants(rule, DATA, namespace)
    if namespace is None:
        found += grants(rule, [Access(VERBS, "", "namespaces")], None)
    elif "delete" in rule.verbs_for(Access(VERBS, "", "namespaces"), namespace):
        # the API authorizes deleting a namespace as a request in that namespace
        found.append(("delete", "the namespace itself"))
    return found


# --------------------------------------------------------------------------- reading Secrets

SECRETS = Access(("get", "list", "watch"), "", "secrets")


def reads_secrets(rule: PolicyRule, namespace: str | None) -> list[Grant]:
    return [] if rule.names else grants(rule, [SECRETS], namespace)


# --------------------------------------------------------------------------- creating pods

CREATE = ("create",)
POD_CREATORS = [
    Access(CREATE, "", "pods"),
    Access(CREATE, "", "replicationcontrollers"),
    *(Access(CREATE, group, r) for group in ("apps", "extensions") for r in ("deployments", "replicasets", "daemonsets")),
    Access(CREATE, "apps", "statefulsets"),
    Access(CREATE, "batch", "jobs"),
    Access(CREATE, "batch", "cronjobs"),
]


def creates_pods(rule: PolicyRule, namespace: str | None) -> list[Grant]:
    return [] if rule.names else grants(rule, POD_CREATORS, namespace)


# --------------------------------------------------------------------------- escalation

WRITE = ("create", "update", "patch")
CLUSTER_ROLES = [
    # binding a ClusterRole in a RoleBinding is authorized in the binding's namespace;
    # changing a ClusterRole is a request outside namespaces
    Access(("bind",), GROUP, "clusterroles"),
    Access(("escalate",), GROUP, "clusterroles", cluster_scoped=True),
]
ESCALATE = [Access(("escalate", "bind"), GROUP, "roles"), *CLUSTER_ROLES]
IMPERSONATE = [
    Access(("impersonate",), "", "users", cluster_scoped=True),
    Access(("impersonate",), "", "groups", cluster_scoped=True),
    Access(("impersonate",), "", "serviceaccounts"),
]
OTHERS = [
    Access(WRITE, GROUP, "roles"),
    Access(WRITE, GROUP, "rolebindings"),
    Access(WRITE, GROUP, "clusterroles", cluster_scoped=True),
    Access(WRITE, GROUP, "clusterrolebindings", cluster_scoped=True),
    Access(("create",), "", "serviceaccounts/token"),
]


def escalation(rbac: Rbac):
    def find(rule: PolicyRule, namespace: str | None) -> list[Grant]:
        """The ways past RBAC's escalation checks that a rule allows."""
        if not rule.names:
            return grants(rule, [*ESCALATE, *IMPERSONATE, *OTHERS], namespace)
        # bind and escalate limited to named ClusterRoles: only a full-admin one matters
        found = []
        for verb, _ in grants(rule, CLUSTER_ROLES, namespace):
            for name in sorted(rule.names):
                role = rbac.cluster_roles.get(name)
                if role is not None and full_admin(rbac.rules_of(role)):
                    found.append((verb, f"ClusterRole {name}"))
        return found

    return find


# --------------------------------------------------------------------------- shells in pods

KUBELET = {"nodes/proxy": "nodes/proxy (the kubelet's API, which runs commands in any pod of a node)"}


def shells(create_required: bool = True) -> Find:
    """What opens a shell in a pod: kubectl sends a POST (create), the WebSocket protocol a
    GET, which alone suffices for exec and attach unless the API server also requires
    create for the upgrade (``create_required``: from Kubernetes 1.35), and for the
    kubelet's API (nodes/proxy) on every version."""
    pod_verbs = ("create",) if create_required else ("create", "get")
    accesses = [
        Access(pod_verbs, "", "pods/exec"),
        Access(pod_verbs, "", "pods/attach"),
        Access(("create", "get"), "", "nodes/proxy", cluster_scoped=True),
    ]

    def find(rule: PolicyRule, namespace: str | None) -> list[Grant]:
        if rule.names:
            return []
        return [(verb, KUBELET.get(target, target)) for verb, target in grants(rule, accesses, namespace)]

    return find
