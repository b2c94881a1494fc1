"""The RBAC model (kubevet.k8s.rbac) and what the fixtures cannot show of the RBAC rules:
options, --context sources, one finding per grant across rules, and the cost of a large scan."""

from __future__ import annotations

import time

import pytest
import yaml
from conftest import lint

from kubevet.config import Config
from kubevet.engine import Engine
from kubevet.k8s.rbac import (
    Access,
    Rbac,
    controller_accounts,
    default_roles,
    full_admin,
)
from kubevet.model import Document, K8sObject, Source


def objects(text: str) -> list[K8sObject]:
    source = Source(None, "<test>", text.encode())
    doc = Document(source, 0, 0, 0, len(text))
    return [K8sObject(d, doc) for d in yaml.safe_load_all(text) if d]


def role(kind: str, name: str, rules: str = "[]", extra: str = "", namespace: str = "shop") -> str:
    ns = f"\n  namespace: {namespace}" if kind == "Role" else ""
    return f"""apiVersion: rbac.authorization.k8s.io/v1
kind: {kind}
metadata:
  name: {name}{ns}
{extra}rules: {rules}
---
"""


def binding(kind: str, name: str, ref_kind: str, ref: str, subjects: str = "[{kind: User, name: alice}]") -> str:
    ns = "\n  namespace: shop" if kind == "RoleBinding" else ""
    return f"""apiVersion: rbac.authorization.k8s.io/v1
kind: {kind}
metadata:
  name: {name}{ns}
subjects: {subjects}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {ref_kind}, name: {ref}}}
---
"""


SECRETS = Access(("get", "delete"), "", "secrets")


# --- the model ------------------------------------------------------------------------------


def test_default_roles_come_from_the_bootstrap_policy():
    defaults = default_roles()
    assert {"cluster-admin", "admin", "edit", "view", "system:auth-delegator"} <= set(defaults.cluster)
    assert ("kube-system", "extension-apiserver-authentication-reader") in defaults.namespaced
    rbac = Rbac([])
    admin_rules = rbac.rules_of(rbac.cluster_roles["admin"])
    # admin aggregates edit, which aggregates view: their rules all arrive
    sources = {r.role.name for r in admin_rules}
    assert sources == {"system:aggregate-to-admin", "system:aggregate-to-edit", "system:aggregate-to-view"}
    assert full_admin(rbac.rules_of(rbac.cluster_roles["cluster-admin"]))
    assert not full_admin(admin_rules)
    assert ("kube-system", "horizontal-pod-autoscaler") in controller_accounts()


def test_aggregation_follows_chains_survives_cycles_and_replaces_written_rules():
    text = (
        role("ClusterRole", "top", '[{apiGroups: [""], resources: [secrets], verbs: [get]}]',
             "aggregationRule:\n  clusterRoleSelectors: [{matchLabels: {tier: top}}]\n")
        + role("ClusterRole", "middle", "[]", "aggregationRule:\n  clusterRoleSelectors: [{matchLabels: {tier: middle}}]\n")
        + role("ClusterRole", "leaf", '[{apiGroups: [""], resources: [configmaps], verbs: [delete]}]')
    )
    data = objects(text)
    data[1].data["metadata"]["labels"] = {"tier": "top"}
    data[2].data["metadata"]["labels"] = {"tier": "middle"}
    data[0].data["metadata"]["labels"] = {"tier": "middle"}  # a cycle: top selects middle selects top
    rbac = Rbac(data)
    rules = rbac.rules_of(rbac.cluster_roles["top"])
    assert [(r.role.name, r.index) for r in rules] == [("leaf", 0)]  # top's own secrets rule is replaced
    assert [a.name for a in rbac.aggregators(rbac.cluster_roles["leaf"])] == ["middle"]


def test_a_scanned_copy_of_a_default_role_is_reconciled_unless_pinned():
    copy = role("ClusterRole", "cluster-admin", '[{apiGroups: [""], resources: [pods], verbs: [get]}]')
    rbac = Rbac(objects(copy))
    assert full_admin(rbac.rules_of(rbac.cluster_roles["cluster-admin"]))
    pinned = copy.replace("metadata:\n", 'metadata:\n  annotations: {rbac.authorization.kubernetes.io/autoupdate: "false"}\n')
    rbac = Rbac(objects(pinned))
    assert not full_admin(rbac.rules_of(rbac.cluster_roles["cluster-admin"]))


def test_rule_matching():
    rbac = Rbac(objects(role("ClusterRole", "r", """
  - {apiGroups: [""], resources: [pods], verbs: ["*"]}
  - {apiGroups: ["*"], resources: ["*/exec"], verbs: [create]}
  - {apiGroups: [""], resources: [secrets], resourceNames: [db], verbs: [get]}
  - {nonResourceURLs: ["*"], verbs: ["*"]}""")))
    pods, sub, named, urls = rbac.cluster_roles["r"].rules
    assert pods.verbs_for(Access(("create",), "", "pods")) == ("create",)
    assert pods.verbs_for(Access(("create",), "", "pods/exec")) == ()  # a resource is not its subresources
    assert sub.verbs_for(Access(("create", "get"), "", "pods/exec")) == ("create",)
    assert named.verbs_for(SECRETS) == ("get",) and named.names == {"db"}
    assert urls.verbs_for(SECRETS) == ()
    assert pods.verbs_for(Access(("get",), "", "nodes/proxy", cluster_scoped=True), "shop") == ()


def test_bindings_resolve_by_namespace_and_reach_service_accounts_through_groups():
    text = (
        role("Role", "reader", '[{apiGroups: [""], resources: [configmaps], verbs: [get]}]', namespace="other")
        + binding("RoleBinding", "to-other-namespace", "Role", "reader", "[{kind: ServiceAccount, name: web}]")
        + binding("ClusterRoleBinding", "all-accounts", "ClusterRole", "view",
                  "[{kind: Group, name: 'system:serviceaccounts:shop'}, {kind: ServiceAccount, name: nons}]")
        + binding("ClusterRoleBinding", "username", "ClusterRole", "view",
                  "[{kind: User, name: 'system:serviceaccount:shop:web'}]")
    )
    rbac = Rbac(objects(text))
    to_other, groups, _ = rbac.bindings
    assert to_other.role is None  # a RoleBinding's Role is looked up in its own namespace only
    assert to_other.subjects[0].namespace == "shop"  # its ServiceAccount defaults to the binding's
    assert [s.name for s in groups.subjects] == ["system:serviceaccounts:shop"]  # no namespace: nobody
    names = [b.obj.name for b, _ in rbac.bindings_of("ServiceAccount", "web", "shop")]
    assert names == ["to-other-namespace", "all-accounts", "username"]


# --- rules: options, context, one finding per grant ------------------------------------------


ADMIN_BINDING = binding("ClusterRoleBinding", "gce:podsecuritypolicy:calico-sa", "ClusterRole", "cluster-admin")


def test_platform_names_option():
    assert lint(ADMIN_BINDING, "RBC001")
    options = {"cluster-admin-bound": {"platform-names": ["system:*", "gce:*"]}}
    assert not lint(ADMIN_BINDING, "RBC001", options=options)


def test_full_control_is_reported_once():
    text = ADMIN_BINDING + role("ClusterRole", "unbound", '[{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]')
    alone = {f.code for f in lint(text, "RBC003")}
    assert alone == {"RBC003"}  # at the binding and at the unbound role
    together = sorted(f.code for f in lint(text, "RBC001", "RBC002", "RBC003", "RBC004", "RBC005", "RBC006", "RBC007"))
    assert together == ["RBC001", "RBC002"]


def test_custom_groups_option():
    text = role("ClusterRole", "operator", '[{apiGroups: [widgets.example.com], resources: ["*"], verbs: ["*"]}]')
    assert not lint(text, "RBC002")
    assert len(lint(text, "RBC002", options={"rbac-wildcard": {"custom-groups": True}})) == 1


@pytest.mark.parametrize(("version", "reported"), [("1.34", True), ("1.35", False), ("", False)])
def test_get_on_pods_exec_depends_on_the_kube_version(version, reported):
    text = role("Role", "debug", '[{apiGroups: [""], resources: [pods/exec], verbs: [get]}]')
    options = {"rbac-exec-attach": {"kube-version": version}} if version else {}
    assert bool(lint(text, "RBC006", options=options)) is reported


def scan_with_context(text: str, context: str, *rules: str):
    engine = Engine(Config(select=list(rules)))
    return engine.scan([Source(None, "scan.yaml", text.encode())], context=[Source(None, "ctx.yaml", context.encode())]).findings


def test_context_resolves_roles_and_accounts_and_is_never_reported():
    platform_role = role("ClusterRole", "platform-reader", '[{apiGroups: [""], resources: [secrets], verbs: [list]}]')
    account = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: shop}\n---\n"
    bound = binding("RoleBinding", "reader", "ClusterRole", "platform-reader", "[{kind: ServiceAccount, name: web}]")
    assert {f.code for f in lint(bound, "RBC004", "RBC008", "RBC009")} == {"RBC008", "RBC009"}
    found = scan_with_context(bound, platform_role + account, "RBC004", "RBC008", "RBC009")
    assert [(f.code, f.obj.name) for f in found] == [("RBC004", "reader")]
    # a binding from the context accounts for the scan's role; nothing about it is reported
    mine = role("Role", "mine", '[{apiGroups: [""], resources: [secrets], verbs: [delete]}]')
    theirs = binding("RoleBinding", "theirs", "Role", "mine")
    assert lint(mine, "RBC003")
    assert not scan_with_context(mine, theirs, "RBC003")
    assert not scan_with_context(account, theirs + mine, "RBC003")


def test_a_large_scan_is_linear():
    """2,000 Roles and 2,000 RoleBindings: roles are indexed by namespace and name."""
    parts = []
    for i in range(2000):
        rules = '[{apiGroups: [""], resources: [secrets, pods/exec, pods], verbs: [get, delete, create]}]'
        parts.append(role("Role", f"r{i}", rules, namespace=f"ns{i % 40}"))
        parts.append(binding("RoleBinding", f"b{i}", "Role", f"r{i}").replace("namespace: shop", f"namespace: ns{i % 40}"))
    text = "".join(parts)
    start = time.perf_counter()
    findings = lint(text, "RBC")
    elapsed = time.perf_counter() - start
    assert len([f for f in findings if f.code == "RBC003"]) == 2000
    assert elapsed < 20, f"{elapsed:.1f}s"
