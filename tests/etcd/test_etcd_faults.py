"""Faults during a run: each stops it at once, names the member, defragments nothing more.

The destructive cases (a member killed, removed, the leader moved) get a fresh 3-member
cluster each; a small real HTTP server on loopback plays a member whose replies are garbage.
"""

from __future__ import annotations

import http.server
import threading
import time
import urllib.error

import pytest
from etcd_cluster import Cluster
from etcd_run import finish, kubevet, start, wait_for_line

LOW = ["--defrag-min-free", "1Mi", "--defrag-min-free-percent", "10"]


@pytest.fixture()
def cluster():
    c = Cluster(size=3).start()
    try:
        c.fragment(16)
        yield c
    finally:
        c.stop()


def sizes(c: Cluster) -> dict[str, int]:
    return {n.endpoint: int(c.status(n)["dbSize"]) for n in c.alive()}


def defragmented(doc: dict) -> list[str]:
    return [s["endpoint"] for s in doc["steps"] if s["outcome"] in ("done", "failed")]


def test_member_killed_during_its_defragmentation(cluster):
    before = sizes(cluster)
    proc = start("defrag", "--endpoints", cluster.endpoints(), "--yes", "--pause", "0", "--format", "json",
                 "--catchup-timeout", "5s", *LOW)
    seen = wait_for_line(proc, "defragmenting ")
    victim = next(n for n in cluster.nodes if n.endpoint in seen[-1])
    cluster.kill(victim)
    r = finish(proc, seen)
    assert r.code == 1, r
    doc = r.json()
    assert doc["outcome"] == "stopped" and victim.endpoint in doc["error"]
    assert defragmented(doc) == [victim.endpoint]
    assert [s["outcome"] for s in doc["steps"]] == ["failed", "skipped", "skipped"]
    for n in cluster.alive():  # the others were not touched
        assert sizes(cluster)[n.endpoint] == before[n.endpoint]


def test_member_removed_mid_run(cluster):
    before = sizes(cluster)
    proc = start("defrag", "--endpoints", cluster.endpoints(), "--yes", "--pause", "6s", "--format", "json", *LOW)
    seen = wait_for_line(proc, "pausing")
    first = next(n for n in cluster.nodes if "defragmenting " + n.name in "".join(seen))
    gone = next(n for n in cluster.followers() if n is not first)
    for _ in range(20):  # etcd answers 503 while it judges a member too recently unreachable to lose another
        try:
            cluster.request(cluster.leader(), "/v3/cluster/member/remove", {"ID": str(cluster.id_of(gone))})
            break
        except urllib.error.HTTPError as exc:
            assert exc.code == 503
            time.sleep(0.2)
    r = finish(proc, seen)
    assert r.code == 1, r
    doc = r.json()
    assert "member list changed" in doc["error"] and "removed" in doc["error"]
    assert defragmented(doc) == [first.endpoint]
    after = sizes(cluster)
    assert after[first.endpoint] < before[first.endpoint]
    for n in cluster.alive():
        if n is not first:
            assert after[n.endpoint] == before[n.endpoint]


def test_a_member_down_before_the_run_refuses_it(cluster):
    """One of three members dead: defragmenting another would leave one of three serving
    (no quorum). The run refuses before touching anything and names the dead member."""
    dead = cluster.followers()[0]
    cluster.kill(dead)
    before = sizes(cluster)
    alive = ",".join(n.endpoint for n in cluster.alive())
    r = kubevet("defrag", "--endpoints", alive, "--cluster", "--yes", "--pause", "0", "--format", "json", *LOW)
    assert r.code == 1, r
    doc = r.json()
    assert doc["outcome"] in ("refused", "stopped") and dead.endpoint in doc["error"], doc
    assert defragmented(doc) == [] and doc["lock"] == "not taken"
    assert sizes(cluster) == before
    status = kubevet("status", "--endpoints", alive, "--cluster", "--format", "json")
    assert status.code == 1 and any(v["name"] == "member-unreachable" and v["member"] == dead.endpoint
                                    for v in status.json()["verdicts"])


def test_leader_change_mid_run(cluster):
    before = sizes(cluster)
    old = cluster.leader()
    proc = start("defrag", "--endpoints", cluster.endpoints(), "--yes", "--pause", "3s", "--format", "json", *LOW)
    seen = wait_for_line(proc, "pausing")
    first = next(n for n in cluster.nodes if "defragmenting " + n.name in "".join(seen))
    cluster.move_leader(next(n for n in cluster.followers() if n is not first))
    r = finish(proc, seen)
    assert r.code == 1, r
    doc = r.json()
    assert "leader changed from " + old.name in doc["error"]
    assert defragmented(doc) == [first.endpoint]
    after = sizes(cluster)
    assert all(after[n.endpoint] == before[n.endpoint] for n in cluster.nodes if n is not first)


class Garbage(http.server.BaseHTTPRequestHandler):
    """Answers every request with what ``mode`` says: not etcd's JSON."""

    mode = "garbage"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.answer()

    do_GET = do_POST  # noqa: N815

    def answer(self):
        if self.mode == "silent":  # accepts, never answers: the per-request timeout ends it
            time.sleep(2.5)
            return
        if self.mode == "truncated":
            body = b'{"header":{"member_id":"1"},"version":"3.4.23","dbSize":"'
            self.send_response(200)
            self.send_header("Content-Length", "400")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        body = {"garbage": b"\x00<html>not json", "array": b"[1, 2, 3]",
                "strings": b'{"header":{"member_id":"12"},"version":"3.4.23","dbSize":"lots"}'}[self.mode]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("mode, message", [
    ("garbage", "not JSON"), ("array", "not an object"), ("truncated", "truncated"), ("strings", "not a number"),
    ("silent", "timed out after 1s"),
])
def test_malformed_or_truncated_replies(mode, message):
    handler = type("H", (Garbage,), {"mode": mode})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        r = kubevet("status", "--endpoints", endpoint, "--command-timeout", "1s")
        assert r.code == 1, r
        assert endpoint in r.out and message in r.out, r
        d = kubevet("defrag", "--endpoints", endpoint, "--yes", "--command-timeout", "1s")
        assert d.code == 1 and endpoint in d.out and message in d.out, d
    finally:
        server.shutdown()
        server.server_close()
