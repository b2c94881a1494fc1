"""`kubevet etcd status|defrag` against a real 3-member etcd cluster (one per module)."""

from __future__ import annotations

import base64
import http.server
import json
import os
import threading
import time
import urllib.request

import pytest
from etcd_cluster import Cluster, b64, free_ports
from etcd_run import kubevet, start, wait_for_line

LOW = ["--defrag-min-free", "1Mi", "--defrag-min-free-percent", "10"]  # the test DBs are megabytes, not gigabytes


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(size=3).start()
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture()
def kept(cluster):
    """Data that must survive: 300 keys with distinct values, written before fragmenting."""
    items = {f"keep/{i:04d}": os.urandom(64) + str(i).encode() for i in range(300)}
    cluster.put_many(items)
    return items


def sizes(cluster) -> dict[str, int]:
    return {n.endpoint: int(cluster.status(n)["dbSize"]) for n in cluster.alive()}


def test_status_one_row_per_member_with_metrics(cluster):
    r = kubevet("status", "--endpoints", cluster.nodes[0].endpoint, "--cluster", "--format", "json")
    assert r.code == 0, r
    doc = r.json()
    members = doc["members"]
    assert sorted(m["name"] for m in members) == ["m1", "m2", "m3"]
    assert [m["role"] for m in members].count("leader") == 1
    leader = next(m for m in members if m["role"] == "leader")
    assert all(m["leader"] == leader["id"] for m in members)
    for m in members:
        assert m["healthy"] and m["version"].startswith("3.4")
        assert m["dbSize"] >= m["dbSizeInUse"] > 0
        assert m["quotaBytes"] == 2 * 1024 ** 3  # etcd's default quota, read from /metrics
        assert m["backendCommitP99Seconds"] is not None and m["walFsyncP99Seconds"] is not None
        assert m["leaderChanges"] >= 1 and m["slowApplies"] is not None
        assert m["raftAppliedIndex"] > 0 and m["raftTerm"] >= 2
    text = kubevet("status", "--endpoints", cluster.endpoints())
    assert text.code == 0, text
    assert text.out.splitlines()[0].split()[:5] == ["ENDPOINT", "ID", "NAME", "VERSION", "ROLE"]
    assert sum(1 for line in text.out.splitlines() if " leader " in line) == 1


def test_thresholds_are_flags_and_each_verdict_fires_past_its_own(cluster):
    """The latency and quota verdicts against the real members' figures: quiet at etcd's
    guidance on a loopback cluster, raised when the flags put the threshold below what the
    members measure; warnings exit 0 unless --fail-on warning."""
    cluster.put_many({f"verdicts/{i:03d}": os.urandom(256) for i in range(50)})  # commits and fsyncs to measure
    endpoints = cluster.endpoints()
    quiet = kubevet("status", "--endpoints", endpoints, "--format", "json", "--quota-warn-percent", "80")
    assert quiet.code == 0, quiet
    names = {v["name"] for v in quiet.json()["verdicts"]}
    assert not names & {"quota-nearly-full", "member-lagging", "no-leader", "member-unhealthy"}, quiet.json()["verdicts"]
    assert quiet.json()["thresholds"]["max_commit_p99"] == 0.025 and quiet.json()["thresholds"]["max_fsync_p99"] == 0.010
    tight = ["--max-commit-p99", "0s", "--max-fsync-p99", "0ms", "--quota-warn-percent", "0"]
    r = kubevet("status", "--endpoints", endpoints, "--format", "json", *tight)
    assert r.code == 0, r  # warnings only
    doc = r.json()
    members = {m["endpoint"]: m for m in doc["members"]}
    for name, figure in (("backend-commit-slow", "backendCommitP99Seconds"), ("wal-fsync-slow", "walFsyncP99Seconds"),
                         ("quota-nearly-full", "dbSize")):
        fired = [v for v in doc["verdicts"] if v["name"] == name]
        assert {v["member"] for v in fired} == set(members), (name, doc["verdicts"])
        assert all(v["severity"] == "warning" and members[v["member"]][figure] > 0 for v in fired)
    assert all(0 <= m["quotaPercent"] < 5 for m in members.values())  # megabytes of a 2 GiB quota
    assert doc["thresholds"]["quota_warn_ratio"] == 0 and doc["thresholds"]["max_commit_p99"] == 0
    assert kubevet("status", "--endpoints", endpoints, "--fail-on", "warning", *tight).code == 1
    text = kubevet("status", "--endpoints", endpoints, *tight)
    assert "backend commit p99" in text.out and "above 0 ms" in text.out, text


def test_defrag_followers_one_at_a_time_then_leader_and_no_data_lost(cluster, kept):
    cluster.fragment(16)
    before = sizes(cluster)
    leader = cluster.leader()
    assert all(size > 16 * 1024 * 1024 for size in before.values()), before
    status = kubevet("status", "--endpoints", cluster.endpoints(), "--format", "json", *LOW)
    assert {v["member"] for v in status.json()["verdicts"] if v["name"] == "defrag-worthwhile"} == set(before)

    r = kubevet("defrag", "--endpoints", cluster.nodes[0].endpoint, "--cluster", "--yes", "--pause", "0",
                "--format", "json", *LOW)
    assert r.code == 0, r
    doc = r.json()
    assert doc["outcome"] == "done" and doc["lock"] == "released"
    steps = doc["steps"]
    assert [s["role"] for s in steps] == ["follower", "follower", "leader"]
    assert steps[-1]["endpoint"] == leader.endpoint
    after = sizes(cluster)
    for s in steps:
        assert s["outcome"] == "done"
        assert after[s["endpoint"]] < before[s["endpoint"]] // 4, (before, after)
        assert s["sizeAfter"] < before[s["endpoint"]] // 4  # the report's figure (later writes may add a page)
        assert s["reclaimedBytes"] > 10 * 1024 * 1024
    assert doc["reclaimedBytes"] == sum(s["reclaimedBytes"] for s in steps)
    assert all(0 < s["seconds"] < 30 for s in steps) and doc["seconds"] >= sum(s["seconds"] for s in steps)
    # the progress says the same order, and each member's start comes after the previous one's end
    lines = [line for line in r.err.splitlines() if line.startswith(("defragmenting", "  done"))]
    assert [line.split()[0] for line in lines] == ["defragmenting", "done:"] * 3
    assert [line.split()[1] for line in lines[::2]] == [s["name"] for s in steps]
    for node in cluster.nodes:
        assert cluster.read_all(node, "keep/") == kept, node.name
    # the lock is gone with its lease
    assert not cluster.request(leader, "/v3/kv/range", {"key": b64("kubevet/etcd/defrag-lock")}).get("kvs")


def test_nothing_worth_it_is_nothing_to_do(cluster):
    r = kubevet("defrag", "--endpoints", cluster.endpoints(), "--yes", "--format", "json")
    assert r.code == 0, r
    assert r.json()["outcome"] == "nothing-to-do" and r.json()["steps"] == []


def test_dry_run_prints_the_plan_and_touches_nothing(cluster):
    cluster.fragment(4)
    before = sizes(cluster)
    r = kubevet("defrag", "--endpoints", cluster.endpoints(), "--dry-run", *LOW)
    assert r.code == 0, r
    assert "plan: 3 of 3 members" in r.err and "outcome: dry-run" in r.out
    assert r.err.index("[follower]") < r.err.index("[leader]")
    assert sizes(cluster) == before


def test_not_on_a_terminal_needs_yes(cluster):
    cluster.fragment(4)
    before = sizes(cluster)
    r = kubevet("defrag", "--endpoints", cluster.endpoints(), *LOW)
    assert r.code == 2, r
    assert "--yes" in r.err and "plan:" in r.err
    assert sizes(cluster) == before


def _on_a_terminal(args: list[str], answer: str) -> tuple[int, str, str]:
    """``kubevet etcd`` with its stdin and stderr on a pseudo-terminal (as an operator runs
    it), ``answer`` typed once the question shows; (exit code, stdout, the terminal's text)."""
    import pty
    import select
    import subprocess
    import sys

    from etcd_run import clean_env

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "kubevet", "etcd", *args], stdin=slave, stderr=slave,
                            stdout=subprocess.PIPE, text=True, env=clean_env())
    os.close(slave)
    seen = b""

    def read(timeout: float) -> bytes:
        if not select.select([master], [], [], timeout)[0]:
            return b""
        try:
            return os.read(master, 4096)
        except OSError:  # the terminal closed with the process
            return b""

    try:
        deadline = time.monotonic() + 60
        while b"[y/N]" not in seen:
            assert time.monotonic() < deadline and proc.poll() is None, seen.decode(errors="replace")
            seen += read(1)
        os.write(master, answer.encode() + b"\n")
        out, _ = proc.communicate(timeout=90)
        while chunk := read(0.2):
            seen += chunk
    finally:
        if proc.poll() is None:
            proc.kill()  # the process we started, by its PID
            proc.communicate()
        os.close(master)
    return proc.returncode, out, seen.decode(errors="replace")


def test_on_a_terminal_it_asks_first_and_no_means_nothing_done(cluster):
    cluster.fragment(4)
    before = sizes(cluster)
    code, out, tty = _on_a_terminal(["defrag", "--endpoints", cluster.endpoints(), "--pause", "0", *LOW], "n")
    assert "plan: 3 of 3 members" in tty and "defragment 3 members in this order? [y/N]" in tty
    assert tty.index("[follower]") < tty.index("[leader]") < tty.index("[y/N]")  # the plan before the question
    assert code == 1 and "declined" in out and sizes(cluster) == before
    assert "[y/N]" not in out  # asked on the terminal, not into the report
    code, out, tty = _on_a_terminal(["defrag", "--endpoints", cluster.endpoints(), "--pause", "0", "--format", "json",
                                     *LOW], "y")
    assert code == 0 and json.loads(out)["outcome"] == "done", (out, tty)  # a redirected report stays JSON
    after = sizes(cluster)
    assert all(after[e] < before[e] for e in before)


def test_only_the_given_endpoints_without_cluster(cluster):
    cluster.fragment(4)
    follower = cluster.followers()[0]
    before = sizes(cluster)
    r = kubevet("defrag", "--endpoints", follower.endpoint, "--yes", "--pause", "0", "--format", "json", *LOW)
    assert r.code == 0, r
    assert [s["endpoint"] for s in r.json()["steps"]] == [follower.endpoint]
    after = sizes(cluster)
    assert after[follower.endpoint] < before[follower.endpoint]
    assert all(after[e] == before[e] for e in before if e != follower.endpoint)


def test_the_pause_between_members_is_kept(cluster):
    cluster.fragment(4)
    followers = ",".join(n.endpoint for n in cluster.followers())
    r = kubevet("defrag", "--endpoints", followers, "--yes", "--pause", "1.5s", "--format", "json", *LOW)
    assert r.code == 0, r
    doc = r.json()
    assert [s["outcome"] for s in doc["steps"]] == ["done", "done"]
    assert r.err.count("pausing 1.5s") == 1  # between the two, not after the last
    assert doc["seconds"] >= 1.5 + sum(s["seconds"] for s in doc["steps"])


def test_another_run_holding_the_lock_is_refused(cluster):
    cluster.fragment(4)
    before = sizes(cluster)
    leader = cluster.leader()
    lease = cluster.request(leader, "/v3/lease/grant", {"TTL": "30"})["ID"]
    holder = json.dumps({"host": "other-node", "pid": 4242, "started": "earlier"})
    cluster.request(leader, "/v3/kv/put", {"key": b64("kubevet/etcd/defrag-lock"), "value": b64(holder), "lease": lease})
    try:
        r = kubevet("defrag", "--endpoints", cluster.endpoints(), "--yes", "--pause", "0", *LOW)
        assert r.code == 1, r
        assert "holds the lock" in r.out and "other-node" in r.out and "pid 4242" in r.out
        assert sizes(cluster) == before
    finally:
        cluster.request(leader, "/v3/lease/revoke", {"ID": lease})
    # the lease gone (as when a crashed run's TTL runs out), the next run proceeds
    r = kubevet("defrag", "--endpoints", cluster.endpoints(), "--yes", "--pause", "0", "--format", "json", *LOW)
    assert r.code == 0 and r.json()["outcome"] == "done", r


def test_a_killed_run_frees_the_lock_when_its_lease_runs_out(cluster):
    """A run killed mid-way (SIGKILL: no cleanup) holds the lock until its lease's TTL runs
    out; meanwhile another run is refused, afterwards one proceeds."""
    cluster.fragment(4)
    proc = start("defrag", "--endpoints", cluster.endpoints(), "--yes", "--pause", "60s", "--lock-ttl", "5", *LOW)
    try:
        wait_for_line(proc, "pausing")  # the first member done, the lock held
    finally:
        proc.kill()  # the run we started, by its PID
        proc.communicate(timeout=30)
    killed = time.monotonic()
    leader = cluster.leader()
    held = cluster.request(leader, "/v3/kv/range", {"key": b64("kubevet/etcd/defrag-lock")}).get("kvs")
    assert held and json.loads(base64.b64decode(held[0]["value"]))["pid"] == proc.pid
    r = kubevet("defrag", "--endpoints", cluster.endpoints(), "--yes", "--pause", "0", *LOW)
    assert r.code == 1 and "holds the lock" in r.out and f"pid {proc.pid}" in r.out, r
    while cluster.request(leader, "/v3/kv/range", {"key": b64("kubevet/etcd/defrag-lock")}).get("kvs"):
        assert time.monotonic() - killed < 15, "the lock outlived its lease"
        time.sleep(0.25)
    r = kubevet("defrag", "--endpoints", cluster.endpoints(), "--yes", "--pause", "0", "--format", "json", *LOW)
    assert r.code == 0 and r.json()["outcome"] == "done" and r.json()["lock"] == "released", r


def test_compact_then_defragment_and_move_leader(cluster, kept):
    # deleted but not compacted: the old revisions still hold the pages until --compact
    cluster.put_many({f"junk2/{i:05d}": os.urandom(8192) for i in range(1024)})
    cluster.delete_prefix("junk2/")
    old_leader = cluster.leader()
    r = kubevet("defrag", "--endpoints", cluster.endpoints(), "--yes", "--pause", "0", "--format", "json",
                "--compact", "--all", "--move-leader", *LOW)
    assert r.code == 0, r
    doc = r.json()
    assert doc["compactedToRevision"] > 0
    steps = doc["steps"]
    assert [s["outcome"] for s in steps] == ["done"] * 3
    assert steps[-1]["endpoint"] == old_leader.endpoint and steps[-1]["leaderMovedTo"] in ("m1", "m2", "m3")
    assert steps[-1]["role"] == "leader"  # planned as the leader, defragmented after the hand-over
    assert cluster.leader() is not old_leader
    assert "moving leadership from" in r.err
    assert doc["reclaimedBytes"] > 3 * 4 * 1024 * 1024
    for node in cluster.nodes:
        assert cluster.read_all(node, "keep/") == kept
        assert cluster.read_all(node, "junk2/") == {}


def test_an_endpoint_refusing_connections(cluster):
    (dead,) = free_ports(1)
    down = f"http://127.0.0.1:{dead}"
    r = kubevet("status", "--endpoints", f"{cluster.endpoints()},{down}", "--format", "json")
    assert r.code == 1, r
    row = next(m for m in r.json()["members"] if m["endpoint"] == down)
    assert not row["reachable"] and "connection refused" in row["error"]
    assert any(v["name"] == "member-unreachable" and v["member"] == down for v in r.json()["verdicts"])
    text = kubevet("status", "--endpoints", down)
    assert text.code == 1 and "connection refused" in text.out and down in text.out, text
    cluster.fragment(4)
    before = sizes(cluster)
    d = kubevet("defrag", "--endpoints", f"{cluster.endpoints()},{down}", "--yes", *LOW)
    assert d.code == 1 and "connection refused" in d.out and down in d.out, d
    assert sizes(cluster) == before


@pytest.mark.parametrize("flags, message", [
    (["--endpoints", "ftp://x"], "not an http(s) URL"),
    (["--cacert", "/nonexistent/ca.crt"], "no such file"),
    (["--dial-timeout", "soon"], "not a duration"),
    (["--defrag-min-free", "lots"], "not a size"),
])
def test_bad_flags_are_usage_errors(flags, message):
    r = kubevet("status", *flags)
    assert r.code == 2 and message in r.err, r


@pytest.mark.parametrize("env, message", [
    ({"ETCDCTL_DIAL_TIMEOUT": "soon"}, "ETCDCTL_DIAL_TIMEOUT: 'soon' is not a duration"),
    ({"ETCDCTL_COMMAND_TIMEOUT": "-"}, "ETCDCTL_COMMAND_TIMEOUT: '-' is not a duration"),
    ({"ETCDCTL_ENDPOINTS": "ftp://x"}, "ETCDCTL_ENDPOINTS: 'ftp://x' is not an http(s) URL"),
    ({"ETCDCTL_CACERT": "/nonexistent/ca.crt"}, "ETCDCTL_CACERT: /nonexistent/ca.crt: no such file"),
    ({"ETCDCTL_INSECURE_SKIP_TLS_VERIFY": "maybe"}, "ETCDCTL_INSECURE_SKIP_TLS_VERIFY: 'maybe' is not true or false"),
])
def test_a_bad_etcdctl_variable_is_named_as_such(env, message):
    r = kubevet("status", env=env)
    assert r.code == 2 and message in r.err, r
    # the same setting given as a flag is named as the flag
    flag = "--" + next(iter(env)).removeprefix("ETCDCTL_").lower().replace("_", "-")
    if flag != "--insecure-skip-tls-verify":
        r = kubevet("status", flag, env[next(iter(env))])
        assert r.code == 2 and f"{flag}: " in r.err, r


class OnlyV3beta(http.server.BaseHTTPRequestHandler):
    """etcd 3.3's layout in front of a real member: /v3beta/... forwarded to it, /v3/... 404."""

    target = ""
    paths: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.paths.append(self.path)
        if not self.path.startswith("/v3beta/"):
            self.send_error(404)
            return
        with urllib.request.urlopen(urllib.request.Request(self.target + self.path, data=body), timeout=10) as r:
            data, code = r.read(), r.status
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        with urllib.request.urlopen(self.target + self.path, timeout=10) as r:
            data = r.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_a_gateway_only_under_v3beta(cluster):
    handler = type("H", (OnlyV3beta,), {"target": cluster.nodes[0].endpoint, "paths": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        r = kubevet("status", "--endpoints", endpoint, "--format", "json")
        assert r.code == 0, r
        assert r.json()["members"][0]["name"] == "m1"
        assert handler.paths[0].startswith("/v3/") and all(p.startswith("/v3beta/") for p in handler.paths[1:])
    finally:
        server.shutdown()
        server.server_close()
