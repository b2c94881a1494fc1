"""Verdicts drawn from a ClusterStatus, with thresholds that default to etcd's own guidance.

Each verdict has a stable name and a severity (error, warning, info); ``status`` exits 1
when one reaches ``--fail-on`` (default: error). docs/etcd.md gives the source of every
default.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from kubevet.etcd.status import ClusterStatus, MemberStatus

SEVERITIES = ("info", "warning", "error")


@dataclass(frozen=True)
class Thresholds:
    # defragmentation is worth it when the free pages are at least this many bytes AND this
    # share of the file (both: a small DB at 60% free is not worth blocking a member for)
    defrag_min_free_bytes: int = 100 * 1024 * 1024
    defrag_min_free_ratio: float = 0.50
    # the backend quota (--quota-backend-bytes, 2 GiB by default): warn from this share
    quota_warn_ratio: float = 0.80
    # etcd's hardware guide: p99 of WAL fsync under 10 ms, of backend commit under 25 ms
    max_commit_p99: float = 0.025
    max_fsync_p99: float = 0.010
    # applied index behind the highest committed index (etcd refuses proposals at 5000)
    max_lag: int = 1000

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    name: str
    severity: str
    message: str
    member: str | None = None  # endpoint, or None for the whole cluster

    def to_json(self) -> dict:
        return asdict(self)


def defrag_worth_it(m: MemberStatus, th: Thresholds, nospace: bool = False) -> bool:
    """Free space above the size and the ratio; under a NOSPACE alarm any free space counts."""
    if not m.reachable or m.free_bytes <= 0:
        return False
    if nospace:
        return True
    return m.free_bytes >= th.defrag_min_free_bytes and m.free_ratio >= th.defrag_min_free_ratio


def judge(cs: ClusterStatus, th: Thresholds) -> list[Verdict]:
    out: list[Verdict] = []
    for err in cs.errors:
        out.append(Verdict("cluster-unreachable", "error", err))
    reachable = [m for m in cs.members if m.reachable]
    if reachable and not cs.leader_ids:
        out.append(Verdict("no-leader", "error", "no member knows a leader: the cluster has lost quorum"))
    elif len(cs.leader_ids) > 1:
        names = ", ".join(cs.name_of(i) for i in sorted(cs.leader_ids))
        out.append(Verdict("no-leader", "error", f"members disagree about the leader ({names}): an election is under way"))
    nospace = any(a == "NOSPACE" for _, a in cs.alarms)
    for mid, alarm in cs.alarms:
        m = cs.by_id(mid)
        out.append(Verdict("alarm-raised", "error", f"alarm {alarm} raised on member {cs.name_of(mid)}",
                           m.endpoint if m else None))
    for m in cs.members:
        who = m.endpoint
        if not m.reachable:
            out.append(Verdict("member-unreachable", "error", f"{m.label}: {m.error}", who))
            continue
        if not m.health and not m.cluster_alarms:
            reason = f" ({m.health_reason})" if m.health_reason else ""
            out.append(Verdict("member-unhealthy", "error", f"{m.label}: /health is false{reason}", who))
        if m.lag > th.max_lag:
            out.append(Verdict("member-lagging", "warning",
                               f"{m.label}: applied index {m.lag} entries behind (threshold {th.max_lag})", who))
        ratio = m.quota_ratio
        if ratio is not None and ratio >= th.quota_warn_ratio:
            out.append(Verdict("quota-nearly-full", "warning",
                               f"{m.label}: DB {m.db_size} bytes is {ratio:.0%} of the {m.quota_bytes}-byte quota "
                               f"(threshold {th.quota_warn_ratio:.0%})", who))
        p = m.metrics.commit_p99
        if p is not None and p > th.max_commit_p99:
            out.append(Verdict("backend-commit-slow", "warning",
                               f"{m.label}: backend commit p99 {p * 1000:.1f} ms above {th.max_commit_p99 * 1000:g} ms", who))
        p = m.metrics.fsync_p99
        if p is not None and p > th.max_fsync_p99:
            out.append(Verdict("wal-fsync-slow", "warning",
                               f"{m.label}: WAL fsync p99 {p * 1000:.1f} ms above {th.max_fsync_p99 * 1000:g} ms", who))
        if m.metrics_error:
            out.append(Verdict("metrics-unreadable", "warning", f"{m.label}: /metrics: {m.metrics_error}", who))
        if defrag_worth_it(m, th, nospace):
            out.append(Verdict("defrag-worthwhile", "info",
                               f"{m.label}: {m.free_bytes} of {m.db_size} bytes free ({m.free_ratio:.0%}); "
                               "defragmentation would return them", who))
    return out


def worst(verdicts: list[Verdict]) -> str | None:
    levels = [SEVERITIES.index(v.severity) for v in verdicts]
    return SEVERITIES[max(levels)] if levels else None
