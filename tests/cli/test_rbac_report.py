"""``kubevet rbac``: every ServiceAccount's permissions, with the bindings they come from."""

from __future__ import annotations

import json

from conftest import ROOT

BROKEN = str(ROOT / "examples" / "broken" / "shop.yaml")
FIXED = str(ROOT / "examples" / "fixed" / "shop.yaml")


def test_text_names_the_binding_the_role_and_the_risk(run_cli):
    r = run_cli("rbac", BROKEN)
    assert r.code == 0, r.err
    block = r.out.split("\n\n")[0].splitlines()
    assert block[0] == "ServiceAccount shop/cleanup"
    binding = "  cluster-wide: ClusterRoleBinding cleanup-admin -> ClusterRole cluster-admin (Kubernetes default)"
    assert block[1].startswith(binding)
    assert block[2] == "    ! full control"
    assert "ServiceAccount shop/default  (not defined in the manifests)" in r.out  # the pods' account


def test_json_scopes_grants_and_reaches_accounts_through_groups(run_cli, tmp_path):
    extra = tmp_path / "team.yaml"
    extra.write_text(
        """apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: everyone-views, namespace: shop}
subjects: [{kind: Group, name: "system:serviceaccounts:shop"}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
"""
    )
    r = run_cli("rbac", FIXED, str(extra), "--format", "json")
    assert r.code == 0, r.err
    subjects = {(s["kind"], s.get("namespace"), s["name"]): s for s in json.loads(r.out)["subjects"]}
    cleanup = subjects[("ServiceAccount", "shop", "cleanup")]
    assert cleanup["defined"] is True
    own, group = cleanup["grants"]
    assert (own["scope"], own["namespace"], own["binding"]["name"]) == ("namespace", "shop", "cleanup")
    rule = {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["configmaps"], "from": "Role cleanup rules[0]"}
    assert own["rules"] == [rule]
    assert own["risks"] == []
    assert group["subject"] == "Group system:serviceaccounts:shop" and group["role"]["default"] is True
    assert ("Group", None, "system:serviceaccounts:shop") in subjects


def test_context_counts_but_lists_nothing_of_its_own(run_cli, tmp_path):
    context = tmp_path / "platform.yaml"
    context.write_text(
        """apiVersion: v1
kind: ServiceAccount
metadata: {name: platform-bot, namespace: ops}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cleanup-reads-nodes}
subjects: [{kind: ServiceAccount, name: cleanup, namespace: shop}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:node-proxier}
"""
    )
    r = run_cli("rbac", FIXED, "--context", str(context), "--format", "json")
    names = [(s["kind"], s["name"]) for s in json.loads(r.out)["subjects"]]
    assert ("ServiceAccount", "platform-bot") not in names
    cleanup = next(s for s in json.loads(r.out)["subjects"] if s["name"] == "cleanup")
    assert [g["binding"]["name"] for g in cleanup["grants"]] == ["cleanup", "cleanup-reads-nodes"]


def test_unreadable_input_exits_2(run_cli, tmp_path):
    r = run_cli("rbac", str(tmp_path / "missing.yaml"))
    assert r.code == 2
    assert "no such file" in r.err


URL_ROLES = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: scraper}
rules:
  - {nonResourceURLs: [/metrics], verbs: [get]}
  - {apiGroups: [""], resources: [pods], verbs: [get, list]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: agent, namespace: mon}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: agent-scrapes, namespace: mon}
subjects: [{kind: ServiceAccount, name: agent}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scraper}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: agent-admin, namespace: mon}
subjects: [{kind: ServiceAccount, name: agent}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: agent-scrapes-all}
subjects: [{kind: ServiceAccount, name: agent, namespace: mon}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scraper}
"""


def test_non_resource_urls_are_granted_only_cluster_wide(run_cli, tmp_path):
    path = tmp_path / "rbac.yaml"
    path.write_text(URL_ROLES, encoding="utf-8")
    r = run_cli("rbac", str(path))
    assert r.code == 0, r.err
    block = r.out.split("\n\n")[0]
    namespaced, cluster_wide = block.split("  cluster-wide: ")
    assert "URLs" not in namespaced  # neither /metrics of scraper nor * of cluster-admin
    assert "get, list pods" in namespaced and "! full control" in namespaced
    assert "get URLs /metrics" in cluster_wide
    # the ! marker is explained under the report
    assert "! marks what kubevet's RBAC rules judge risky" in r.out

    grants = json.loads(run_cli("rbac", str(path), "--format", "json").out)["subjects"][0]["grants"]
    by_name = {g["binding"]["name"]: g for g in grants}
    assert not any("nonResourceURLs" in rule for g in grants if g["scope"] == "namespace" for rule in g["rules"])
    assert {"verbs": ["get"], "nonResourceURLs": ["/metrics"], "from": "ClusterRole scraper rules[0]"} in (
        by_name["agent-scrapes-all"]["rules"]
    )
