"""Who may do what: RBAC roles and bindings, resolved as the API server's authorizer does.

- A binding's ``roleRef`` names a ClusterRole, or a Role of the binding's own namespace (a
  ClusterRoleBinding cannot name a Role).
- A RoleBinding grants its role's rules in its namespace only, a ClusterRole's rules
  included. Resources outside namespaces are beyond its reach, except the namespace object
  itself: the API authorizes ``DELETE /api/v1/namespaces/shop`` as a request in namespace
  ``shop``. A ClusterRoleBinding grants its rules everywhere.
- A ClusterRole with an ``aggregationRule`` holds the rules of every other ClusterRole whose
  labels one of its ``clusterRoleSelectors`` matches (an empty selector matches all of them):
  the aggregation controller replaces the rules it was written with. Aggregated roles that
  are themselves aggregated are followed.
- Kubernetes' default roles (``data/rbac-bootstrap.yaml``: cluster-admin, admin, edit, view,
  the ``system:`` roles) exist in every cluster. A scanned role of the same name is
  reconciled by the API server at start-up, which adds the default rules and aggregation
  back, unless the role is annotated ``rbac.authorization.kubernetes.io/autoupdate: "false"``.
- A rule matches a request when its verbs, apiGroups and resources do. ``*`` matches
  anything, ``*/scale`` the scale subresource of every resource, and a resource does not
  match its subresources (``pods`` is not ``pods/exec``). ``resourceNames`` limits a rule to
  the named objects; a request without a name (create, deletecollection) never matches it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kubevet.k8s import selectors
from kubevet.k8s.index import namespace_of
from kubevet.model import K8sObject

GROUP = "rbac.authorization.k8s.io"
ROLE_KINDS = ("Role", "ClusterRole")
BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")
KINDS = (*ROLE_KINDS, *BINDING_KINDS)
BOOTSTRAP = Path(__file__).resolve().parent.parent / "data" / "rbac-bootstrap.yaml"
AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate"

KUBERNETES_GROUPS = frozenset(
    {
        "", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "apps",
        "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io",
        "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io", "extensions", "flowcontrol.apiserver.k8s.io",
        "internal.apiserver.k8s.io", "networking.k8s.io", "node.k8s.io", "policy", GROUP, "resource.k8s.io",
        "scheduling.k8s.io", "storage.k8s.io", "storagemigration.k8s.io",
    }
)
"""The API groups the API server itself serves; the others belong to CustomResourceDefinitions
and to aggregated APIs (metrics.k8s.io ...), whose resources their owners define."""

ADMIN_VERBS = frozenset({"get", "list", "watch", "create", "update", "patch", "delete"})
"""The verbs that, on every resource of every API group, amount to cluster-admin: they read
every Secret (ServiceAccount tokens included) and run pods as any ServiceAccount."""


@dataclass(frozen=True, slots=True)
class Access:
    """A kind of request: one of ``verbs`` on ``resource`` (``pods/exec``) of an API group."""

    verbs: tuple[str, ...]
    group: str
    resource: str
    cluster_scoped: bool = False  # outside namespaces: no RoleBinding grants it


@dataclass(eq=False, slots=True)
class PolicyRule:
    """One rule of a role, where it is written (``role.rules[index]``)."""

    role: Role
    index: int
    verbs: frozenset[str]
    groups: frozenset[str]
    resources: frozenset[str]
    names: frozenset[str]  # resourceNames: the rule covers these objects only
    urls: frozenset[str]  # nonResourceURLs

    @property
    def path(self) -> tuple:
        return ("rules", self.index)

    @property
    def ref(self) -> str:
        return f"{self.role.label} rules[{self.index}]"

    def verbs_for(self, access: Access, namespace: str | None = None) -> tuple[str, ...]:
        """The verbs of ``access`` this rule allows, granted in ``namespace`` (None: everywhere).

        The objects a rule names in ``resourceNames`` count: callers that judge a broad
        grant check ``names`` themselves.
        """
        if access.cluster_scoped and namespace is not None:
            return ()
        if "*" not in self.groups and access.group not in self.groups:
            return ()
        if not _resource_matches(self.resources, access.resource):
            return ()
        if "*" in self.verbs:
            return access.verbs
        return tuple(v for v in access.verbs if v in self.verbs)

    def describe(self, urls: bool = True) -> str:
        """The rule in one line: ``get, list secrets [db-password]`` or ``get URLs /metrics``
        (``urls=False``: as a RoleBinding grants it, without its non-resource URLs)."""
        verbs = ", ".join(sorted(self.verbs))
        if self.urls and urls and not self.resources:
            return f"{verbs} URLs {', '.join(sorted(self.urls))}"
        groups = sorted(self.groups)
        targets = ", ".join(f"{r}.{g}" if g else r for r in sorted(self.resources) for g in groups)
        names = f" [{', '.join(sorted(self.names))}]" if self.names else ""
        return f"{verbs} {targets}{names}"

    def to_json(self, urls: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"verbs": sorted(self.verbs)}
        if self.resources:
            out["apiGroups"] = sorted(self.groups)
            out["resources"] = sorted(self.resources)
        if self.names:
            out["resourceNames"] = sorted(self.names)
        if self.urls and urls:
            out["nonResourceURLs"] = sorted(self.urls)
        out["from"] = self.ref
        return out


def _resource_matches(rule_resources: frozenset[str], resource: str) -> bool:
    if "*" in rule_resources or resource in rule_resources:
        return True
    _, _, sub = resource.partition("/")
    return bool(sub) and f"*/{sub}" in rule_resources


@dataclass(eq=False)
class Role:
    """A Role or ClusterRole: scanned (``obj``), a Kubernetes default, or both merged."""

    kind: str
    name: str
    namespace: str | None  # a Role's; None for a ClusterRole
    labels: dict[str, Any]
    selectors: list | None  # clusterRoleSelectors of an aggregated ClusterRole, else None
    obj: K8sObject | None  # None: a default role the scan does not hold
    default: bool = False  # one of Kubernetes' default roles
    rules: list[PolicyRule] = field(default_factory=list)  # as written (an aggregated role's are replaced)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def aggregated(self) -> bool:
        return self.selectors is not None


@dataclass(frozen=True, slots=True)
class Subject:
    """Who a binding grants its role to; a ServiceAccount with its namespace."""

    kind: str  # ServiceAccount, User or Group
    name: str
    namespace: str | None
    index: int  # position in the binding's subjects

    @property
    def label(self) -> str:
        if self.kind == "ServiceAccount":
            return f"ServiceAccount {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"


@dataclass(eq=False)
class Binding:
    """A RoleBinding or ClusterRoleBinding and the role it resolves to (None: not found)."""

    obj: K8sObject
    namespace: str | None  # where a RoleBinding grants; None: a ClusterRoleBinding, everywhere
    ref_kind: str | None
    ref_name: str | None
    subjects: tuple[Subject, ...]
    role: Role | None = None

    @property
    def label(self) -> str:
        return f"{self.obj.kind} {self.obj.name}"

    @property
    def scope(self) -> str:
        return "cluster-wide" if self.namespace is None else f"in namespace {self.namespace}"


class Rbac:
    """The roles and bindings of a scan (and its context), with Kubernetes' default roles.

    Roles are indexed by name (and namespace), so that resolving every binding is linear.
    """

    def __init__(self, objects: Iterable[K8sObject]) -> None:
        defaults = default_roles()
        self.cluster_roles: dict[str, Role] = dict(defaults.cluster)
        self.roles: dict[tuple[str, str], Role] = dict(defaults.namespaced)
        self.bindings: list[Binding] = []
        scanned: set[tuple[str, str | None, str]] = set()
        binding_objects = []
        for obj in objects:
            if obj.group != GROUP or not obj.name:
                continue
            if obj.kind in BINDING_KINDS:
                binding_objects.append(obj)
                continue
            if obj.kind not in ROLE_KINDS:
                continue
            namespace = namespace_of(obj) if obj.kind == "Role" else None
            key = (obj.kind, namespace, obj.name)
            if key in scanned:
                continue  # the first definition counts (object-duplicate reports the rest)
            scanned.add(key)
            role = _role(obj.kind, obj.name, namespace, obj.data, obj)
            if namespace is None:
                self.cluster_roles[obj.name] = _reconciled(role, self.cluster_roles.get(obj.name))
            else:
                self.roles[(namespace, obj.name)] = _reconciled(role, self.roles.get((namespace, obj.name)))
        self._aggregated = [r for r in self.cluster_roles.values() if r.aggregated]
        self._effective: dict[Role, tuple[PolicyRule, ...]] = {}
        # (subject kind, name, namespace) -> (position, binding, subject) of the bindings naming it
        self._by_subject: dict[tuple[str, str, str | None], list[tuple[int, Binding, Subject]]] = {}
        for position, obj in enumerate(binding_objects):
            binding = _binding(obj)
            binding.role = self._resolve(binding)
            self.bindings.append(binding)
            for s in binding.subjects:
                self._by_subject.setdefault((s.kind, s.name, s.namespace), []).append((position, binding, s))

    def _resolve(self, binding: Binding) -> Role | None:
        if binding.ref_kind == "ClusterRole" and binding.ref_name:
            return self.cluster_roles.get(binding.ref_name)
        if binding.ref_kind == "Role" and binding.ref_name and binding.namespace is not None:
            return self.roles.get((binding.namespace, binding.ref_name))
        return None

    def scanned_roles(self) -> Iterator[Role]:
        """The roles the scan (or its context) defines, merged defaults included."""
        for role in (*self.cluster_roles.values(), *self.roles.values()):
            if role.obj is not None:
                yield role

    def rules_of(self, role: Role) -> tuple[PolicyRule, ...]:
        """The rules a role grants: its own, or those of the roles an aggregated one selects."""
        rules = self._effective.get(role)
        if rules is None:
            rules = self._effective[role] = tuple(self._collect(role))
        return rules

    def _collect(self, role: Role) -> Iterator[PolicyRule]:
        if not role.aggregated:
            yield from role.rules
            return
        seen, queue = {role}, [role]
        while queue:
            for member in self.members(queue.pop(0)):
                if member not in seen:
                    seen.add(member)
                    if member.aggregated:
                        queue.append(member)
                    else:
                        yield from member.rules

    def members(self, role: Role) -> list[Role]:
        """The ClusterRoles an aggregated ClusterRole selects by their labels."""
        if not role.selectors:
            return []
        return [
            c for c in self.cluster_roles.values()
            if c is not role and any(selectors.matches(s, c.labels) for s in role.selectors)
        ]

    def aggregators(self, role: Role) -> list[Role]:
        """The aggregated ClusterRoles that take in this role's rules."""
        if role.kind != "ClusterRole":
            return []
        return [
            c for c in self._aggregated
            if c is not role and any(selectors.matches(s, role.labels) for s in c.selectors or ())
        ]

    def granted(self, binding: Binding) -> tuple[PolicyRule, ...]:
        return self.rules_of(binding.role) if binding.role is not None else ()

    def bindings_of(self, kind: str, name: str, namespace: str | None = None) -> list[tuple[Binding, Subject]]:
        """Bindings that grant to a subject, with the subject of theirs that names it, in
        the order of the scan. A ServiceAccount is also named by its username and by the
        groups every ServiceAccount (of its namespace) belongs to."""
        keys = [(kind, name, namespace)]
        if kind == "ServiceAccount":
            keys.append(("User", f"system:serviceaccount:{namespace}:{name}", None))
            for group in ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"):
                keys.append(("Group", group, None))
        found: dict[int, tuple[Binding, Subject]] = {}
        for key in keys:
            for position, binding, subject in self._by_subject.get(key, ()):
                found.setdefault(position, (binding, subject))  # the most specific subject
        return [found[p] for p in sorted(found)]


def full_admin(rules: Iterable[PolicyRule]) -> tuple[PolicyRule, ...]:
    """The rules that together allow every verb on every resource of every API group, as
    cluster-admin does (``*``, or all of ADMIN_VERBS); empty when they do not."""
    found: list[PolicyRule] = []
    verbs: set[str] = set()
    for rule in rules:
        if rule.names or "*" not in rule.groups or "*" not in rule.resources:
            continue
        if "*" in rule.verbs:
            return (rule,)
        if not rule.verbs <= verbs:
            found.append(rule)
            verbs |= rule.verbs
    return tuple(found) if ADMIN_VERBS <= verbs else ()


def _strings(value: Any) -> frozenset[str]:
    return frozenset(v for v in value if isinstance(v, str)) if isinstance(value, list) else frozenset()


def _role(kind: str, name: str, namespace: str | None, data: dict, obj: K8sObject | None) -> Role:
    meta = data.get("metadata")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    aggregation = data.get("aggregationRule") if kind == "ClusterRole" else None
    role_selectors = None
    if isinstance(aggregation, dict):
        found = aggregation.get("clusterRoleSelectors")
        role_selectors = list(found) if isinstance(found, list) else []
    role = Role(kind, name, namespace, labels if isinstance(labels, dict) else {}, role_selectors, obj)
    rules = data.get("rules")
    if isinstance(rules, list):
        role.rules = [
            PolicyRule(
                role, i, _strings(r.get("verbs")), _strings(r.get("apiGroups")), _strings(r.get("resources")),
                _strings(r.get("resourceNames")), _strings(r.get("nonResourceURLs")),
            )
            for i, r in enumerate(rules)
            if isinstance(r, dict)
        ]
    return role


def _reconciled(role: Role, default: Role | None) -> Role:
    """A scanned role as the API server leaves it: when it is a copy of a default role, its
    start-up reconciliation adds the default rules, labels and aggregation to what the copy
    says, unless the copy is annotated autoupdate: "false"."""
    if default is None or role.obj is None or role.obj.annotations.get(AUTOUPDATE) == "false":
        return role
    role.default = True
    role.labels = {**default.labels, **role.labels}
    if default.aggregated:
        role.selectors = [*(default.selectors or ()), *(role.selectors or ())]
    role.rules = [*role.rules, *default.rules]
    return role


def _binding(obj: K8sObject) -> Binding:
    namespace = namespace_of(obj) if obj.kind == "RoleBinding" else None
    ref = obj.data.get("roleRef")
    ref = ref if isinstance(ref, dict) else {}
    subjects = []
    items = obj.data.get("subjects")
    for i, s in enumerate(items if isinstance(items, list) else ()):
        if not isinstance(s, dict) or not isinstance(s.get("kind"), str) or not isinstance(s.get("name"), str):
            continue
        subject_ns = None
        if s["kind"] == "ServiceAccount":
            # a RoleBinding's ServiceAccount subject defaults to the binding's namespace
            subject_ns = s.get("namespace") or namespace
            if not isinstance(subject_ns, str):
                continue  # a ClusterRoleBinding's ServiceAccount without a namespace matches nobody
        subjects.append(Subject(s["kind"], s["name"], subject_ns, i))
    kind, name = ref.get("kind"), ref.get("name")
    return Binding(
        obj, namespace, kind if isinstance(kind, str) else None, name if isinstance(name, str) else None,
        tuple(subjects),
    )


@dataclass(frozen=True)
class _Defaults:
    cluster: dict[str, Role]
    namespaced: dict[tuple[str, str], Role]


@lru_cache(maxsize=1)
def default_roles() -> _Defaults:
    """Kubernetes' default roles, from the bootstrap policy (data/rbac-bootstrap.yaml)."""
    from kubevet.loading.yaml_decode import load_data

    data = load_data(BOOTSTRAP.read_bytes())
    cluster = {}
    for name, spec in data["clusterRoles"].items():
        body: dict[str, Any] = {"metadata": {"labels": spec.get("labels", {})}, "rules": spec.get("rules", [])}
        if "aggregate" in spec:
            body["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": spec["aggregate"]}]}
        cluster[name] = _role("ClusterRole", name, None, body, None)
    namespaced = {
        (namespace, name): _role("Role", name, namespace, spec, None)
        for namespace, roles in data["roles"].items()
        for name, spec in roles.items()
    }
    for role in (*cluster.values(), *namespaced.values()):
        role.default = True
    return _Defaults(cluster, namespaced)



CONTROLLER_PREFIX = "system:controller:"


@lru_cache(maxsize=1)
def controller_accounts() -> frozenset[tuple[str, str]]:
    """The ServiceAccounts of kube-controller-manager's controllers: (kube-system, name).

    The bootstrap policy binds each ``system:controller:<name>`` role to ServiceAccount
    ``kube-system/<name>``, which kube-controller-manager creates and runs that controller
    as (``--use-service-account-credentials``, kubeadm's default).
    """
    defaults = default_roles()
    names = [*defaults.cluster, *(name for _, name in defaults.namespaced)]
    return frozenset(("kube-system", n.removeprefix(CONTROLLER_PREFIX)) for n in names if n.startswith(CONTROLLER_PREFIX))
