"""Benchmark kubevet serve over real TLS on loopback: HTTP servers compared, then load.

    python benchmarks/bench_serve.py compare [--requests 6000] [--concurrency 16]
    python benchmarks/bench_serve.py load [--rate 300] [--seconds 30] [--soak 100000]

``compare`` runs the same ASGI application (kubevet.serve.app) under uvicorn, granian and
hypercorn, each with 2 worker processes on one port and TLS, and drives each with the
same closed-loop load (C concurrent keep-alive connections) of realistic AdmissionReviews:
throughput and latency percentiles. ``load`` runs ``kubevet serve --workers 2`` as shipped,
first at a fixed rate (latency measured from each request's scheduled time, so queueing
counts), then a soak of --soak requests as fast as the connections go, sampling the
server's resident memory (all its processes) every 10% of the way. The mix: Deployments
(clean and with errors), Pods, Services, Roles and RoleBindings, an UPDATE with oldObject,
a guarded DELETE. Needs the bench extra (pip install -e '.[bench]'): granian, hypercorn,
aiohttp (the load generator). A benchmark, not a test: nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests" / "serve"))

import certs  # noqa: E402  (the tests' certificate maker)

CONFIG = """\
serve:
  deletion-guard:
    kinds: [PersistentVolumeClaim, Secret]
    namespaces: [shop]
"""


def _container(name, good=True):
    c = {"name": name, "image": f"registry.example/{name}:1.4.2", "ports": [{"containerPort": 8080, "name": "http"}]}
    if good:
        c.update({
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi", "ephemeral-storage": "100Mi"},
                          "limits": {"cpu": "500m", "memory": "256Mi", "ephemeral-storage": "200Mi"}},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
            "livenessProbe": {"httpGet": {"path": "/live", "port": "http"}, "periodSeconds": 20},
            "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                "runAsNonRoot": True, "runAsUser": 10001, "capabilities": {"drop": ["ALL"]},
                                "seccompProfile": {"type": "RuntimeDefault"}},
        })
    return c


def _deployment(name, good=True):
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "shop", "uid": str(uuid.uuid4()), "resourceVersion": "41",
                         "labels": labels, "managedFields": [{"manager": "kubectl", "operation": "Apply"}]},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"automountServiceAccountToken": False, "serviceAccountName": name,
                                           "containers": [_container(name, good), _container("sidecar", good)]}}}}


def _review(operation, obj, old=None):
    some = obj or old
    group, _, version = some["apiVersion"].rpartition("/")
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": str(uuid.uuid4()), "kind": {"group": group, "version": version, "kind": some["kind"]},
        "resource": {"group": group, "version": version, "resource": some["kind"].lower() + "s"},
        "name": some["metadata"]["name"], "namespace": "shop", "operation": operation,
        "userInfo": {"username": "ci-deployer", "groups": ["system:authenticated"]},
        "object": obj, "oldObject": old, "dryRun": False}}


def reviews() -> list[bytes]:
    good, bad = _deployment("web"), _deployment("legacy", good=False)
    newer = copy.deepcopy(good)
    newer["spec"]["template"]["metadata"]["labels"]["rev"] = "2"
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug", "namespace": "shop"},
           "spec": {"containers": [_container("debug", good=False)]}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}}
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader", "namespace": "shop"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "reader", "namespace": "shop"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
               "subjects": [{"kind": "ServiceAccount", "name": "web", "namespace": "shop"}]}
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "shop"}}
    mix = [_review("CREATE", good), _review("CREATE", bad), _review("UPDATE", newer, good), _review("CREATE", pod),
           _review("CREATE", service), _review("CREATE", role), _review("CREATE", binding), _review("DELETE", None, pvc),
           _review("CREATE", good), _review("CREATE", service)]
    return [json.dumps(r).encode() for r in mix]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, kind: str, workers: int, directory: Path) -> None:
        self.port = free_port()
        ca = certs.make_ca(directory)
        cert, key, _ = certs.make_server_cert(directory, ca)
        (directory / ".kubevet.yaml").write_text(CONFIG)
        env = dict(os.environ)
        metrics = tempfile.mkdtemp(prefix="bench-metrics-")
        options = {"config": str(directory / ".kubevet.yaml"), "insecure": kind != "uvicorn"}
        env.update({"KUBEVET_SERVE_OPTIONS": json.dumps(options), "PROMETHEUS_MULTIPROC_DIR": metrics})
        app = "kubevet.serve.app:create_app"
        bin_dir = Path(sys.executable).parent
        if kind == "uvicorn":  # kubevet serve as shipped
            argv = [sys.executable, "-m", "kubevet", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                    "--workers", str(workers), "--tls-cert", str(cert), "--tls-key", str(key),
                    "--config", str(directory / ".kubevet.yaml"), "--log-level", "warning"]
            env.pop("PROMETHEUS_MULTIPROC_DIR")
        elif kind == "granian":
            argv = [str(bin_dir / "granian"), "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                    "--port", str(self.port), "--workers", str(workers), "--ssl-certificate", str(cert),
                    "--ssl-keyfile", str(key), "--log-level", "warning", "--no-ws", app]
        elif kind == "hypercorn":
            argv = [str(bin_dir / "hypercorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
                    "--certfile", str(cert), "--keyfile", str(key), "--log-level", "warning", app + "()"]
        else:
            raise SystemExit(f"unknown server {kind}")
        self.proc = subprocess.Popen(argv, env=env, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        self.ca = directory / "ca.pem"
        self.ssl = ssl.create_default_context(cafile=str(self.ca))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as raw:
                    with self.ssl.wrap_socket(raw, server_hostname="127.0.0.1"):
                        break
            except OSError:
                time.sleep(0.1)
        time.sleep(2)  # every worker up

    def _pids(self) -> set[int]:
        found = subprocess.run(["pgrep", "-s", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
        return {self.proc.pid, *map(int, found)}

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server and its workers have used: what a request costs
        whatever else the machine runs, unlike wall-clock figures on a busy machine."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self._pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except (OSError, IndexError, ValueError):
                pass
        return total / ticks

    def rss_mb(self) -> float:
        """Resident memory of the server and all its worker processes."""
        total = 0
        for pid in self._pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total / 1024

    def server_side(self) -> str:
        """The server's own latency histogram (/metrics): the share answered within each bound."""
        import urllib.request

        from prometheus_client.parser import text_string_to_metric_families

        with urllib.request.urlopen(f"https://127.0.0.1:{self.port}/metrics", context=self.ssl) as resp:
            text = resp.read().decode()
        buckets: dict[float, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "kubevet_admission_duration_seconds_bucket":
                    bound = float(sample.labels["le"])
                    buckets[bound] = buckets.get(bound, 0) + sample.value
        total = buckets.get(float("inf"), 0) or 1
        return ", ".join(f"<= {b * 1000:g} ms: {buckets[b] / total:.2%}" for b in sorted(buckets) if b in (0.001, 0.0025, 0.005, 0.01, 0.02))

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


async def _closed_loop(server: Server, bodies: list[bytes], total: int, concurrency: int, on_progress=None):
    import aiohttp

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(total))
    connector = aiohttp.TCPConnector(limit=concurrency, ssl=server.ssl)
    url = f"https://127.0.0.1:{server.port}/validate"
    async with aiohttp.ClientSession(connector=connector) as session:
        async def worker():
            for i in counter:
                body = bodies[i % len(bodies)]
                t0 = time.perf_counter()
                async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as resp:
                    await resp.read()
                    statuses[resp.status] = statuses.get(resp.status, 0) + 1
                latencies.append(time.perf_counter() - t0)
                if on_progress is not None and (i + 1) % max(1, total // 10) == 0:
                    on_progress(i + 1)
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return latencies, elapsed, statuses


async def _fixed_rate(server: Server, bodies: list[bytes], rate: float, seconds: float, concurrency: int = 64):
    import aiohttp

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=concurrency, ssl=server.ssl)
    url = f"https://127.0.0.1:{server.port}/validate"
    total = int(rate * seconds)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter() + 0.2

        async def one(i):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            async with session.post(url, data=bodies[i % len(bodies)], headers={"Content-Type": "application/json"}) as resp:
                await resp.read()
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
            latencies.append(time.perf_counter() - scheduled)

        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - start
    return latencies, elapsed, statuses


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def compare(args) -> None:
    bodies = reviews()
    print(f"| server (2 workers, TLS) | server CPU ms/request | = requests/s on 2 cores | measured requests/s "
          f"({args.concurrency} connections) | p50 ms | p99 ms | at {args.rate:g}/s: p50 ms | p99 ms | statuses |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind in args.servers:
        with tempfile.TemporaryDirectory() as d:
            server = Server(kind, 2, Path(d))
            try:
                asyncio.run(_closed_loop(server, bodies, 500, args.concurrency))  # warm up
                cpu0 = server.cpu_seconds()
                lat, elapsed, statuses = asyncio.run(_closed_loop(server, bodies, args.requests, args.concurrency))
                cpu_ms = (server.cpu_seconds() - cpu0) / len(lat) * 1000
                fixed, _, fixed_statuses = asyncio.run(_fixed_rate(server, bodies, args.rate, args.seconds))
            finally:
                server.stop()
        for code, n in fixed_statuses.items():
            statuses[code] = statuses.get(code, 0) + n
        print(f"| {kind} | {cpu_ms:.2f} | {2000 / cpu_ms:.0f} | {len(lat) / elapsed:.0f} | {_pct(lat, 50):.1f} | {_pct(lat, 99):.1f} "
              f"| {_pct(fixed, 50):.1f} | {_pct(fixed, 99):.1f} | {statuses} |", flush=True)


def load(args) -> None:
    bodies = reviews()
    with tempfile.TemporaryDirectory() as d:
        server = Server("uvicorn", 2, Path(d))
        try:
            asyncio.run(_closed_loop(server, bodies, 500, 8))
            lat, elapsed, statuses = asyncio.run(_fixed_rate(server, bodies, args.rate, args.seconds))
            print(f"fixed rate {args.rate}/s for {args.seconds:g} s: {len(lat) / elapsed:.0f} req/s answered, "
                  f"p50 {_pct(lat, 50):.1f} ms, p99 {_pct(lat, 99):.1f} ms, max {max(lat) * 1000:.1f} ms, {statuses}", flush=True)
            print(f"server-side time (its histogram): {server.server_side()}", flush=True)
            samples = [(0, server.rss_mb())]
            cpu0 = server.cpu_seconds()
            lat, elapsed, statuses = asyncio.run(_closed_loop(
                server, bodies, args.soak, args.concurrency, on_progress=lambda n: samples.append((n, server.rss_mb()))))
            cpu_ms = (server.cpu_seconds() - cpu0) / len(lat) * 1000
            print(f"server CPU per request: {cpu_ms:.2f} ms (= {2000 / cpu_ms:.0f} requests/s on 2 cores)")
            print(f"soak {args.soak} requests, {args.concurrency} connections: {len(lat) / elapsed:.0f} req/s, "
                  f"p50 {_pct(lat, 50):.1f} ms, p99 {_pct(lat, 99):.1f} ms, {statuses}")
            print("server RSS (MB, all processes) by requests answered: "
                  + ", ".join(f"{n}: {mb:.0f}" for n, mb in samples), flush=True)
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("compare")
    c.add_argument("--servers", nargs="+", default=["uvicorn", "granian", "hypercorn"])
    c.add_argument("--requests", type=int, default=6000)
    c.add_argument("--concurrency", type=int, default=16)
    c.add_argument("--rate", type=float, default=300)
    c.add_argument("--seconds", type=float, default=10)
    lo = sub.add_parser("load")
    lo.add_argument("--rate", type=float, default=300)
    lo.add_argument("--seconds", type=float, default=30)
    lo.add_argument("--soak", type=int, default=100_000)
    lo.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    compare(args) if args.mode == "compare" else load(args)


if __name__ == "__main__":
    main()
