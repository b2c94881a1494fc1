"""`kubevet serve --manifests` applied to a real kube-apiserver, as docs/admission.md tells a
user to: every object is accepted (server-side dry run; the Namespace created for real so
the namespaced objects can be judged in it), the ValidatingWebhookConfiguration included.

Registering it for real would send every request of the shared test cluster to a Service
that has no pods here (no nodes, no controllers), so the webhook's own behaviour behind a
real API server is tested with a url clientConfig instead (test_webhook_e2e.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from test_webhook_e2e import kubectl

pytestmark = pytest.mark.apiserver


def rendered(*args: str) -> list[dict]:
    run = subprocess.run([sys.executable, "-m", "kubevet", "serve", "--manifests", *args],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return [d for d in yaml.safe_load_all(run.stdout) if d]


@pytest.mark.parametrize("policy", ["Fail", "Ignore"])
def test_the_install_manifests_are_accepted_by_the_api_server(control_plane, tmp_path, policy):
    namespace = f"kubevet-install-{policy.lower()}"
    docs = rendered("--namespace", namespace, "--failure-policy", policy)
    (ns,) = [d for d in docs if d["kind"] == "Namespace"]
    kubectl(control_plane, "apply", "-f", "-", stdin=ns)
    path = tmp_path / "kubevet-webhook.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    done = kubectl(control_plane, "apply", "--dry-run=server", "-f", str(path), check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(docs) and all(line.endswith("(server dry run)") for line in lines), done.stdout
    assert "Warning:" not in done.stderr, done.stderr
    assert "validatingwebhookconfiguration.admissionregistration.k8s.io/kubevet-webhook created (server dry run)" in lines
    assert "deployment.apps/kubevet-webhook created (server dry run)" in lines
    # nothing but the Namespace was created
    left = kubectl(control_plane, "-n", namespace, "get", "deployments,services,configmaps", "-o", "name").stdout.split()
    assert [name for name in left if name != "configmap/kube-root-ca.crt"] == []
