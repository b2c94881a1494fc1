"""kubevet serve called by a real kube-apiserver: a ValidatingWebhookConfiguration with a url
to the webhook on loopback and its CA in caBundle, then kubectl as a user would.

The webhook configuration selects only namespaces labelled for these tests, so the other
tests sharing the control plane are not judged by it; it is deleted afterwards.
"""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml
from apiserver.controlplane import free_port, issue, make_ca
from conftest import ROOT

pytestmark = pytest.mark.apiserver

CONFIG = """\
serve:
  deletion-guard:
    kinds: [Secret, PersistentVolumeClaim]
    namespaces: ["wh-*"]
"""
SELECT = {"kubevet-e2e": "webhook"}
DOWN = {"kubevet-e2e": "webhook-down"}
DENIED = 'admission webhook "validate.kubevet.io" denied the request: kubevet denied Deployment'


def example(name: str, kind: str, namespace: str) -> dict:
    docs = [d for d in yaml.safe_load_all((ROOT / "examples" / name / "shop.yaml").read_text()) if d]
    obj = next(d for d in docs if d["kind"] == kind)
    obj["metadata"]["namespace"] = namespace
    return obj


def warning_only(namespace: str) -> dict:
    """The fixed catalog Deployment with one replica: warnings (replicas-too-few ...), no error."""
    obj = example("fixed", "Deployment", namespace)
    obj["metadata"]["name"] = "catalog-ok"  # the broken example's Deployment is "catalog"
    obj["spec"]["replicas"] = 1
    obj["spec"]["template"]["spec"].pop("priorityClassName")  # no such PriorityClass here
    return obj


def kubectl(plane, *args: str, stdin: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["kubectl", "--kubeconfig", str(plane.kubeconfig), *args],
                          input=json.dumps(stdin) if stdin is not None else None,
                          capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def webhook_configuration(name: str, url: str, ca_pem: bytes, labels: dict, failure_policy: str) -> dict:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": name},
        "webhooks": [{
            "name": "validate.kubevet.io",
            "clientConfig": {"url": url, "caBundle": base64.b64encode(ca_pem).decode()},
            # every namespaced kind, and Namespaces themselves (as the shipped configuration);
            # for a Namespace the namespaceSelector matches its own labels
            "rules": [{"operations": ["CREATE", "UPDATE", "DELETE"], "apiGroups": ["*"], "apiVersions": ["*"],
                       "resources": ["*"], "scope": "Namespaced"},
                      {"operations": ["CREATE", "UPDATE"], "apiGroups": [""], "apiVersions": ["v1"],
                       "resources": ["namespaces"], "scope": "Cluster"}],
            "namespaceSelector": {"matchLabels": labels},
            "failurePolicy": failure_policy,
            "sideEffects": "None",  # so that dry runs are sent too
            "admissionReviewVersions": ["v1"],
            "timeoutSeconds": 5,
        }],
    }


@pytest.fixture(scope="module")
def webhook(control_plane, tmp_path_factory):
    """kubevet serve over TLS on a free loopback port, registered with the API server."""
    directory = tmp_path_factory.mktemp("webhook")
    ca = make_ca("kubevet-webhook-ca")
    cert, key = issue(ca, "kubevet-webhook", server=True, ips=("127.0.0.1",)).write(directory, "serve")
    (directory / "kubevet.yaml").write_text(CONFIG)
    port = free_port()
    log = open(directory / "serve.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kubevet", "serve", "--host", "127.0.0.1", "--port", str(port), "--tls-cert", str(cert),
         "--tls-key", str(key), "--config", str(directory / "kubevet.yaml"), "--kube-version", "1.36"],
        stdout=log, stderr=subprocess.STDOUT, cwd=directory,
    )
    try:
        context = ssl.create_default_context(cadata=ca.cert_pem.decode())
        for _ in range(240):  # bounded wait for /readyz
            if proc.poll() is not None:
                pytest.fail(f"kubevet serve exited: {(directory / 'serve.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/readyz", context=context, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.25)
        config = webhook_configuration("kubevet-e2e", f"https://127.0.0.1:{port}/validate", ca.cert_pem, SELECT, "Fail")
        kubectl(control_plane, "apply", "-f", "-", stdin=config)
        yield {"port": port, "ca": ca, "log": directory / "serve.log"}
    finally:
        kubectl(control_plane, "delete", "validatingwebhookconfiguration", "kubevet-e2e", "--ignore-not-found", check=False)
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def admissions(webhook, namespace: str | None) -> list[dict]:
    """The webhook's log lines (JSON, one per request) about ``namespace`` (None: all)."""
    lines = []
    for text in webhook["log"].read_text(errors="replace").splitlines():
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if line.get("msg") == "admission" and namespace in (None, line.get("namespace")):
            lines.append(line)
    return lines


@pytest.fixture
def judged(webhook, new_namespace):
    """A fresh namespace that the webhook judges (its name matches the deletion guard's wh-*;
    the API server looks a namespace it has not cached yet up, so its labels count at once)."""
    return new_namespace("wh", labels=SELECT)


def test_a_new_namespace_is_created_with_what_it_lacks_yet_as_warnings(control_plane, webhook):
    """kubectl create of a judged Namespace: its quota, LimitRange and default-deny policy
    can only come after it, so those findings are warnings kubectl prints, not a denial."""
    name = "wh-new-namespace"
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": SELECT}}
    done = kubectl(control_plane, "apply", "-f", "-", stdin=ns)
    assert f"namespace/{name} created" in done.stdout
    warnings = [line for line in done.stderr.splitlines() if line.startswith("Warning: ")]
    assert any(w.startswith(f"Warning: NSG001 namespace-quota-missing: metadata.name: namespace '{name}' ") for w in warnings), done.stderr
    assert all(w.endswith("(not denied: a new namespace cannot hold it yet; create it next)") for w in warnings), done.stderr
    assert [line["verdict"] for line in admissions(webhook, None) if line["kind"] == "Namespace" and line["name"] == name] == ["warned"]


def test_the_incident_deployment_is_refused_with_kubevets_message(control_plane, judged):
    broken = example("broken", "Deployment", judged)
    done = kubectl(control_plane, "apply", "-f", "-", stdin=broken, check=False)
    assert done.returncode != 0
    assert f"{DENIED} {judged}/{broken['metadata']['name']}:" in done.stderr
    # one line per cause, as kubevet scan reports it: the container's missing resources
    assert "GRP001 resources-unset (RES001, RES002, RES003) at spec.template.spec.containers[name=catalog]" in done.stderr, done.stderr
    assert "no memory limit" in done.stderr
    assert "(fix: " in done.stderr
    missing = kubectl(control_plane, "-n", judged, "get", "deployment", broken["metadata"]["name"], check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr


def test_a_warning_only_object_is_admitted_with_its_warnings_shown(control_plane, judged):
    done = kubectl(control_plane, "apply", "-f", "-", stdin=warning_only(judged))
    assert "deployment.apps/catalog-ok created" in done.stdout
    warnings = [line for line in done.stderr.splitlines() if line.startswith("Warning: ")]
    assert any("replicas-too-few" in w for w in warnings), done.stderr
    kubectl(control_plane, "-n", judged, "get", "deployment", "catalog-ok")


def test_server_side_dry_run_is_judged_without_side_effects(control_plane, judged, webhook):
    broken = example("broken", "Deployment", judged)
    refused = kubectl(control_plane, "apply", "--dry-run=server", "-f", "-", stdin=broken, check=False)
    assert refused.returncode != 0 and DENIED in refused.stderr
    admitted = kubectl(control_plane, "apply", "--dry-run=server", "-f", "-", stdin=warning_only(judged))
    assert "(server dry run)" in admitted.stdout and "Warning: " in admitted.stderr
    for name in (broken["metadata"]["name"], "catalog-ok"):
        gone = kubectl(control_plane, "-n", judged, "get", "deployment", name, check=False)
        assert gone.returncode != 0 and "NotFound" in gone.stderr
    # the API server said dryRun: logged as such, so metrics do not count it as enforced
    lines = [(line["name"], line["verdict"], line["dryRun"]) for line in admissions(webhook, judged) if line["kind"] == "Deployment"]
    assert lines == [(broken["metadata"]["name"], "denied", True), ("catalog-ok", "warned", True)]


def test_update_denies_new_errors_and_keeps_old_ones_as_warnings(control_plane, new_namespace, webhook):
    # a namespace with the incident's Deployment in it before the webhook judged it
    name = new_namespace("wh")
    broken = example("broken", "Deployment", name)
    kubectl(control_plane, "apply", "-f", "-", stdin=broken)
    kubectl(control_plane, "apply", "-f", "-", stdin=warning_only(name))
    kubectl(control_plane, "label", "namespace", name, *(f"{k}={v}" for k, v in SELECT.items()))
    deadline = time.monotonic() + 30
    while True:  # until the API server's namespace informer sees the label
        done = kubectl(control_plane, "-n", name, "annotate", "deployment", broken["metadata"]["name"], "--overwrite",
                       f"kubevet.test/touched={time.monotonic_ns()}", check=False)
        if "already there before this change" in done.stderr or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    # an unrelated change to the old object: allowed, its findings are warnings now
    assert done.returncode == 0, done.stderr
    assert "(already there before this change)" in done.stderr
    # a change that brings a new error to a clean object: denied
    worse = warning_only(name)
    del worse["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"]
    denied = kubectl(control_plane, "apply", "-f", "-", stdin=worse, check=False)
    assert denied.returncode != 0 and DENIED in denied.stderr and "memory-limit-missing" in denied.stderr
    live = json.loads(kubectl(control_plane, "-n", name, "get", "deployment", "catalog-ok", "-o", "json").stdout)
    assert live["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] == "512Mi"


def test_deletion_guard_refuses_until_the_object_is_annotated(control_plane, judged, webhook):
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db-credentials", "namespace": judged},
              "stringData": {"password": "not-a-real-one"}}
    kubectl(control_plane, "apply", "-f", "-", stdin=secret)
    refused = kubectl(control_plane, "-n", judged, "delete", "secret", "db-credentials", check=False)
    assert refused.returncode != 0
    assert "kubevet deletion guard: deleting Secret" in refused.stderr and "kubevet.io/allow-delete=true" in refused.stderr
    kubectl(control_plane, "-n", judged, "get", "secret", "db-credentials")
    kubectl(control_plane, "-n", judged, "annotate", "secret", "db-credentials", "kubevet.io/allow-delete=true")
    kubectl(control_plane, "-n", judged, "delete", "secret", "db-credentials")
    gone = kubectl(control_plane, "-n", judged, "get", "secret", "db-credentials", check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr
    # both deletes logged with the user the API server authenticated (the admin's certificate)
    deletes = [line for line in admissions(webhook, judged) if line["operation"] == "DELETE"]
    assert [(line["user"], line["verdict"], line["audit"].get("allowedBy")) for line in deletes] == [
        ("kubevet-admin", "denied", None), ("kubevet-admin", "allowed", "annotation kubevet.io/allow-delete")]
    assert all("system:masters" in line["audit"]["groups"] for line in deletes)


def test_failure_policy_with_the_webhook_down(control_plane, new_namespace, webhook):
    """Nothing listens on the port: Fail refuses every judged request, Ignore admits it unjudged."""
    name = new_namespace("down", labels=DOWN)
    dead = f"https://127.0.0.1:{free_port()}/validate"
    config = webhook_configuration("kubevet-e2e-down", dead, webhook["ca"].cert_pem, DOWN, "Fail")
    kubectl(control_plane, "apply", "-f", "-", stdin=config)
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": name}, "data": {"a": "b"}}
    try:
        deadline = time.monotonic() + 30
        while True:
            refused = kubectl(control_plane, "apply", "-f", "-", stdin=cm, check=False)
            if refused.returncode != 0 or time.monotonic() > deadline:
                break
            kubectl(control_plane, "-n", name, "delete", "configmap", "settings", check=False)
            time.sleep(0.2)
        assert refused.returncode != 0
        assert 'failed calling webhook "validate.kubevet.io"' in refused.stderr
        config["webhooks"][0]["failurePolicy"] = "Ignore"
        kubectl(control_plane, "apply", "-f", "-", stdin=config)
        deadline = time.monotonic() + 30
        while True:
            admitted = kubectl(control_plane, "apply", "-f", "-", stdin=cm, check=False)
            if admitted.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert admitted.returncode == 0, admitted.stderr
        kubectl(control_plane, "-n", name, "get", "configmap", "settings")
    finally:
        kubectl(control_plane, "delete", "validatingwebhookconfiguration", "kubevet-e2e-down", "--ignore-not-found", check=False)
