"""A real control plane for the tests: etcd and kube-apiserver on free loopback ports.

The binaries come from ``scripts/control-plane.sh`` (built from Go modules pinned in
``controlplane/``, cached). Everything else is made here, per test session: a CA, the API
server's serving certificate for 127.0.0.1, an admin client certificate (group
``system:masters``), a second client certificate without any group (to see RBAC refuse), the
service-account signing key pair, and a kubeconfig. The API server runs with
``--authorization-mode=RBAC`` and its default admission plugins; both processes are stopped
by the PIDs this module started.

Certificates are made with ``cryptography`` (pyca): the maintained Python binding to
OpenSSL, which writes the PEM files kube-apiserver reads.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "control-plane.sh"
LOOPBACK = "127.0.0.1"
READY_WAIT_S = 180  # kube-apiserver starts in 10-30 s on 2 cores; a bound, not an assertion


class ControlPlaneUnavailable(Exception):
    """The binaries are absent and cannot be built here (no Go): the reason is the message."""


def binaries(build: bool = True) -> Path:
    """The directory holding ``etcd`` and ``kube-apiserver``, built first when missing."""
    directory = Path(subprocess.run([str(SCRIPT), "dir"], check=True, capture_output=True, text=True).stdout.strip())
    if (directory / "etcd").exists() and (directory / "kube-apiserver").exists():
        return directory
    if not build:
        raise ControlPlaneUnavailable(f"the control plane is not built in {directory}")
    if subprocess.run(["sh", "-c", "command -v go"], capture_output=True).returncode != 0:
        raise ControlPlaneUnavailable(
            f"kube-apiserver is not built in {directory} and Go is not installed to build it "
            "(scripts/control-plane.sh build needs Go and the Go module proxy)"
        )
    done = subprocess.run([str(SCRIPT), "build"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/control-plane.sh build failed:\n{done.stderr[-4000:]}")
    return Path(done.stdout.strip())


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


# --- certificates -------------------------------------------------------------------------


@dataclass
class KeyPair:
    cert_pem: bytes
    key_pem: bytes
    cert: x509.Certificate = field(repr=False)
    key: object = field(repr=False)

    def write(self, directory: Path, name: str) -> tuple[Path, Path]:
        cert, key = directory / f"{name}.crt", directory / f"{name}.key"
        cert.write_bytes(self.cert_pem)
        key.write_bytes(self.key_pem)
        key.chmod(0o600)
        return cert, key


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def make_ca(common_name: str = "kubevet-test-ca") -> KeyPair:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key), cert, key)


def issue(
    ca: KeyPair,
    common_name: str,
    *,
    organizations: tuple[str, ...] = (),
    server: bool = False,
    ips: tuple[str, ...] = (),
    dns: tuple[str, ...] = (),
) -> KeyPair:
    """A leaf certificate signed by ``ca``: a serving one (SANs) or a client one (CN=user, O=groups)."""
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
    )
    if ips or dns:
        names = [x509.IPAddress(ipaddress.ip_address(i)) for i in ips] + [x509.DNSName(d) for d in dns]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(ca.key, hashes.SHA256())
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key), cert, key)


def service_account_keys(directory: Path) -> tuple[Path, Path]:
    """The RSA key pair that signs and verifies service-account tokens."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private, public = directory / "sa.key", directory / "sa.pub"
    private.write_bytes(_key_pem(key))
    private.chmod(0o600)
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return private, public


# --- processes ----------------------------------------------------------------------------


@dataclass
class ControlPlane:
    """A running etcd + kube-apiserver; ``kubeconfig`` logs in as the admin."""

    directory: Path
    server: str
    ca: KeyPair
    admin: KeyPair
    kubeconfig: Path
    context: str
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def ssl_context(self, client: KeyPair | None = None) -> ssl.SSLContext:
        context = ssl.create_default_context(cadata=self.ca.cert_pem.decode())
        client = client or self.admin
        cert, key = client.write(self.directory, f"client-{client.cert.serial_number:x}")
        context.load_cert_chain(cert, key)
        return context

    def get(self, path: str, client: KeyPair | None = None) -> tuple[int, str]:
        """GET ``path`` from the API server as ``client`` (the admin by default): (status, body)."""
        try:
            with urllib.request.urlopen(self.server + path, context=self.ssl_context(client), timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def user(self, name: str, groups: tuple[str, ...] = ()) -> KeyPair:
        """A client certificate for ``name`` in ``groups``, trusted by the API server."""
        return issue(self.ca, name, organizations=groups)

    def write_kubeconfig(self, path: Path, client: KeyPair, user: str) -> Path:
        b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "kubevet-test", "cluster": {"server": self.server, "certificate-authority-data": b64(self.ca.cert_pem)}}],
            "users": [{"name": user, "user": {"client-certificate-data": b64(client.cert_pem), "client-key-data": b64(client.key_pem)}}],
            "contexts": [{"name": self.context, "context": {"cluster": "kubevet-test", "user": user}}],
            "current-context": self.context,
        }
        path.write_text(yaml.safe_dump(config))
        path.chmod(0o600)
        return path

    def log_tail(self, chars: int = 3000) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-chars:]}" for p in self.logs if p.exists())

    def stop(self) -> None:
        """Stop the processes this control plane started, by their PIDs, newest first."""
        for proc in reversed(self.processes):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)


def _start(argv: list[str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _wait(check, proc: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + READY_WAIT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        if check():
            return
        time.sleep(0.5)
    raise RuntimeError(f"{what} was not ready after {READY_WAIT_S} s:\n{log.read_text(errors='replace')[-4000:]}")


def start(directory: Path, bindir: Path) -> ControlPlane:
    """Start etcd, then kube-apiserver against it; return once ``/readyz`` answers ok."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = make_ca()
    ca_file = directory / "ca.crt"
    ca_file.write_bytes(ca.cert_pem)
    serving = issue(ca, "kube-apiserver", server=True, ips=(LOOPBACK,), dns=("localhost", "kubernetes", "kubernetes.default.svc"))
    serving_cert, serving_key = serving.write(directory, "apiserver")
    admin = issue(ca, "kubevet-admin", organizations=("system:masters",))
    sa_private, sa_public = service_account_keys(directory)

    plane = ControlPlane(directory, "", ca, admin, directory / "kubeconfig", "kubevet-test")
    try:
        etcd_port, peer_port = free_port(), free_port()
        etcd_url = f"http://{LOOPBACK}:{etcd_port}"
        peer_url = f"http://{LOOPBACK}:{peer_port}"
        etcd_log = directory / "etcd.log"
        plane.logs.append(etcd_log)
        etcd = _start(
            [
                str(bindir / "etcd"),
                "--name=kubevet-test",
                f"--data-dir={directory / 'etcd-data'}",
                f"--listen-client-urls={etcd_url}",
                f"--advertise-client-urls={etcd_url}",
                f"--listen-peer-urls={peer_url}",
                f"--initial-advertise-peer-urls={peer_url}",
                f"--initial-cluster=kubevet-test={peer_url}",
                "--unsafe-no-fsync=true",  # test data: durability is not the point, speed is
                "--log-level=warn",
            ],
            etcd_log,
        )
        plane.processes.append(etcd)
        _wait(lambda: _http_ok(f"{etcd_url}/health"), etcd, "etcd", etcd_log)

        port = free_port()
        plane.server = f"https://{LOOPBACK}:{port}"
        api_log = directory / "kube-apiserver.log"
        plane.logs.append(api_log)
        api = _start(
            [
                str(bindir / "kube-apiserver"),
                f"--etcd-servers={etcd_url}",
                f"--bind-address={LOOPBACK}",
                f"--advertise-address={LOOPBACK}",
                f"--secure-port={port}",
                f"--cert-dir={directory / 'certs'}",
                f"--tls-cert-file={serving_cert}",
                f"--tls-private-key-file={serving_key}",
                f"--client-ca-file={ca_file}",
                "--authorization-mode=RBAC",
                "--anonymous-auth=false",
                f"--service-account-key-file={sa_public}",
                f"--service-account-signing-key-file={sa_private}",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                # as real clusters run: privileged containers allowed (kubeadm and every
                # managed offering set this), dual-stack Services
                "--allow-privileged=true",
                # ranges to allocate ClusterIPs from (IPv4 and IPv6); nothing is ever sent there
                "--service-cluster-ip-range=10.96.0.0/16,fd00:10:96::/112",
                "--profiling=false",
                "--v=1",
            ],
            api_log,
        )
        plane.processes.append(api)
        context = plane.ssl_context()
        _wait(lambda: _http_ok(f"{plane.server}/readyz", context), api, "kube-apiserver", api_log)
        plane.write_kubeconfig(plane.kubeconfig, admin, "kubevet-admin")
    except BaseException:
        plane.stop()
        raise
    return plane


def _http_ok(url: str, context: ssl.SSLContext | None = None) -> bool:
    try:
        with urllib.request.urlopen(url, context=context, timeout=5) as r:
            return r.status == 200
    except (OSError, urllib.error.URLError):
        return False

