"""kubevet diff --live against a real kube-apiserver: OLD is what the cluster holds for the
objects of NEW, read through the kubeconfig and turned back into manifests, so an
unchanged namespace diffs clean and a real change is reported as it would be between files."""

from __future__ import annotations

import base64
import copy
import json

import pytest
import yaml
from apiserver.controlplane import free_port
from test_audit import kubectl, manifests

pytestmark = pytest.mark.apiserver

SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": ""}, "type": "Opaque",
          "data": {"password": base64.b64encode(b"s3cret-one").decode()}, "stringData": {"user": "shop"}}
_serial = iter(range(1, 1000))


@pytest.fixture(scope="module")
def live(control_plane):
    """The fixed namespace applied with kubectl apply, plus a Secret; and the incident
    applied in a second namespace, to diff the fix against."""
    n = next(_serial)
    fixed, broken = f"live-fixed-{n}", f"live-broken-{n}"
    docs = manifests("fixed", fixed) + [{**copy.deepcopy(SECRET), "metadata": {"name": "db", "namespace": fixed}}]
    kubectl(control_plane, "apply", "-f", "-", stdin=yaml.safe_dump_all(docs))
    incident = [d for d in manifests("broken", broken) if d["kind"] != "ClusterRoleBinding"]  # test_audit's own
    kubectl(control_plane, "apply", "-f", "-", stdin=yaml.safe_dump_all(incident))
    return {"fixed": fixed, "broken": broken, "docs": docs}


def diff(run_cli, control_plane, tmp_path, docs, *extra):
    new = tmp_path / "new.yaml"
    new.write_text(yaml.safe_dump_all(docs))
    out = tmp_path / "report.json"
    result = run_cli("diff", "--live", str(new), "--kubeconfig", str(control_plane.kubeconfig), "--no-config",
                     "-f", "json", "-o", str(out), *extra)
    return result, json.loads(out.read_text()) if out.exists() else None


def test_an_unchanged_namespace_diffs_clean(run_cli, control_plane, live, tmp_path):
    """Defaults, status, managed fields, allocated ClusterIPs and the Secret's values do not
    show as changes: every object of NEW is found and equal."""
    result, report = diff(run_cli, control_plane, tmp_path, live["docs"])
    assert result.code == 0, result
    changed = [(o["kind"], o["name"], o["changes"]) for o in report["objects"]]
    assert changed == [], json.dumps(changed, indent=1)
    assert len(report["unchanged"]) == len(live["docs"])
    assert report["summary"] == {"added": 0, "removed": 0, "changed": 0, "unchanged": len(live["docs"])}
    assert report["old"].startswith("the cluster at https://127.0.0.1:")
    assert [f for f in report["findings"] if f["new"]] == []


def test_a_real_change_is_reported_with_its_risks_and_new_findings(run_cli, control_plane, live, tmp_path):
    docs = copy.deepcopy(live["docs"])
    catalog = next(d for d in docs if d["kind"] == "Deployment")
    container = catalog["spec"]["template"]["spec"]["containers"][0]
    container["image"] = container["image"].rsplit(":", 1)[0] + ":9.9.9"
    del container["resources"]["limits"]["memory"]
    secret = next(d for d in docs if d["kind"] == "Secret")
    secret["data"]["password"] = base64.b64encode(b"s3cret-two").decode()
    docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "extra", "namespace": live["fixed"]}, "data": {"a": "b"}})
    result, report = diff(run_cli, control_plane, tmp_path, docs)
    assert result.code == 1, result
    by_name = {(o["kind"], o["name"]): o for o in report["objects"]}
    assert by_name[("ConfigMap", "extra")]["status"] == "added"
    changes = {c["path"]: c for c in by_name[("Deployment", catalog["metadata"]["name"])]["changes"]}
    assert set(changes) == {"spec.template.spec.containers[name=%s].image" % container["name"],
                            "spec.template.spec.containers[name=%s].resources.limits.memory" % container["name"]}
    assert changes["spec.template.spec.containers[name=%s].image" % container["name"]]["new"].endswith(":9.9.9")
    # the changed key of the Secret is reported, its value never: the unchanged one is equal
    assert [(c["path"], c["op"]) for c in by_name[("Secret", "db")]["changes"]] == [("data.password", "changed")]
    assert "s3cret" not in json.dumps(report) and base64.b64encode(b"s3cret-one").decode() not in json.dumps(report)
    assert {f["rule"] for f in report["findings"] if f["new"]} == {"memory-limit-missing"}
    assert report["summary"]["changed"] == 2 and report["summary"]["added"] == 1


def test_the_fix_over_the_incident_fixes_its_findings(run_cli, control_plane, live, tmp_path):
    """NEW: the fixed manifests in the namespace where the incident runs. OLD (the cluster)
    holds the incident's objects: their findings are fixed by NEW, none are new."""
    docs = manifests("fixed", live["broken"])
    result, report = diff(run_cli, control_plane, tmp_path, docs, "--fail-on", "error")
    by_name = {(o["kind"], o["name"]): o["status"] for o in report["objects"]}
    assert by_name[("Deployment", "catalog")] == "changed"
    # a field NEW writes out is compared with the cluster's value, defaulted or not (as
    # kubectl diff would): the incident's probes had the 1 s default timeout
    catalog = next(o for o in report["objects"] if (o["kind"], o["name"]) == ("Deployment", "catalog"))
    changes = {c["path"]: (c["op"], c.get("old"), c.get("new")) for c in catalog["changes"]}
    assert changes["spec.template.spec.containers[name=catalog].livenessProbe.timeoutSeconds"] == ("changed", 1, 3)
    assert changes["spec.strategy.rollingUpdate.maxUnavailable"] == ("changed", "25%", 0)
    assert "spec.template.spec.terminationGracePeriodSeconds" not in changes  # 30 both: the default
    assert by_name[("ResourceQuota", "compute")] == "added"  # the incident had none
    # the cluster's copy of the incident had its findings; the fix has none
    assert report["findings"] == [] and report["fixedFindings"] > 10
    assert result.code in (0, 1), result  # risks of the change itself (a rollout ...) may gate it


def test_usage_and_cluster_errors_exit_2(run_cli, control_plane, live, tmp_path):
    new = tmp_path / "new.yaml"
    new.write_text(yaml.safe_dump_all(live["docs"]))
    lonely = run_cli("diff", str(new), str(new), "--kubeconfig", str(control_plane.kubeconfig))
    assert lonely.code == 2 and "--kubeconfig and --context only go with --live" in lonely.err
    config = yaml.safe_load(control_plane.kubeconfig.read_text())
    config["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{free_port()}"
    dead = tmp_path / "dead"
    dead.write_text(yaml.safe_dump(config))
    result = run_cli("diff", "--live", str(new), "--kubeconfig", str(dead), "--no-config")
    assert result.code == 2 and "cannot reach https://127.0.0.1:" in result.err and "Traceback" not in result.err
    missing = run_cli("diff", "--live", str(new), "--kubeconfig", str(control_plane.kubeconfig), "--context", "nope")
    assert missing.code == 2 and "cannot use" in missing.err
