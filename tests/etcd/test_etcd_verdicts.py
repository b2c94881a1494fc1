"""The verdicts a real cluster on loopback cannot be made to show on demand (a member that
lags, no leader, members that disagree, a learner), judged from the figures ``status``
gathers. The same ``judge`` runs on real clusters in test_etcd_defrag.py and the fault tests."""

from __future__ import annotations

from kubevet.etcd.metrics import Metrics
from kubevet.etcd.status import ClusterStatus, MemberStatus
from kubevet.etcd.verdicts import Thresholds, defrag_worth_it, judge

MiB = 1024 * 1024


def member(n: int, leader: int = 1, **kw) -> MemberStatus:
    base = dict(endpoint=f"https://10.0.0.{n}:2379", id=n, name=f"m{n}", version="3.4.23", leader_id=leader,
                raft_term=4, raft_index=5000, applied_index=5000, db_size=200 * MiB, db_in_use=190 * MiB, health=True,
                metrics=Metrics(quota_bytes=2048 * MiB))
    base.update(kw)
    return MemberStatus(**base)


def cluster(*members: MemberStatus, alarms=()) -> ClusterStatus:
    return ClusterStatus(list(members), [{"ID": m.id, "name": m.name} for m in members], list(alarms))


def names(verdicts, member_endpoint=None):
    return sorted(v.name for v in verdicts if member_endpoint is None or v.member == member_endpoint)


def test_a_healthy_cluster_has_nothing_to_say():
    assert judge(cluster(member(1), member(2), member(3)), Thresholds()) == []


def test_a_member_lagging_past_the_threshold():
    slow = member(3, lag=1500)
    verdicts = judge(cluster(member(1), member(2), slow), Thresholds())
    [v] = verdicts
    assert (v.name, v.severity, v.member) == ("member-lagging", "warning", slow.endpoint)
    assert "1500 entries behind (threshold 1000)" in v.message
    assert judge(cluster(member(1), member(2), slow), Thresholds(max_lag=2000)) == []
    assert judge(cluster(member(1), member(2), member(3, lag=1000)), Thresholds()) == []  # at the threshold: fine


def test_no_leader_and_members_that_disagree():
    lost = judge(cluster(member(1, leader=0), member(2, leader=0), member(3, leader=0)), Thresholds())
    assert names(lost).count("no-leader") == 1
    assert next(v for v in lost if v.name == "no-leader").severity == "error"
    assert "lost quorum" in next(v for v in lost if v.name == "no-leader").message
    split = judge(cluster(member(1, leader=1), member(2, leader=1), member(3, leader=3)), Thresholds())
    [v] = [v for v in split if v.name == "no-leader"]
    assert "disagree" in v.message and "m1" in v.message and "m3" in v.message


def test_quota_and_latency_at_their_thresholds():
    th = Thresholds()
    near = member(2, db_size=1700 * MiB, db_in_use=1690 * MiB)  # 83% of 2 GiB
    slow = member(3, metrics=Metrics(quota_bytes=2048 * MiB, commit_p99=0.032, fsync_p99=0.016))
    verdicts = judge(cluster(member(1), near, slow), th)
    assert names(verdicts, near.endpoint) == ["quota-nearly-full"]
    assert names(verdicts, slow.endpoint) == ["backend-commit-slow", "wal-fsync-slow"]
    msg = next(v.message for v in verdicts if v.name == "backend-commit-slow")
    assert "32.0 ms above 25 ms" in msg
    exact = member(3, metrics=Metrics(quota_bytes=2048 * MiB, commit_p99=0.025, fsync_p99=0.010))
    assert judge(cluster(member(1), member(2), exact), th) == []  # etcd's guidance is "under": equal is not above


def test_defragmentation_worth_it_needs_the_size_and_the_ratio():
    th = Thresholds()
    assert defrag_worth_it(member(1, db_size=400 * MiB, db_in_use=150 * MiB), th)  # 250 MiB, 62%
    assert not defrag_worth_it(member(1, db_size=400 * MiB, db_in_use=250 * MiB), th)  # 150 MiB but 37%
    assert not defrag_worth_it(member(1, db_size=120 * MiB, db_in_use=30 * MiB), th)  # 75% but 90 MiB
    # under NOSPACE any free space is worth it; an unreachable member never is
    assert defrag_worth_it(member(1, db_size=400 * MiB, db_in_use=390 * MiB), th, nospace=True)
    assert not defrag_worth_it(member(1, error="connection refused", db_size=400 * MiB, db_in_use=1), th)


def test_an_unhealthy_member_and_an_unreachable_one_are_errors():
    sick = member(2, health=False, health_reason="RAFT NO LEADER")
    down = member(3, error="connection refused")
    verdicts = judge(cluster(member(1), sick, down), Thresholds())
    assert [(v.name, v.severity) for v in verdicts if v.member == sick.endpoint] == [("member-unhealthy", "error")]
    assert "RAFT NO LEADER" in next(v.message for v in verdicts if v.member == sick.endpoint)
    assert [(v.name, v.severity) for v in verdicts if v.member == down.endpoint] == [("member-unreachable", "error")]


def test_names_from_the_servers_are_shown_escaped():
    """A member name or message a server sends cannot drive the terminal (as manifests' names cannot)."""
    from kubevet.etcd.report import status_text
    from kubevet.etcd.status import ClusterStatus, MemberStatus

    evil = MemberStatus(endpoint="https://127.0.0.1:2379", id=7, name="m1\x1b[2J\x07", error="refused\x1b]0;owned\x07")
    text = status_text(ClusterStatus([evil], [], []), [])
    assert "\x1b" not in text and "\x07" not in text
    assert "m1\\x1b[2J\\x07" in text
    header, row = text.splitlines()[:2]
    assert row.index("unreachable") == header.index("ROLE")  # columns still line up
