"""Helpers of the webhook tests (imported by them; not a conftest.py, which would shadow
the suite's own ``conftest`` module): start the real webhook (``kubevet serve`` in its own process) on a free loopback port,
with TLS certificates made in the test, and talk to it over real HTTPS.

Every server is stopped by the PID the test started (SIGTERM, then SIGKILL if it hangs).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import certs  # noqa: E402
import pytest  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One ``kubevet serve`` process, and an HTTPS client for it."""

    def __init__(self, directory: Path, args: list[str], tls: bool = True, command: list[str] | None = None,
                 workers: int = 1) -> None:
        self.dir = directory
        self.port = free_port()
        self.tls = tls
        self.log_path = directory / f"serve-{self.port}.log"
        self.ca = certs.make_ca(directory) if tls else None
        argv = [*(command or [sys.executable, "-m", "kubevet"]), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(workers), "--reload-interval", "0.2", *args]
        if tls:
            self.cert, self.key, self.serial = certs.make_server_cert(directory, self.ca)
            argv += ["--tls-cert", str(self.cert), "--tls-key", str(self.key)]
        else:
            argv += ["--insecure"]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, cwd=directory)
        self.wait_ready()

    # --- client side
    def ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.dir / "ca.pem"))
        return ctx

    def connection(self, timeout: float = 10) -> http.client.HTTPConnection:
        if self.tls:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=self.ssl_context())
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None, conn=None):
        own = conn is None
        conn = conn or self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.getheader("content-type"), resp.read()
        finally:
            if own:
                conn.close()

    def review(self, review: dict, conn=None) -> dict:
        status, ctype, body = self.request(
            "POST", "/validate", json.dumps(review).encode(), {"Content-Type": "application/json"}, conn
        )
        assert status == 200, body
        assert ctype == "application/json"
        return json.loads(body)

    def get(self, path: str) -> tuple[int, str]:
        status, _, body = self.request("GET", path)
        return status, body.decode()

    def wait_ready(self, deadline: float = 60) -> None:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise AssertionError(f"kubevet serve exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                if self.get("/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"kubevet serve did not become ready:\n{self.logs()}")

    def logs(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def log_lines(self, msg: str = "admission") -> list[dict]:
        out = []
        for line in self.logs().splitlines():
            data = json.loads(line)  # every line is one JSON object
            if data.get("msg") == msg:
                out.append(data)
        return out

    def metric(self, name: str, **labels) -> float:
        """The value of one sample on /metrics (0 when absent)."""
        from prometheus_client.parser import text_string_to_metric_families

        status, text = self.get("/metrics")
        assert status == 200
        total = 0.0
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                    total += sample.value
        return total

    def stop(self, sig=signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


@pytest.fixture
def start(tmp_path):
    """start(args=[...], files={name: text}) -> a running Server; stopped after the test."""
    servers: list[Server] = []

    def _start(args=(), files=None, **kw) -> Server:
        directory = tmp_path / f"s{len(servers)}"
        directory.mkdir()
        for name, text in (files or {}).items():
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        server = Server(directory, list(args), **kw)
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.stop()


def admission_review(operation: str, obj: dict | None, old: dict | None = None, *, namespace: str | None = None,
                     dry_run: bool = False, sub_resource: str | None = None, user: str = "jane",
                     groups=("system:authenticated",), uid: str | None = None) -> dict:
    """An AdmissionReview as the API server sends it (admission.k8s.io/v1, from the API reference)."""
    some = obj or old or {}
    api_version = some.get("apiVersion", "v1")
    group, _, version = api_version.rpartition("/")
    kind = some.get("kind", "")
    meta = some.get("metadata", {})
    resource = kind.lower() + "s"
    request = {
        "uid": uid or str(uuid.uuid4()),
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "requestResource": {"group": group, "version": version, "resource": resource},
        "name": meta.get("name"),
        "namespace": namespace if namespace is not None else meta.get("namespace"),
        "operation": operation,
        "userInfo": {"username": user, "uid": "014fbff9a07c", "groups": list(groups), "extra": {}},
        "object": obj,
        "oldObject": old,
        "dryRun": dry_run,
        "options": {"apiVersion": "meta.k8s.io/v1",
                    "kind": {"CREATE": "CreateOptions", "UPDATE": "UpdateOptions", "DELETE": "DeleteOptions"}.get(operation, "CreateOptions")},
    }
    if sub_resource:
        request["subResource"] = sub_resource
        request["requestSubResource"] = sub_resource
    if request["namespace"] is None:
        del request["namespace"]
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}
