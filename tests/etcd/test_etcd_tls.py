"""Mutual TLS as etcdctl does it: the same flags and ETCDCTL_* variables, and the ways it goes wrong.

One real 3-member etcd with --client-cert-auth and certificates generated here; a plain-HTTP
1-member etcd for the scheme mix-ups.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from etcd_cluster import Cluster
from etcd_run import clean_env, kubevet

LOW = ["--defrag-min-free", "1Mi", "--defrag-min-free-percent", "10"]


@pytest.fixture(scope="module")
def tls():
    c = Cluster(size=3, tls=True).start()
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="module")
def plain():
    c = Cluster(size=1).start()
    try:
        yield c
    finally:
        c.stop()


def test_status_and_defrag_with_etcdctls_flags(tls):
    flags = ["--endpoints", tls.endpoints(), *tls.tls_args()]
    # etcdctl itself accepts exactly these flags against this cluster
    ctl = subprocess.run(["etcdctl", *flags, "endpoint", "status", "-w", "json"], capture_output=True, text=True,
                         env=clean_env({"ETCDCTL_API": "3"}), timeout=30)
    assert ctl.returncode == 0, ctl.stderr
    r = kubevet("status", *flags, "--format", "json")
    assert r.code == 0, r
    assert [m["healthy"] for m in r.json()["members"]] == [True] * 3
    tls.fragment(8)
    d = kubevet("defrag", *flags, "--yes", "--pause", "0", "--format", "json", *LOW)
    assert d.code == 0, d
    assert [s["role"] for s in d.json()["steps"]] == ["follower", "follower", "leader"]
    assert all(s["reclaimedBytes"] > 4 * 1024 * 1024 for s in d.json()["steps"])


def test_etcdctl_environment_variables(tls):
    pki = tls.pki
    env = {"ETCDCTL_ENDPOINTS": tls.nodes[1].endpoint, "ETCDCTL_CACERT": str(pki.ca),
           "ETCDCTL_CERT": str(pki.client_cert), "ETCDCTL_KEY": str(pki.client_key)}
    r = kubevet("status", "--cluster", "--format", "json", env=env)
    assert r.code == 0, r
    assert len(r.json()["members"]) == 3
    # a flag wins over its variable
    bad = kubevet("status", "--format", "json", "--cacert", str(pki.other_ca), env=env)
    assert bad.code == 1 and "--cacert" in bad.out, bad


def test_wrong_ca(tls):
    pki = tls.pki
    r = kubevet("status", "--endpoints", tls.nodes[0].endpoint, "--cacert", str(pki.other_ca),
                "--cert", str(pki.client_cert), "--key", str(pki.client_key))
    assert r.code == 1, r
    assert tls.nodes[0].endpoint in r.out and "certificate was not accepted" in r.out
    # only when asked: --insecure-skip-tls-verify
    ok = kubevet("status", "--endpoints", tls.nodes[0].endpoint, "--cacert", str(pki.other_ca),
                 "--cert", str(pki.client_cert), "--key", str(pki.client_key), "--insecure-skip-tls-verify")
    assert ok.code == 0, ok


@pytest.mark.parametrize("which", ["other", "none"])
def test_client_certificate_rejected_or_missing(tls, which):
    pki = tls.pki
    cert = ["--cert", str(pki.other_client_cert), "--key", str(pki.other_client_key)] if which == "other" else []
    tls.fragment(2)
    before = {n.endpoint: tls.status(n)["dbSize"] for n in tls.nodes}
    r = kubevet("defrag", "--endpoints", tls.endpoints(), "--cacert", str(pki.ca), *cert, "--yes", *LOW)
    assert r.code == 1, r
    assert "client certificate" in r.out and tls.nodes[0].endpoint in r.out
    assert {n.endpoint: tls.status(n)["dbSize"] for n in tls.nodes} == before


def test_plain_http_given_to_a_tls_port(tls):
    endpoint = tls.nodes[0].endpoint.replace("https://", "http://")
    r = kubevet("status", "--endpoints", endpoint)
    assert r.code == 1, r
    assert "is it a TLS port? use https://" in r.out and endpoint in r.out


def test_https_given_to_a_plain_port(plain, tls):
    endpoint = plain.nodes[0].endpoint.replace("http://", "https://")
    r = kubevet("status", "--endpoints", endpoint, "--cacert", str(tls.pki.ca))
    assert r.code == 1, r
    assert "answers plain HTTP" in r.out and endpoint in r.out
    d = kubevet("defrag", "--endpoints", endpoint, "--cacert", str(tls.pki.ca), "--yes")
    assert d.code == 1 and "answers plain HTTP" in d.out, d


def test_host_port_endpoints_get_https_with_tls_files(tls):
    bare = tls.nodes[0].endpoint.removeprefix("https://")
    r = kubevet("status", "--endpoints", bare, *tls.tls_args(), "--format", "json")
    assert r.code == 0 and r.json()["members"][0]["endpoint"] == tls.nodes[0].endpoint, r


def test_the_cronjob_example_runs_against_a_real_cluster_and_scans_clean(tls):
    """examples/etcd-defrag: its containers' arguments work (paths and node IP swapped for the test's)."""
    import yaml
    from conftest import ROOT

    path = ROOT / "examples" / "etcd-defrag" / "cronjob.yaml"
    (job,) = [d for d in yaml.safe_load_all(path.read_text()) if d["kind"] == "CronJob"]
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    pki = tls.pki
    swap = {"https://$(HOST_IP):2379": tls.nodes[0].endpoint, "/etc/kubernetes/pki/etcd/ca.crt": str(pki.ca),
            "/etc/kubernetes/pki/etcd/healthcheck-client.crt": str(pki.client_cert),
            "/etc/kubernetes/pki/etcd/healthcheck-client.key": str(pki.client_key)}

    def args(container):
        out = []
        for a in container["args"][1:]:  # after "etcd"
            for old, new in swap.items():
                a = a.replace(old, new)
            out.append(a)
        return out

    (status,) = pod["initContainers"]
    (defrag,) = pod["containers"]
    r = kubevet(*args(status))
    assert r.code == 0 and r.out.count("healthy") >= 3, r
    d = kubevet(*args(defrag), "--dry-run")
    assert d.code == 0 and d.json()["outcome"] in ("dry-run", "nothing-to-do"), d
    scan = subprocess.run([sys.executable, "-m", "kubevet", "scan", "--no-config", "--format", "json", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert scan.returncode == 0, scan.stderr
    findings = json.loads(scan.stdout)["findings"]
    assert findings and all(f["suppressed"] and len(f["suppression"]["reason"]) > 40 for f in findings)
    assert {f["rule"] for f in findings} <= {"host-path-mount", "run-as-root", "low-user-id"}


def test_a_one_member_cluster_needs_allow_quorum_loss(plain):
    plain.fragment(4)
    flags = ["--endpoints", plain.endpoints(), "--yes", "--format", "json", "--defrag-min-free", "1Mi"]
    r = kubevet("defrag", *flags)
    assert r.code == 1 and "below the quorum" in r.json()["error"], r
    assert r.json()["steps"][0]["outcome"] == "skipped"
    ok = kubevet("defrag", *flags, "--allow-quorum-loss")
    assert ok.code == 0 and ok.json()["steps"][0]["reclaimedBytes"] > 2 * 1024 * 1024, ok


@pytest.mark.parametrize("error", [
    "Server disconnected without sending a response.",  # it closed before answering
    "[Errno 104] Connection reset by peer",  # it reset the connection (depends on timing)
])
def test_plain_http_to_a_tls_port_gets_the_same_hint_however_the_port_hangs_up(error):
    """A TLS port spoken to in plain HTTP closes or resets, depending on how much it read:
    the test above meets one or the other; both say the same."""
    import httpx

    from kubevet.etcd.client import _describe_transport

    exc = httpx.RemoteProtocolError(error) if "disconnected" in error else httpx.ReadError(error)
    said = _describe_transport(exc, "http://127.0.0.1:2379", 5)
    assert "is it a TLS port? use https://" in said, said
