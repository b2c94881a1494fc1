"""Bad input never crashes the server or hangs a worker, TLS certificates are reloaded
without dropping connections, SIGTERM lets in-flight requests finish, workers share the
port and their metrics, and a rule that raises is answered as configured."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time

import certs
import pytest
import serve_helpers
from serve_helpers import HERE, admission_review
from test_serve_webhook import CONFIG, deployment, response

start = serve_helpers.start  # the fixture that runs kubevet serve

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def server(start):
    return start(["--config", ".kubevet.yaml", "--max-body-bytes", "65536", "--body-timeout", "1"],
                 files={".kubevet.yaml": CONFIG})


def post(server, body: bytes, headers=JSON):
    return server.request("POST", "/validate", body, headers)


REVIEW = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}


@pytest.mark.parametrize(
    "body, text",
    [
        (b"{not json", "the body is not valid JSON: unexpected character, expected a string key: line 1 column 2 (char 1)"),
        (b"", "the body is not valid JSON: Input is a zero-length, empty document: line 1 column 1 (char 0)"),
        (b"[]", "the body is not a JSON object (an AdmissionReview)"),
        (b"null", "the body is not a JSON object (an AdmissionReview)"),
        (json.dumps({**REVIEW, "apiVersion": "admission.k8s.io/v1beta1", "request": {"uid": "u"}}).encode(),
         "apiVersion is 'admission.k8s.io/v1beta1'; kubevet answers admission.k8s.io/v1 only (admissionReviewVersions: [v1])"),
        (json.dumps({"kind": "AdmissionReview", "request": {"uid": "u"}}).encode(),
         "apiVersion is None; kubevet answers admission.k8s.io/v1 only (admissionReviewVersions: [v1])"),
        (json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "Pod"}).encode(), "kind is 'Pod', not AdmissionReview"),
        (json.dumps(REVIEW).encode(), "request is missing or not an object"),
        (json.dumps({**REVIEW, "request": ["CREATE"]}).encode(), "request is missing or not an object"),
        (json.dumps({**REVIEW, "request": {"operation": "CREATE"}}).encode(), "request.uid is missing: the response must echo it"),
        (json.dumps({**REVIEW, "request": {"uid": 7}}).encode(), "request.uid is missing: the response must echo it"),
        (json.dumps({**REVIEW, "request": {"uid": ""}}).encode(), "request.uid is missing: the response must echo it"),
    ],
)
def test_unanswerable_bodies_get_400(server, body, text):
    """No uid to echo, so no review to answer: 400 with a one-line text, and the server
    carries on."""
    assert post(server, body) == (400, "text/plain; charset=utf-8", f"kubevet: {text}\n".encode())
    assert server.metric("kubevet_bad_requests_total", status="400") == 1
    assert server.log_lines("bad request")[0]["error"] == text
    assert server.get("/healthz") == (200, "ok\n")


def test_review_with_uid_but_no_object_is_answered_as_a_review(server):
    review = admission_review("CREATE", None, namespace="shop")
    review["request"]["kind"] = {"group": "apps", "version": "v1", "kind": "Deployment"}
    uid = review["request"]["uid"]
    assert server.review(review) == response(uid, False, status={
        "code": 400, "reason": "BadRequest", "message": "kubevet: request.object is missing or not an object on CREATE"})
    update = admission_review("UPDATE", deployment())
    update["request"]["oldObject"] = None
    assert server.review(update)["response"]["status"]["message"] == "kubevet: request.oldObject is missing or not an object on UPDATE"
    weird = admission_review("CREATE", deployment())
    weird["request"]["operation"] = "PATCH"
    assert server.review(weird) == response(weird["request"]["uid"], False, status={
        "code": 400, "reason": "BadRequest",
        "message": "kubevet: request.operation 'PATCH' is not CREATE, UPDATE, DELETE or CONNECT"})
    kindless = admission_review("CREATE", deployment())
    del kindless["request"]["kind"]
    assert server.review(kindless) == response(kindless["request"]["uid"], False, status={
        "code": 400, "reason": "BadRequest", "message": "kubevet: request.kind.kind is missing"})


def test_body_over_the_limit_is_refused_with_413(server):
    big = json.dumps(admission_review("CREATE", {**deployment(), "data": "x" * 70000})).encode()
    over = (413, "text/plain; charset=utf-8", b"kubevet: the body is over the limit of 65536 bytes\n")
    assert post(server, big) == over  # Content-Length says so
    conn = server.connection()  # chunked: no length given, cut off while reading
    conn.putrequest("POST", "/validate")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    try:
        for i in range(0, len(big), 8192):
            piece = big[i:i + 8192]
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        conn.send(b"0\r\n\r\n")
    except OSError:
        pass  # the server may answer and close before the last chunk
    reply = conn.getresponse()
    assert (reply.status, reply.read()) == (413, over[2])
    conn.close()
    assert server.metric("kubevet_bad_requests_total", status="413") == 2
    assert server.review(admission_review("CREATE", deployment()))["response"]["allowed"] is True


def test_wrong_content_type_method_and_path(server):
    body = json.dumps(admission_review("CREATE", deployment())).encode()
    text = "text/plain; charset=utf-8"
    assert post(server, body, {"Content-Type": "text/plain"}) == (
        415, text, b"kubevet: send the AdmissionReview as Content-Type: application/json\n")
    assert post(server, body, {}) == (415, text, b"kubevet: send the AdmissionReview as Content-Type: application/json\n")
    assert post(server, body, {"Content-Type": "application/json; charset=utf-8"})[0] == 200  # parameters are fine
    assert server.request("GET", "/validate") == (405, text, b"use POST\n")
    assert server.request("POST", "/healthz", b"", JSON) == (405, text, b"use GET\n")
    assert server.request("GET", "/nope") == (404, text, b"not found: kubevet serves /validate, /healthz, /readyz and /metrics\n")


def test_slow_client_gets_408_and_does_not_block_others(server):
    slow = server.connection()
    slow.putrequest("POST", "/validate")
    slow.putheader("Content-Type", "application/json")
    slow.putheader("Content-Length", "5000")
    slow.endheaders()
    slow.send(b'{"apiVersion": ')  # and nothing more
    review = admission_review("CREATE", deployment())
    assert server.review(review) == response(review["request"]["uid"])  # others are answered meanwhile
    reply = slow.getresponse()
    assert reply.status == 408
    assert reply.read().decode() == "kubevet: the body did not arrive within 1 s\n"
    slow.close()


def test_garbage_on_the_socket_does_not_kill_the_server(server):
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    ctx = server.ssl_context()
    tls = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    tls.sendall(b"\x00\x01 NOT HTTP AT ALL\r\n\r\n")
    try:
        tls.recv(1024)
    except OSError:
        pass
    tls.close()
    plain = socket.create_connection(("127.0.0.1", server.port), timeout=5)  # plain HTTP to the TLS port
    plain.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        plain.recv(1024)
    except OSError:
        pass
    plain.close()
    assert server.get("/healthz") == (200, "ok\n")
    assert server.proc.poll() is None


def peer_serial(server) -> int:
    from cryptography import x509

    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        with server.ssl_context().wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True)).serial_number


def test_certificate_rotation_is_picked_up_without_dropping_connections(server):
    assert peer_serial(server) == server.serial
    kept = server.connection()
    assert server.request("GET", "/healthz", conn=kept)[0] == 200  # an open keep-alive connection
    # rotate as cert-manager does: new files written in place
    cert, key, serial = certs.make_server_cert(server.dir, server.ca, stem="next")
    server.key.write_bytes(key.read_bytes())
    server.cert.write_bytes(cert.read_bytes())
    for _ in range(400):  # bounded polling; the server checks every 0.2 s
        if peer_serial(server) == serial:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the new certificate was not served:\n" + server.logs())
    review = admission_review("CREATE", deployment())
    assert server.review(review, conn=kept) == response(review["request"]["uid"])  # old connection still served
    kept.close()
    assert server.metric("kubevet_reloads_total", what="tls", outcome="reloaded") >= 1
    assert any(line["msg"] == "tls certificate reloaded" for line in map(json.loads, server.logs().splitlines()))


def test_sigterm_finishes_the_request_in_flight(server):
    review = admission_review("CREATE", deployment())
    body = json.dumps(review).encode()
    conn = server.connection()
    conn.putrequest("POST", "/validate")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    conn.send(body[:100])
    assert server.get("/healthz")[0] == 200  # the server has read the first part by now
    os.kill(server.proc.pid, signal.SIGTERM)
    conn.send(body[100:])
    reply = conn.getresponse()
    assert reply.status == 200
    assert json.loads(reply.read()) == response(review["request"]["uid"])
    conn.close()
    assert server.proc.wait(timeout=30) == 0
    assert any(json.loads(line)["msg"] == "worker stopped" for line in server.logs().splitlines())


def test_workers_share_the_port_and_add_up_their_metrics(start):
    server = start(["--config", ".kubevet.yaml"], files={".kubevet.yaml": CONFIG}, workers=2)
    for i in range(20):
        review = admission_review("CREATE", deployment(name=f"w{i}"))
        assert server.review(review) == response(review["request"]["uid"])
    assert server.metric("kubevet_admission_requests_total", verdict="allowed") == 20
    for _ in range(600):  # bounded: until the second worker has started too
        pids = {line["pid"] for line in server.log_lines("worker ready")}
        if len(pids) == 2:
            break
        time.sleep(0.05)
    assert len(pids) == 2, server.logs()
    assert server.stop() == 0


@pytest.mark.parametrize("policy", ["allow", "deny"])
def test_a_rule_that_raises_is_answered_fail_open_or_closed(start, policy):
    config = CONFIG.replace("serve:\n", f"serve:\n  on-rule-error: {policy}\n").replace(
        "select: [", "select: [test-crash, ")
    server = start(["--config", ".kubevet.yaml"], files={".kubevet.yaml": config},
                   command=[sys.executable, str(HERE / "crashing_kubevet.py")])
    review = admission_review("CREATE", deployment(name="boom"))
    raised = "rule test-crash (TST901) raised RuntimeError: boom goes the rule"
    if policy == "allow":
        expected = response(review["request"]["uid"], warnings=[f"kubevet internal error, allowed (fail-open): {raised}"])
    else:
        expected = response(review["request"]["uid"], False, warnings=[f"kubevet internal error, denied (fail-closed): {raised}"],
                            status={"code": 403, "reason": "Forbidden",
                                    "message": f"kubevet denied Deployment shop/boom: a rule failed and serve.on-rule-error is deny: {raised}"})
    assert server.review(review) == expected
    crashed = server.log_lines("rule crashed")
    assert len(crashed) == 1 and "boom goes the rule" in crashed[0]["error"]
    assert server.metric("kubevet_rule_errors_total") == 1
    assert server.review(admission_review("CREATE", deployment(name="fine")))["response"]["allowed"] is True


def test_plain_http_only_with_insecure(start, tmp_path):
    server = start(["--no-config"], tls=False)
    review = admission_review("CREATE", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})
    assert server.review(review) == response(review["request"]["uid"])
    run = subprocess.run([sys.executable, "-m", "kubevet", "serve", "--port", "1", "--no-config"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "--tls-cert and --tls-key are required (plain HTTP only with --insecure" in run.stderr


@pytest.mark.parametrize(
    "config, message",
    [
        ("serve:\n  mode: strict\n", "serve.mode: 'strict' is not one of enforce, warn, off"),
        ("serve:\n  deletion-guard: {kind: [Secret]}\n", "unknown setting kind"),
        ("serve: [1]\n", "serve: must be a map of settings"),
    ],
)
def test_bad_serve_settings_exit_2(tmp_path, config, message):
    (tmp_path / "c.yaml").write_text(config)
    ca = certs.make_ca(tmp_path)
    cert, key, _ = certs.make_server_cert(tmp_path, ca)
    run = subprocess.run([sys.executable, "-m", "kubevet", "serve", "--port", "1", "--config", str(tmp_path / "c.yaml"),
                          "--tls-cert", str(cert), "--tls-key", str(key)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stderr
    assert message in run.stderr and "Traceback" not in run.stderr


def test_unreadable_tls_files_exit_2(tmp_path):
    run = subprocess.run([sys.executable, "-m", "kubevet", "serve", "--tls-cert", str(tmp_path / "no.crt"),
                          "--tls-key", str(tmp_path / "no.key")], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "no such file" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("content, message", [
    (None, "--context: {path}: no such file or directory"),
    ("apiVersion: v1\nkind: Namespace\nmetadata: {name: a\n", "--context: {path}:3: YAML syntax error"),
])
def test_unreadable_context_exits_2(tmp_path, content, message):
    path = tmp_path / "context.yaml"
    if content is not None:
        path.write_text(content)
    run = subprocess.run([sys.executable, "-m", "kubevet", "serve", "--insecure", "--port", "1", "--no-config",
                          "--context", str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and message.format(path=path) in run.stderr and "Traceback" not in run.stderr


def test_a_broken_context_reload_keeps_the_previous_context(start):
    context = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels: {kubevet.io/mode: warn}\n"
    server = start(["--config", ".kubevet.yaml", "--context", "ctx.yaml"],
                   files={".kubevet.yaml": CONFIG, "ctx.yaml": context})
    review = lambda: admission_review("CREATE", deployment(namespace="team-a", privileged=True))  # noqa: E731
    assert server.review(review())["response"]["allowed"] is True  # warn mode from the label
    (server.dir / "ctx.yaml").write_text("apiVersion: v1\nkind: [broken\n")
    for _ in range(400):  # bounded polling for the failed reload
        if server.log_lines("context reload failed; keeping the previous context"):
            break
        time.sleep(0.05)
    else:
        raise AssertionError(server.logs())
    assert server.review(review())["response"]["allowed"] is True
    assert server.metric("kubevet_reloads_total", what="context", outcome="failed") == 1
    assert server.get("/readyz") == (200, "ready\n")


def test_connections_over_the_limit_get_503(start):
    server = start(["--config", ".kubevet.yaml", "--max-connections", "2"], files={".kubevet.yaml": CONFIG})
    first, second, third = server.connection(), server.connection(), server.connection()
    assert server.request("GET", "/healthz", conn=first)[0] == 200
    assert server.request("GET", "/healthz", conn=second)[0] == 200  # two open keep-alive connections
    status, _, body = server.request("GET", "/healthz", conn=third)
    assert (status, body) == (503, b"Service Unavailable")
    for conn in (first, second, third):
        conn.close()
    for _ in range(200):  # served again once the server has seen them close (bounded polling)
        if server.get("/healthz") == (200, "ok\n"):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("still refused after the connections closed")


def test_headers_that_never_complete_get_the_connection_closed(server):
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=20)
    tls = server.ssl_context().wrap_socket(raw, server_hostname="127.0.0.1")
    tls.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-")  # and nothing more
    assert server.get("/healthz") == (200, "ok\n")  # others are served meanwhile
    try:
        assert tls.recv(1024) == b""  # closed by the server (--body-timeout 1), not answered
    except (ConnectionResetError, ssl.SSLError):
        pass  # closed without a TLS close_notify: closed all the same
    tls.close()
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=20)
    silent = server.ssl_context().wrap_socket(raw, server_hostname="127.0.0.1")  # a handshake, then nothing
    try:
        assert silent.recv(1024) == b""
    except (ConnectionResetError, ssl.SSLError):
        pass
    silent.close()
