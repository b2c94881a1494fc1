"""`kubevet serve --manifests`: what it prints scans clean with kubevet itself (every rule
on by default, the schema rules validating each object against the Kubernetes 1.30 and
the newest schemas) and has what the webhook needs to run safely."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml


def manifests(*args) -> str:
    run = subprocess.run([sys.executable, "-m", "kubevet", "serve", "--manifests", *args],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize("version", ["1.30", ""])
def test_manifests_scan_clean_and_validate(tmp_path, version):
    path = tmp_path / "kubevet.yaml"
    path.write_text(manifests())
    args = [sys.executable, "-m", "kubevet", "scan", str(path), "--no-config", "--fail-on", "info"]
    if version:
        args += ["--kube-version", version]
    run = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No findings; 12 objects in 1 file" in run.stdout


def test_manifests_scan_clean_in_another_namespace_with_ignore(tmp_path):
    path = tmp_path / "kubevet.yaml"
    path.write_text(manifests("--namespace", "admission", "--replicas", "3", "--failure-policy", "Ignore",
                              "--image", "registry.example/kubevet:0.1.0-serve"))
    run = subprocess.run([sys.executable, "-m", "kubevet", "scan", str(path), "--no-config"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout


def test_manifests_have_what_a_webhook_needs():
    docs = {d["kind"]: d for d in yaml.safe_load_all(manifests())}
    assert set(docs) >= {"Namespace", "ServiceAccount", "Deployment", "PodDisruptionBudget", "NetworkPolicy",
                         "Service", "ValidatingWebhookConfiguration"}
    assert docs["ServiceAccount"]["automountServiceAccountToken"] is False
    deploy = docs["Deployment"]
    assert deploy["spec"]["replicas"] >= 2
    (container,) = deploy["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert set(container["resources"]["requests"]) >= {"cpu", "memory"}
    assert set(container["resources"]["limits"]) >= {"cpu", "memory"}
    sc = container["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False and sc["runAsNonRoot"] is True
    assert sc["capabilities"]["drop"] == ["ALL"] and sc["readOnlyRootFilesystem"] is True
    (hook,) = docs["ValidatingWebhookConfiguration"]["webhooks"]
    assert hook["sideEffects"] == "None" and hook["admissionReviewVersions"] == ["v1"]
    assert hook["failurePolicy"] == "Fail" and 1 <= hook["timeoutSeconds"] <= 30
    assert hook["clientConfig"]["service"]["path"] == "/validate"
    excluded = hook["namespaceSelector"]["matchExpressions"][0]
    assert excluded == {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system", "kubevet"]}
    operations = {op for rule in hook["rules"] for op in rule["operations"]}
    assert operations == {"CREATE", "UPDATE", "DELETE"}
    assert all("/" not in r for rule in hook["rules"] for r in rule["resources"])  # no sub-resources sent
