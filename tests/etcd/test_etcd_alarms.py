"""Alarms raised through etcd's own alarm API (the call etcd makes itself when the quota is hit)."""

from __future__ import annotations

import pytest
from etcd_cluster import Cluster, b64
from etcd_run import kubevet


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(size=3).start()
    try:
        yield c
    finally:
        c.stop()


def raise_alarm(c: Cluster, alarm: str) -> int:
    node = c.followers()[0]
    member = c.id_of(node)
    c.request(c.leader(), "/v3/maintenance/alarm", {"action": "ACTIVATE", "memberID": str(member), "alarm": alarm})
    return member


def alarms(c: Cluster) -> list:
    return c.request(c.leader(), "/v3/maintenance/alarm", {"action": "GET"}).get("alarms", [])


def test_nospace_defragments_everything_then_disarms_when_asked(cluster):
    cluster.fragment(8)
    raise_alarm(cluster, "NOSPACE")
    assert [a["alarm"] for a in alarms(cluster)] == ["NOSPACE"]
    status = kubevet("status", "--endpoints", cluster.endpoints(), "--format", "json")
    assert status.code == 1, status
    assert [v["name"] for v in status.json()["verdicts"]].count("alarm-raised") == 1
    # under NOSPACE every member with free pages is worth it, whatever the thresholds
    r = kubevet("defrag", "--endpoints", cluster.endpoints(), "--yes", "--pause", "0", "--format", "json")
    assert r.code == 0, r
    doc = r.json()
    assert [s["outcome"] for s in doc["steps"]] == ["done"] * 3
    assert doc["lock"].startswith("not taken: NOSPACE")
    assert any("still raised" in n for n in doc["notes"])
    assert alarms(cluster)  # not disarmed without --disarm-nospace
    r = kubevet("defrag", "--endpoints", cluster.endpoints(), "--yes", "--pause", "0", "--format", "json",
                "--all", "--disarm-nospace")
    assert r.code == 0, r
    assert any("NOSPACE alarm disarmed" in n for n in r.json()["notes"])
    assert alarms(cluster) == []
    # writable again
    cluster.request(cluster.leader(), "/v3/kv/put", {"key": b64("after-nospace"), "value": b64("ok")})
    assert kubevet("status", "--endpoints", cluster.endpoints()).code == 0


def test_corrupt_alarm_refuses_the_run(cluster):
    cluster.fragment(4)
    before = {n.endpoint: cluster.status(n)["dbSize"] for n in cluster.nodes}
    member = raise_alarm(cluster, "CORRUPT")
    try:
        status = kubevet("status", "--endpoints", cluster.endpoints())
        assert status.code == 1 and "alarm CORRUPT raised" in status.out, status
        r = kubevet("defrag", "--endpoints", cluster.endpoints(), "--yes", "--pause", "0", "--format", "json",
                    "--defrag-min-free", "1Mi", "--defrag-min-free-percent", "10")
        assert r.code == 1, r
        doc = r.json()
        assert "alarm CORRUPT" in doc["error"] and doc["outcome"] == "refused"
        assert {s["outcome"] for s in doc["steps"]} == {"skipped"}
        assert {n.endpoint: cluster.status(n)["dbSize"] for n in cluster.nodes} == before
    finally:
        cluster.request(cluster.leader(), "/v3/maintenance/alarm",
                        {"action": "DEACTIVATE", "memberID": str(member), "alarm": "CORRUPT"})
