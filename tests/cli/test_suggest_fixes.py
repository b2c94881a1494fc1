"""kubevet scan --suggest-fixes DIR: a manifest per namespace guardrail finding, which,
applied with the scanned manifests, draws no finding of the rule it answers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from kubevet.config import Config
from kubevet.engine import Engine
from kubevet.loading.discover import discover

BROKEN = ROOT / "examples" / "broken" / "shop.yaml"
GUARDRAILS = ["NSG001", "NSG002", "NET001", "AVL001"]


def scan(*paths, select=()):
    sources, problems = discover([str(p) for p in paths])
    assert not problems
    return Engine(Config(select=list(select))).scan(sources).findings


def documents(directory: Path) -> dict[str, list[dict]]:
    return {
        str(p.relative_to(directory)): list(yaml.safe_load_all(p.read_text()))
        for p in sorted(directory.rglob("*.yaml"))
    }


def test_the_suggestions_answer_every_guardrail_finding(run_cli, tmp_path):
    assert {f.code for f in scan(BROKEN, select=GUARDRAILS)} == set(GUARDRAILS)
    result = run_cli("scan", "--select", ",".join(GUARDRAILS), "--suggest-fixes", str(tmp_path), str(BROKEN))
    assert result.code == 1
    assert "wrote 4 suggested manifests" in result.err
    assert sorted(documents(tmp_path)) == [
        "shop/limitrange-defaults.yaml",
        "shop/networkpolicy-default-deny.yaml",
        "shop/poddisruptionbudget-catalog.yaml",
        "shop/resourcequota-compute.yaml",
    ]
    # applied together, the guardrail rules (and the quota and limit checks) find nothing
    assert not scan(BROKEN, tmp_path, select=[*GUARDRAILS, "NSG003", "NSG004"])
    # and no rule finds anything in the suggested manifests themselves
    assert not [f for f in scan(BROKEN, tmp_path) if f.file.startswith(str(tmp_path))]


def test_the_quota_is_sized_from_the_workloads_with_headroom(run_cli, tmp_path):
    run_cli("scan", "--select", ",".join(GUARDRAILS), "--suggest-fixes", str(tmp_path), str(BROKEN))
    [quota] = documents(tmp_path)["shop/resourcequota-compute.yaml"]
    # catalog 3 + 1 surge, redis 1 + 1 surge, the cleanup job 1: 7 pods, each with the
    # suggested defaults (requests 100m / 128Mi, limits 500m / 512Mi); 50% on top, rounded
    # up to 100m and 64Mi, and at least 1 CPU, 1Gi, 2 CPU, 2Gi and 10 pods
    assert quota["spec"]["hard"] == {
        "requests.cpu": "1100m",
        "requests.memory": "1344Mi",
        "limits.cpu": "5300m",
        "limits.memory": "5376Mi",
        "pods": "11",
    }


def test_default_limits_make_no_request_invalid(run_cli, tmp_path):
    app = tmp_path / "app.yaml"
    app.write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: batch\n---\n"
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: export\n  namespace: batch\nspec:\n"
        "  template:\n    spec:\n      restartPolicy: Never\n      containers:\n"
        "        - name: export\n          image: example/export:1.2.0\n"
        "          resources: {requests: {cpu: '2', memory: 3Gi}}\n"
    )
    out = tmp_path / "fixes"
    run_cli("scan", "--select", "NSG002", "--suggest-fixes", str(out), str(app))
    [limitrange] = documents(out)["batch/limitrange-defaults.yaml"]
    item = limitrange["spec"]["limits"][0]
    assert item["default"] == {"cpu": "2", "memory": "3Gi"}
    assert item["defaultRequest"] == {"cpu": "100m", "memory": "128Mi"}
    assert not scan(app, out, select=["NSG002", "NSG004"])


def test_default_namespace_objects_follow_the_namespace_they_are_applied_to(run_cli, tmp_path):
    app = tmp_path / "app.yaml"
    app.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n"
        "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web, version: '1.0'}\n"
        "    spec:\n      containers: [{name: web, image: 'nginx:1.27'}]\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n"
        "spec:\n  podSelector: {}\n"
    )
    out = tmp_path / "fixes"
    run_cli("scan", "--select", "NET001,AVL001", "--namespace-guardrails", "all", "--suggest-fixes", str(out), str(app))
    suggested = documents(out)
    [pdb] = suggested["default/poddisruptionbudget-web.yaml"]
    assert pdb["metadata"] == {"name": "web"}
    assert pdb["spec"]["selector"] == {"matchLabels": {"app": "web"}}  # the workload's own selector
    # Ingress is denied already; the name default-deny is taken
    deny, dns = suggested["default/networkpolicy-kubevet-default-deny.yaml"]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Egress"]}
    assert dns["metadata"] == {"name": "allow-dns"}
    config = Config(select=["NET001", "AVL001"], namespace_guardrails=["all"])
    sources, _ = discover([str(app), str(out)])
    assert not Engine(config).scan(sources).findings


WORKLOAD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: "nginx:1.25"}}]
"""


@pytest.mark.parametrize(
    ("name", "namespace", "why"),
    [
        ("../../../web", "shop", "the name is not a valid Kubernetes name"),
        ("web", "{outside}", "the namespace is not a valid Kubernetes namespace name"),  # an absolute path
        ("web", "..", "the namespace is not"),
        ("a/b", "shop", "the name is not"),
    ],
)
def test_names_from_a_manifest_never_write_outside_the_directory(run_cli, tmp_path, name, namespace, why):
    """An untrusted pull request controls the namespaces and names: a path out of DIR is refused (exit 2)."""
    outside = tmp_path / "outside"
    fixes = tmp_path / "ci" / "fixes"
    manifest = tmp_path / "ci" / "evil.yaml"
    manifest.parent.mkdir()
    ok = WORKLOAD.format(name="fine", namespace="shop")
    manifest.write_text(ok + "---\n" + WORKLOAD.format(name=f'"{name}"', namespace=f'"{namespace.format(outside=outside)}"'))
    r = run_cli("scan", "--no-config", "--select", "pdb-missing", "--suggest-fixes", str(fixes), str(manifest))
    assert r.code == 2, r
    assert "refused PodDisruptionBudget" in r.err and why in r.err, r
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.yaml"))
    assert written == ["ci/evil.yaml", "ci/fixes/shop/poddisruptionbudget-fine.yaml"]  # the valid one only


def test_a_symbolic_link_out_of_the_directory_is_refused(run_cli, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    fixes = tmp_path / "fixes"
    fixes.mkdir()
    (fixes / "shop").symlink_to(outside)  # committed by the pull request, say
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WORKLOAD.format(name="web", namespace="shop"))
    r = run_cli("scan", "--no-config", "--select", "pdb-missing", "--suggest-fixes", str(fixes), str(manifest))
    assert r.code == 2 and "resolves outside" in r.err, r
    assert list(outside.iterdir()) == []
