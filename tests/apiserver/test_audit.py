"""kubevet audit against a real kube-apiserver: the incident namespace applied, the fixed one
auditing clean, and the live objects judged exactly as their manifests are."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET

import pytest
import yaml
from conftest import ROOT

from kubevet import api
from kubevet.audit import Cluster, audit, fetch_live

pytestmark = pytest.mark.apiserver

EXAMPLES = ROOT / "examples"


def manifests(example: str, namespace: str) -> list[dict]:
    """The example's objects, moved to ``namespace`` (its Namespace renamed too)."""
    docs = [d for d in yaml.safe_load_all((EXAMPLES / example / "shop.yaml").read_text()) if d]
    for doc in docs:
        meta = doc["metadata"]
        if doc["kind"] == "Namespace":
            meta["name"] = namespace
        elif "namespace" in meta:
            meta["namespace"] = namespace
        for subject in doc.get("subjects") or []:
            if "namespace" in subject:
                subject["namespace"] = namespace
    return docs


def kubectl(plane, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(["kubectl", "--kubeconfig", str(plane.kubeconfig), *args], input=stdin,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


_serial = iter(range(1, 1000))


@pytest.fixture(scope="module")
def shop(control_plane):
    """The incident applied with kubectl apply, the same created with kubectl create (no
    last-applied annotation: defaults must be recognised by value), and the fix applied."""
    n = next(_serial)
    names = {"broken": f"audit-broken-{n}", "created": f"audit-created-{n}", "fixed": f"audit-fixed-{n}"}
    docs = {key: manifests("fixed" if key == "fixed" else "broken", ns) for key, ns in names.items()}
    # the two broken copies share cluster-scoped names (the cleanup job's ClusterRoleBinding)
    for doc in docs["created"]:
        if doc["kind"] == "ClusterRoleBinding":
            doc["metadata"]["name"] += "-created"
    kubectl(control_plane, "apply", "-f", "-", stdin=yaml.safe_dump_all(docs["broken"]))
    kubectl(control_plane, "create", "-f", "-", stdin=yaml.safe_dump_all(docs["created"]))
    kubectl(control_plane, "apply", "-f", "-", stdin=yaml.safe_dump_all(docs["fixed"]))
    return names, docs


@pytest.fixture(scope="module")
def cluster(control_plane):
    with Cluster(str(control_plane.kubeconfig)) as c:
        yield c


def identities(result) -> set:
    return {f.identity for f in result.findings}


@pytest.mark.parametrize("copy", ["broken", "created", "fixed"])
def test_live_objects_are_judged_as_their_manifests(cluster, shop, copy):
    names, docs = shop
    config = api.load_config(no_config=True)
    config.kube_version = cluster.version()
    scanned = api.scan_objects(docs[copy], config=config)
    audited = audit(cluster, config=api.load_config(no_config=True), namespaces=[names[copy]])
    # a one-namespace audit judges the namespace, what is in it, and the ClusterRoleBindings
    # granting something to its accounts; other cluster-scoped objects are context
    assert audited.objects == len([d for d in docs[copy] if d["kind"] != "PriorityClass"])
    assert identities(audited) == identities(scanned)
    if copy == "fixed":
        assert audited.findings == [] and audited.verdict().exit_code == 0
    else:
        assert len(audited.findings) > 40 and audited.verdict().exit_code == 1
        rules = {f.rule for f in audited.findings}
        # the incident's own mistakes, cross-object ones included, seen in the cluster
        assert {"memory-limit-missing", "probes-identical", "cluster-admin-bound", "namespace-quota-missing",
                "namespace-default-deny-missing", "pdb-missing"} <= rules


def test_findings_name_kind_namespace_name_in_every_format(control_plane, shop, run_cli, tmp_path):
    names, _ = shop
    ns = names["broken"]
    outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "sarif", "junit", "github", "gitlab")}
    argv = ["audit", "--kubeconfig", str(control_plane.kubeconfig), "-n", ns, "--no-config"]
    for fmt, path in outputs.items():
        argv += ["-f", fmt, "-o", str(path)]
    result = run_cli(*argv, "-f", "text", "--color", "never")
    assert result.code == 1, result
    assert f"Deployment/{ns}/redis" in result.out
    report = json.loads(outputs["json"].read_text())
    files = {f["file"] for f in report["findings"]}
    assert f"Deployment/{ns}/catalog" in files and f"Namespace/{ns}" in files
    assert "ClusterRoleBinding/cleanup-admin" in files
    sarif = json.loads(outputs["sarif"].read_text())
    assert sarif["runs"][0]["results"]
    assert ET.parse(outputs["junit"]).getroot().iter("failure")
    assert f"file=Deployment/{ns}/redis" in outputs["github"].read_text()
    assert json.loads(outputs["gitlab"].read_text())


def test_the_fixed_namespace_audits_clean(control_plane, shop, run_cli):
    names, _ = shop
    result = run_cli("audit", "--kubeconfig", str(control_plane.kubeconfig), "-n", names["fixed"], "--no-config")
    assert result.code == 0, result
    assert "No findings" in result.out


def test_exit_codes_as_for_scan(control_plane, shop, run_cli, tmp_path):
    names, _ = shop
    base = ["audit", "--kubeconfig", str(control_plane.kubeconfig), "--no-config"]
    assert run_cli(*base, "-n", names["broken"], "--exit-zero").code == 0
    assert run_cli(*base, "-n", names["fixed"], "--fail-on", "info").code == 0
    missing = run_cli(*base, "-n", "no-such-namespace")
    assert missing.code == 2 and "no such namespace" in missing.err
    broken_config = tmp_path / "kubeconfig"
    broken_config.write_text("apiVersion: v1\nkind: Config\nclusters: []\n")
    bad = run_cli("audit", "--kubeconfig", str(broken_config))
    assert bad.code == 2 and "cannot use" in bad.err and "Traceback" not in bad.err


def test_unreachable_cluster_is_a_clear_error(control_plane, run_cli, tmp_path):
    from apiserver.controlplane import free_port

    config = yaml.safe_load(control_plane.kubeconfig.read_text())
    config["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{free_port()}"
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    result = run_cli("audit", "--kubeconfig", str(path))
    assert result.code == 2 and "cannot reach https://127.0.0.1:" in result.err


def test_read_only_credentials_and_small_pages_see_the_same(control_plane, shop, cluster, tmp_path):
    """An auditor bound only to get/list (no write verb anywhere) reads pages of one object
    and finds exactly what the admin finds in one page."""
    names, _ = shop
    reader = [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "kubevet-auditor"},
         "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "kubevet-auditor"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kubevet-auditor"},
         "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "auditor"}]},
    ]
    kubectl(control_plane, "apply", "-f", "-", stdin=yaml.safe_dump_all(reader))
    path = control_plane.write_kubeconfig(tmp_path / "auditor", control_plane.user("auditor"), "auditor")
    denied = subprocess.run(["kubectl", "--kubeconfig", str(path), "-n", names["broken"], "delete", "deployment", "redis", "--dry-run=server"],
                            capture_output=True, text=True, timeout=60)
    assert denied.returncode != 0 and "forbidden" in denied.stderr
    as_admin = audit(cluster, config=api.load_config(no_config=True), namespaces=[names["broken"]])
    with Cluster(str(path)) as read_only:
        paged = audit(read_only, config=api.load_config(no_config=True), namespaces=[names["broken"]], chunk=1)
    assert identities(paged) == identities(as_admin) and paged.objects == as_admin.objects


def test_all_namespaces_judge_the_incident_but_not_the_system(cluster, shop):
    names, _ = shop
    result = audit(cluster, config=api.load_config(no_config=True))
    namespaces = {f.obj.namespace or f.obj.name for f in result.findings if f.obj is not None}
    assert names["broken"] in namespaces and names["created"] in namespaces
    assert names["fixed"] not in namespaces
    assert not namespaces & {"kube-system", "kube-public", "kube-node-lease", "default"}
    # the API server's bootstrap roles and bindings are context, never findings
    assert not [f for f in result.findings if f.obj is not None and f.obj.kind.startswith("ClusterRole") and f.obj.name.startswith(("system:", "cluster-admin", "admin", "edit", "view"))]


def test_fetch_live_gives_the_clusters_counterparts(cluster, shop):
    names, docs = shop
    wanted = [d for d in docs["fixed"] if d["kind"] in ("Deployment", "ConfigMap", "Service")]
    ghost = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "not-there", "namespace": names["fixed"]}}
    unserved = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    live = fetch_live(cluster, [*wanted, ghost, unserved])
    assert live[-2:] == [None, None]
    for manifest, found in zip(wanted, live):
        assert found is not None and found["metadata"]["name"] == manifest["metadata"]["name"]
        # the manifest it came from, without what the server added
        assert "status" not in found and "managedFields" not in found["metadata"] and "uid" not in found["metadata"]
        assert found["spec"] == manifest["spec"]
