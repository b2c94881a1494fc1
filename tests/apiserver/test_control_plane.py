"""The control plane itself: a real kube-apiserver on loopback, TLS and RBAC as configured."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.apiserver


def test_ready_on_loopback_with_its_own_ca(control_plane):
    assert control_plane.server.startswith("https://127.0.0.1:")
    status, body = control_plane.get("/readyz")
    assert (status, body) == (200, "ok")
    status, body = control_plane.get("/version")
    assert status == 200 and json.loads(body)["gitVersion"].startswith("v1.")


def test_serving_certificate_is_checked_against_the_test_ca(control_plane):
    untrusting = ssl.create_default_context()  # the system CAs only
    with pytest.raises(urllib.error.URLError) as err:
        urllib.request.urlopen(control_plane.server + "/readyz", context=untrusting, timeout=10)
    assert isinstance(err.value.reason, ssl.SSLCertVerificationError)


def test_rbac_refuses_a_user_without_bindings(control_plane):
    nobody = control_plane.user("nobody")
    status, body = control_plane.get("/api/v1/namespaces", client=nobody)
    assert status == 403
    assert 'User "nobody" cannot list resource "namespaces"' in json.loads(body)["message"]
    status, _ = control_plane.get("/api/v1/namespaces")
    assert status == 200


def test_anonymous_requests_are_refused(control_plane):
    context = ssl.create_default_context(cadata=control_plane.ca.cert_pem.decode())
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(control_plane.server + "/api/v1/namespaces", context=context, timeout=10)
    assert err.value.code == 401


def test_kubeconfig_works_for_kubectl_and_the_python_client(control_plane, kube, new_namespace):
    name = new_namespace("smoke")
    names = [ns.metadata.name for ns in kube.resources.get(api_version="v1", kind="Namespace").get().items]
    assert name in names and "kube-system" in names
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is missing: scripts/install-test-tools.sh installs it")
    done = subprocess.run(
        [kubectl, "--kubeconfig", str(control_plane.kubeconfig), "get", "namespace", name, "-o", "json"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["metadata"]["name"] == name


def test_a_second_build_reuses_the_cached_binaries(control_plane):
    """The binaries the fixture started are in the cache: building again changes nothing
    and returns at once (no go build), printing the same directory."""
    from apiserver.controlplane import SCRIPT, binaries

    bindir = binaries(build=False)
    before = {name: (bindir / name).stat().st_mtime_ns for name in ("etcd", "kube-apiserver")}
    done = subprocess.run([str(SCRIPT), "build"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(bindir)
    assert "building" not in done.stderr
    assert {name: (bindir / name).stat().st_mtime_ns for name in before} == before
    assert subprocess.run([str(SCRIPT), "check"]).returncode == 0
