"""`kubevet policy`: what it prints is valid for Kubernetes 1.30 and the newest schemas,
follows the configuration's severities, and refuses what it cannot export."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from kubevet.policy.catalog import CATALOG


def kubevet(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "kubevet", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


@pytest.mark.parametrize("version", ["1.30", ""])
def test_output_validates_against_the_schemas(tmp_path, version):
    out = tmp_path / "policies.yaml"
    run = kubevet("policy", "--no-config", "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert "wrote" in run.stderr
    args = ["scan", str(out), "--no-config", "--fail-on", "info"] + (["--kube-version", version] if version else [])
    scan = kubevet(*args)
    assert scan.returncode == 0, scan.stdout
    docs = list(yaml.safe_load_all(out.read_text()))
    kinds = [d["kind"] for d in docs]
    assert kinds.count("ValidatingAdmissionPolicy") == len(CATALOG)
    names = {d["metadata"]["name"] for d in docs if d["kind"] == "ValidatingAdmissionPolicy"}
    for d in docs:
        if d["kind"] == "ValidatingAdmissionPolicyBinding":
            assert d["spec"]["policyName"] in names


def test_a_schema_older_than_1_30_has_no_v1_policies(tmp_path):
    out = tmp_path / "p.yaml"
    assert kubevet("policy", "--no-config", "--rules", "host-network", "-o", str(out)).returncode == 0
    assert kubevet("scan", str(out), "--no-config", "--kube-version", "1.29").returncode == 1


def test_severity_decides_the_validation_actions(tmp_path):
    (tmp_path / ".kubevet.yaml").write_text("rules:\n  host-network: {severity: warning}\n")
    run = kubevet("policy", "--rules", "HST001,privileged-container", "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    items = json.loads(run.stdout)["items"]
    actions = {b["metadata"]["name"]: b["spec"]["validationActions"] for b in items if b["kind"].endswith("Binding")}
    assert actions == {
        "kubevet-hst001-host-network": ["Warn", "Audit"],
        "kubevet-sec001-privileged-container": ["Deny"],
        "kubevet-sec001-privileged-container-warn": ["Warn", "Audit"],
    }
    deny = next(b for b in items if b["kind"].endswith("Binding") and b["metadata"]["name"] == "kubevet-sec001-privileged-container")
    selector = deny["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"]
    assert {"key": "kubevet.io/mode", "operator": "NotIn", "values": ["off", "warn"]} in selector


def test_list_says_why_a_rule_is_not_exported():
    run = kubevet("policy", "--list")
    assert run.returncode == 0
    lines = {line.split()[1]: line for line in run.stdout.splitlines()[1:]}
    assert lines["privileged-container"].endswith(" yes")
    assert "cross-object" in lines["pdb-missing"]
    assert "quantity()" in lines["requests-exceed-limits"]


@pytest.mark.parametrize("rules, message", [
    ("pdb-missing", "pdb-missing (AVL001) cannot be exported: cross-object"),
    ("no-such-rule", "unknown rule 'no-such-rule'"),
])
def test_what_cannot_be_exported_exits_2(rules, message):
    run = kubevet("policy", "--no-config", "--rules", rules)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr
