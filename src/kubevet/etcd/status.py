"""Everything ``status`` shows, gathered once: the member list, each member's state, alarms.

A member that cannot be reached is still a row (with the error naming it), never an
exception: ``status`` must describe a sick cluster, and ``defrag`` must refuse to act on one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubevet.etcd import metrics as metrics_mod
from kubevet.etcd.client import EtcdError, Member, as_int
from kubevet.etcd.connection import Settings

ALARM_NAMES = {"NOSPACE", "CORRUPT"}


@dataclass
class MemberStatus:
    endpoint: str
    id: int = 0
    name: str = ""
    version: str = ""
    leader_id: int = 0
    raft_term: int = 0
    raft_index: int = 0
    applied_index: int = 0
    revision: int = 0
    db_size: int = 0
    db_in_use: int = 0
    is_learner: bool = False
    alarms: list[str] = field(default_factory=list)  # raised on this member
    cluster_alarms: list[str] = field(default_factory=list)  # raised anywhere (/health reflects these)
    health: bool = False  # etcd's /health said true
    health_reason: str = ""
    metrics: metrics_mod.Metrics = field(default_factory=metrics_mod.Metrics)
    metrics_error: str | None = None
    error: str | None = None  # unreachable or unusable: the rest is unknown
    lag: int = 0  # entries behind the highest committed index seen in the cluster

    @property
    def reachable(self) -> bool:
        return self.error is None

    @property
    def is_leader(self) -> bool:
        return self.reachable and self.id != 0 and self.id == self.leader_id

    @property
    def free_bytes(self) -> int:
        return max(self.db_size - self.db_in_use, 0) if self.db_in_use else 0

    @property
    def free_ratio(self) -> float:
        return self.free_bytes / self.db_size if self.db_size else 0.0

    @property
    def quota_bytes(self) -> int | None:
        return self.metrics.quota_bytes

    @property
    def quota_ratio(self) -> float | None:
        q = self.quota_bytes
        return self.db_size / q if q else None

    @property
    def healthy(self) -> bool:
        """Answers, knows a leader, and /health is true (or false only for a NOSPACE alarm).

        etcd 3.4's /health is false while any alarm is raised; NOSPACE is exactly the case
        defragmentation exists to fix, so it does not make a member unhealthy here.
        """
        if not self.reachable or self.leader_id == 0:
            return False
        return self.health or set(self.cluster_alarms) == {"NOSPACE"}

    @property
    def label(self) -> str:
        who = self.name or (hex_id(self.id) if self.id else "?")
        return f"{who} ({self.endpoint})"

    def to_json(self) -> dict:
        return {
            "endpoint": self.endpoint,
            "id": hex_id(self.id) if self.id else None,
            "name": self.name,
            "reachable": self.reachable,
            "error": self.error,
            "version": self.version,
            "role": role(self),
            "leader": hex_id(self.leader_id) if self.leader_id else None,
            "raftTerm": self.raft_term,
            "raftIndex": self.raft_index,
            "raftAppliedIndex": self.applied_index,
            "lag": self.lag,
            "revision": self.revision,
            "dbSize": self.db_size,
            "dbSizeInUse": self.db_in_use,
            "freeBytes": self.free_bytes,
            "freePercent": round(self.free_ratio * 100, 1),
            "quotaBytes": self.quota_bytes,
            "quotaPercent": None if self.quota_ratio is None else round(self.quota_ratio * 100, 1),
            "alarms": self.alarms,
            "health": self.health,
            "healthy": self.healthy,
            "healthReason": self.health_reason,
            "backendCommitP99Seconds": self.metrics.commit_p99,
            "walFsyncP99Seconds": self.metrics.fsync_p99,
            "slowApplies": self.metrics.slow_applies,
            "leaderChanges": self.metrics.leader_changes,
            "metricsError": self.metrics_error,
        }


def hex_id(member_id: int) -> str:
    """Member IDs as etcdctl prints them: lower-case hex."""
    return format(member_id, "x")


def role(m: MemberStatus) -> str:
    if not m.reachable:
        return "unreachable"
    if m.is_learner:
        return "learner"
    return "leader" if m.is_leader else "follower"


@dataclass
class ClusterStatus:
    members: list[MemberStatus]
    member_list: list[dict]  # as etcd returned it (IDs as ints here)
    alarms: list[tuple[int, str]]
    errors: list[str] = field(default_factory=list)  # cluster-level: no member answered

    @property
    def voting(self) -> int:
        return sum(1 for m in self.member_list if not m.get("isLearner")) or len(self.members)

    @property
    def leader_ids(self) -> set[int]:
        return {m.leader_id for m in self.members if m.reachable and m.leader_id}

    @property
    def leader(self) -> MemberStatus | None:
        for m in self.members:
            if m.is_leader:
                return m
        return None

    def by_id(self, member_id: int) -> MemberStatus | None:
        return next((m for m in self.members if m.id == member_id), None)

    def name_of(self, member_id: int) -> str:
        for m in self.member_list:
            if m["ID"] == member_id:
                return m.get("name") or hex_id(member_id)
        return hex_id(member_id)

    def to_json(self) -> dict:
        return {
            "members": [m.to_json() for m in self.members],
            "memberList": [
                {"id": hex_id(m["ID"]), "name": m.get("name", ""), "clientURLs": m.get("clientURLs", []),
                 "peerURLs": m.get("peerURLs", []), "isLearner": bool(m.get("isLearner"))}
                for m in self.member_list
            ],
            "alarms": [{"member": hex_id(i), "alarm": a} for i, a in self.alarms],
            "leader": hex_id(self.leader.id) if self.leader else None,
            "errors": self.errors,
        }


def _member_list(settings: Settings, clients: dict[str, Member]) -> tuple[list[dict], list[str]]:
    """The member list from the first given endpoint that answers, with IDs as ints."""
    errors = []
    for endpoint in settings.endpoints:
        try:
            raw = client_for(endpoint, settings, clients).member_list()
            members = []
            for m in raw:
                urls = m.get("clientURLs", [])
                members.append({**m, "ID": as_int(m, "ID", endpoint),
                                "clientURLs": urls if isinstance(urls, list) else []})
            return members, []
        except EtcdError as exc:
            errors.append(str(exc))
    return [], errors


def client_for(endpoint: str, settings: Settings, clients: dict[str, Member]) -> Member:
    if endpoint not in clients:
        clients[endpoint] = Member(endpoint, settings)
    return clients[endpoint]


def targets(settings: Settings, member_list: list[dict]) -> list[tuple[str, dict | None]]:
    """The endpoints to look at: the given ones, or with --cluster every member's first client URL."""
    if not settings.cluster or not member_list:
        return [(e, None) for e in settings.endpoints]
    out = []
    for m in member_list:
        urls = m.get("clientURLs") or []
        out.append((urls[0].rstrip("/") if urls else f"(member {hex_id(m['ID'])} has no client URL)", m))
    return out


def read_member(endpoint: str, client: Member | None, known: dict | None, *, with_metrics: bool = True) -> MemberStatus:
    """One member's state; problems land in ``error`` or ``metrics_error``, never raise."""
    st = MemberStatus(endpoint=endpoint)
    if known is not None:
        st.id, st.name, st.is_learner = known["ID"], known.get("name", ""), bool(known.get("isLearner"))
    if client is None:
        st.error = "the member has not started (no client URL in the member list)"
        return st
    try:
        reply = client.status()
        header = reply.get("header") if isinstance(reply.get("header"), dict) else {}
        st.id = as_int(header, "member_id", endpoint) or st.id
        st.version = str(reply.get("version", ""))
        st.leader_id = as_int(reply, "leader", endpoint)
        st.raft_term = as_int(reply, "raftTerm", endpoint)
        st.raft_index = as_int(reply, "raftIndex", endpoint)
        st.applied_index = as_int(reply, "raftAppliedIndex", endpoint) or st.raft_index
        st.revision = as_int(header, "revision", endpoint)
        st.db_size = as_int(reply, "dbSize", endpoint)
        st.db_in_use = as_int(reply, "dbSizeInUse", endpoint)
        st.is_learner = bool(reply.get("isLearner")) or st.is_learner
        if st.id == 0 or not st.version:
            raise EtcdError(endpoint, "malformed reply to /maintenance/status: no member ID or version")
        st.health, st.health_reason = client.health()
    except EtcdError as exc:
        st.error = exc.reason
        return st
    if with_metrics:
        try:
            st.metrics = metrics_mod.parse(client.metrics())
        except (EtcdError, metrics_mod.MetricsError) as exc:
            st.metrics_error = getattr(exc, "reason", str(exc))
    return st


def gather(settings: Settings, clients: dict[str, Member] | None = None, *, with_metrics: bool = True) -> ClusterStatus:
    """The whole picture: member list, each target member's status, the alarms."""
    clients = {} if clients is None else clients
    member_list, errors = _member_list(settings, clients)
    by_id = {m["ID"]: m for m in member_list}
    members: list[MemberStatus] = []
    for endpoint, known in targets(settings, member_list):
        client = client_for(endpoint, settings, clients) if "://" in endpoint else None
        st = read_member(endpoint, client, known, with_metrics=with_metrics)
        if not st.name and st.id in by_id:
            st.name = by_id[st.id].get("name", "")
            st.is_learner = st.is_learner or bool(by_id[st.id].get("isLearner"))
        members.append(st)
    alarms: list[tuple[int, str]] = []
    for m in members:
        if not m.reachable:
            continue
        try:
            for a in client_for(m.endpoint, settings, clients).alarms():
                alarms.append((as_int(a, "memberID", m.endpoint), str(a.get("alarm", "NONE"))))
            break
        except EtcdError as exc:
            m.error = m.error or exc.reason
    alarms = [a for a in alarms if a[1] != "NONE"]
    for m in members:
        m.alarms = sorted({name for mid, name in alarms if mid == m.id})
        m.cluster_alarms = sorted({name for _, name in alarms})
    top = max((m.raft_index for m in members if m.reachable), default=0)
    for m in members:
        if m.reachable:
            m.lag = max(top - m.applied_index, 0)
    if not member_list and not any(m.reachable for m in members):
        errors.insert(0, "no endpoint answered")
    return ClusterStatus(members=members, member_list=member_list, alarms=alarms, errors=errors)
