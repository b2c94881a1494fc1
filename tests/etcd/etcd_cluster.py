"""Start an N-member etcd cluster on free loopback ports in a temporary directory.

Used by the etcd tests, and by hand::

    python tests/etcd/etcd_cluster.py 3 [--tls]     # prints the endpoints, Ctrl-C stops it

Every member is the real ``etcd`` binary (Debian's etcd-server, installed by
scripts/install-test-tools.sh) listening on 127.0.0.1 only. The TLS variant generates a CA,
a server certificate for 127.0.0.1 and a client certificate with ``cryptography`` and
starts etcd with ``--client-cert-auth`` (peers talk plain HTTP on loopback). The cluster
stops the processes by the PIDs it started, nothing else.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ETCD = shutil.which("etcd") or "/usr/bin/etcd"


def _die_with_parent() -> None:
    """In the member's process before exec: the kernel kills it when the process that started
    it dies (PR_SET_PDEATHSIG), so a test run that is itself killed (a CI timeout, SIGKILL)
    leaves no etcd behind; stop() remains the normal way out."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass


def free_ports(n: int) -> list[int]:
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


@dataclass
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path  # a CA that signed nothing here: the "wrong CA" case
    other_client_cert: Path  # a client certificate signed by other_ca
    other_client_key: Path


def make_pki(directory: Path) -> Pki:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)

    def write_key(key, path: Path) -> None:
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))

    def ca(name: str):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                             content_commitment=False, key_encipherment=False, data_encipherment=False,
                                             key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        return key, cert

    def leaf(ca_key, ca_cert, name: str, usage, sans):
        key = ec.generate_private_key(ec.SECP256R1())
        b = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
             .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
             .add_extension(x509.ExtendedKeyUsage(usage), critical=False))
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return key, b.sign(ca_key, hashes.SHA256())

    def pem(cert) -> bytes:
        return cert.public_bytes(serialization.Encoding.PEM)

    ca_key, ca_cert = ca("kubevet-test-etcd-ca")
    other_key, other_cert = ca("some-other-ca")
    sans = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    s_key, s_cert = leaf(ca_key, ca_cert, "etcd-server", [ExtendedKeyUsageOID.SERVER_AUTH,
                                                          ExtendedKeyUsageOID.CLIENT_AUTH], sans)
    c_key, c_cert = leaf(ca_key, ca_cert, "kubevet", [ExtendedKeyUsageOID.CLIENT_AUTH], [])
    o_key, o_cert = leaf(other_key, other_cert, "intruder", [ExtendedKeyUsageOID.CLIENT_AUTH], [])
    pki = Pki(*(directory / n for n in ("ca.crt", "server.crt", "server.key", "client.crt", "client.key",
                                         "other-ca.crt", "other-client.crt", "other-client.key")))
    pki.ca.write_bytes(pem(ca_cert))
    pki.server_cert.write_bytes(pem(s_cert))
    write_key(s_key, pki.server_key)
    pki.client_cert.write_bytes(pem(c_cert))
    write_key(c_key, pki.client_key)
    pki.other_ca.write_bytes(pem(other_cert))
    pki.other_client_cert.write_bytes(pem(o_cert))
    write_key(o_key, pki.other_client_key)
    return pki


@dataclass
class Node:
    name: str
    client_port: int
    peer_port: int
    data_dir: Path
    log: Path
    proc: subprocess.Popen | None = None
    scheme: str = "http"

    @property
    def endpoint(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"http://127.0.0.1:{self.peer_port}"


@dataclass
class Cluster:
    size: int = 3
    tls: bool = False
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="kubevet-etcd-")))
    nodes: list[Node] = field(default_factory=list)
    pki: Pki | None = None

    def start(self, timeout: float = 30.0) -> Cluster:
        if self.tls:
            self.pki = make_pki(self.root / "pki")
        ports = free_ports(2 * self.size)
        token = f"kubevet-{os.getpid()}-{ports[0]}"
        for i in range(self.size):
            name = f"m{i + 1}"
            self.nodes.append(Node(name, ports[2 * i], ports[2 * i + 1], self.root / name, self.root / f"{name}.log",
                                   scheme="https" if self.tls else "http"))
        initial = ",".join(f"{n.name}={n.peer_url}" for n in self.nodes)
        for n in self.nodes:
            self._spawn(n, ["--initial-cluster", initial, "--initial-cluster-state", "new",
                            "--initial-cluster-token", token])
        self.wait_healthy(timeout)
        return self

    def _spawn(self, n: Node, extra: list[str]) -> None:
        args = [ETCD, "--name", n.name, "--data-dir", str(n.data_dir),
                "--listen-client-urls", n.endpoint, "--advertise-client-urls", n.endpoint,
                "--listen-peer-urls", n.peer_url, "--initial-advertise-peer-urls", n.peer_url,
                "--heartbeat-interval", "100", "--election-timeout", "1000", "--logger", "zap",
                "--log-outputs", "stderr", "--snapshot-count", "100000", *extra]
        if self.tls:
            assert self.pki is not None
            args += ["--cert-file", str(self.pki.server_cert), "--key-file", str(self.pki.server_key),
                     "--trusted-ca-file", str(self.pki.ca), "--client-cert-auth"]
        log = open(n.log, "ab")
        n.proc = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True,
                                  preexec_fn=_die_with_parent)
        log.close()

    # -- talking to members (plain urllib: the tests must not depend on the code under test) --

    def request(self, node: Node, path: str, body: dict | None = None, timeout: float = 5.0) -> dict:
        import ssl

        ctx = None
        if self.tls:
            assert self.pki is not None
            ctx = ssl.create_default_context(cafile=str(self.pki.ca))
            ctx.load_cert_chain(str(self.pki.client_cert), str(self.pki.client_key))
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(node.endpoint + path, data=data, method="POST" if data is not None else "GET")
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as resp:
            return json.loads(resp.read())

    def status(self, node: Node) -> dict:
        return self.request(node, "/v3/maintenance/status", {})

    def healthy(self, node: Node) -> bool:
        try:
            return self.request(node, "/health", timeout=2).get("health") == "true"
        except (OSError, ValueError):
            return False

    def wait_healthy(self, timeout: float = 30.0, nodes: list[Node] | None = None) -> None:
        deadline = time.monotonic() + timeout
        for n in nodes or self.alive():
            while not self.healthy(n):
                if n.proc is not None and n.proc.poll() is not None:
                    raise RuntimeError(f"etcd {n.name} exited:\n{n.log.read_text(errors='replace')[-3000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"etcd {n.name} not healthy in {timeout}s:\n"
                                       f"{n.log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.1)

    def alive(self) -> list[Node]:
        return [n for n in self.nodes if n.proc is not None and n.proc.poll() is None]

    def id_of(self, node: Node) -> int:
        return int(self.status(node)["header"]["member_id"])

    def leader(self) -> Node:
        for _ in range(100):
            for n in self.alive():
                try:
                    st = self.status(n)
                except OSError:
                    continue
                if st.get("leader") and st["leader"] == st["header"]["member_id"]:
                    return n
            time.sleep(0.1)
        raise RuntimeError("no leader")

    def followers(self) -> list[Node]:
        lead = self.leader()
        return [n for n in self.alive() if n is not lead]

    def move_leader(self, target: Node) -> None:
        self.request(self.leader(), "/v3/maintenance/transfer-leadership", {"targetID": str(self.id_of(target))})

    def endpoints(self) -> str:
        return ",".join(n.endpoint for n in self.nodes)

    def tls_args(self) -> list[str]:
        if not self.tls:
            return []
        assert self.pki is not None
        return ["--cacert", str(self.pki.ca), "--cert", str(self.pki.client_cert), "--key", str(self.pki.client_key)]

    # -- data --------------------------------------------------------------------------------

    def put_many(self, items: dict[str, bytes], batch: int = 100) -> None:
        keys = list(items)
        node = self.leader()
        for i in range(0, len(keys), batch):
            ops = [{"request_put": {"key": b64(k), "value": b64(items[k])}} for k in keys[i:i + batch]]
            self.request(node, "/v3/kv/txn", {"success": ops}, timeout=30)

    def delete_prefix(self, prefix: str) -> None:
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        self.request(self.leader(), "/v3/kv/deleterange", {"key": b64(prefix), "range_end": b64(end)}, timeout=30)

    def compact(self) -> None:
        rev = int(self.status(self.leader())["header"]["revision"])
        self.request(self.leader(), "/v3/kv/compaction", {"revision": str(rev), "physical": True}, timeout=60)

    def fragment(self, megabytes: int = 16, prefix: str = "junk/") -> None:
        """Write about ``megabytes`` MB under ``prefix``, delete it all and compact: free pages on every member."""
        value = os.urandom(8 * 1024)
        self.put_many({f"{prefix}{i:06d}": value for i in range(megabytes * 128)})
        self.delete_prefix(prefix)
        self.compact()
        # the leader compacted before answering (physical); followers compact in the background
        # after applying it: wait until each has freed about as many pages as the leader. bbolt
        # counts the pages a commit frees as free only from the next commit on, so a member
        # whose last commit was the compaction's shows them in use until something is written:
        # a small write now and then (replicated to every member) lets each one count them.
        leader_in_use = int(self.status(self.leader()).get("dbSizeInUse", 0))
        deadline = time.monotonic() + 30
        nudged = time.monotonic()
        for n in self.alive():
            while int(self.status(n).get("dbSizeInUse", 0)) > 2 * leader_in_use + (1 << 20):
                if time.monotonic() > deadline:
                    raise AssertionError(f"{n.name} did not free the compacted pages within 30 s: "
                                         f"{self.status(n).get('dbSizeInUse')} bytes in use, the leader {leader_in_use}")
                if time.monotonic() - nudged > 0.5:
                    self.request(self.leader(), "/v3/kv/put", {"key": b64("kubevet-test/commit"), "value": b64("x")})
                    nudged = time.monotonic()
                time.sleep(0.05)

    def read_all(self, node: Node, prefix: str) -> dict[str, bytes]:
        """Every key under ``prefix`` as ``node`` itself holds it (a serializable read)."""
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        reply = self.request(node, "/v3/kv/range", {"key": b64(prefix), "range_end": b64(end), "serializable": True},
                             timeout=30)
        return {base64.b64decode(kv["key"]).decode(): base64.b64decode(kv.get("value", "")) for kv in reply.get("kvs", [])}

    # -- stopping ----------------------------------------------------------------------------

    def kill(self, node: Node) -> None:
        if node.proc is not None and node.proc.poll() is None:
            node.proc.send_signal(signal.SIGKILL)
            node.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a second: a test cluster's data is thrown away anyway, and a
        leader shutting down gracefully may wait for an election it cannot win."""
        for n in self.nodes:
            if n.proc is not None and n.proc.poll() is None:
                n.proc.terminate()
        for n in self.nodes:
            if n.proc is not None:
                try:
                    n.proc.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    n.proc.kill()
                    n.proc.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def main(argv: list[str]) -> int:
    size = int(argv[0]) if argv and argv[0].isdigit() else 3
    cluster = Cluster(size=size, tls="--tls" in argv)
    with cluster:
        print(cluster.endpoints(), " ".join(cluster.tls_args()), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
