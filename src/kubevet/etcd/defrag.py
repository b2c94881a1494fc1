"""The rolling defragmentation: plan, gates, one member at a time, the leader last.

Defragmenting rewrites a member's bbolt file and blocks that member meanwhile, so the run
keeps to rules that never let more than one member be blocked, and never the leader while
followers wait:

* the plan: the members whose verdict says defragmentation is worth it (or ``--all``),
  learners and followers first (fewest entries behind first), the leader last;
* a gate before each member, on a fresh read of the whole cluster: every member healthy,
  the member list and the leader as planned, no alarm but NOSPACE, quorum kept with this
  member blocked, the lock still held;
* after each member: healthy again and its applied index caught up with the leader's
  committed index, re-read sizes, bytes reclaimed, time taken; a pause before the next;
* the first failure stops the run: the remaining members are left untouched and the report
  says what was done.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Callable

from kubevet.etcd.client import EtcdError, Member
from kubevet.etcd.connection import Settings
from kubevet.etcd.lock import Lock, LockHeld
from kubevet.etcd.status import ClusterStatus, MemberStatus, client_for, gather, hex_id, read_member, role
from kubevet.etcd.verdicts import Thresholds, defrag_worth_it


@dataclass(frozen=True)
class Options:
    all: bool = False
    move_leader: bool = False
    compact: bool = False
    keep_revisions: int = 0
    disarm_nospace: bool = False
    pause: float = 60.0  # seconds between members
    catchup_timeout: float = 60.0  # seconds for a member to be healthy and caught up again
    lock_ttl: int = 60
    allow_quorum_loss: bool = False  # a 1-member cluster stops serving while it defragments
    dry_run: bool = False


@dataclass
class Planned:
    id: int
    name: str
    endpoint: str
    role: str
    db_size: int
    free_bytes: int

    def to_json(self) -> dict:
        return {"id": hex_id(self.id), "name": self.name, "endpoint": self.endpoint, "role": self.role,
                "dbSize": self.db_size, "expectedReclaimBytes": self.free_bytes}


@dataclass
class Step:
    member: Planned
    outcome: str = "pending"  # done, failed, skipped (not reached)
    size_before: int = 0
    in_use_before: int = 0
    size_after: int | None = None
    in_use_after: int | None = None
    seconds: float | None = None
    message: str = ""
    leader_moved_to: str | None = None

    @property
    def reclaimed(self) -> int | None:
        return None if self.size_after is None else self.size_before - self.size_after

    def to_json(self) -> dict:
        return {**self.member.to_json(), "outcome": self.outcome, "sizeBefore": self.size_before,
                "inUseBefore": self.in_use_before, "sizeAfter": self.size_after, "inUseAfter": self.in_use_after,
                "reclaimedBytes": self.reclaimed, "seconds": None if self.seconds is None else round(self.seconds, 3),
                "message": self.message, "leaderMovedTo": self.leader_moved_to}


@dataclass
class Report:
    outcome: str = "planned"  # dry-run, nothing-to-do, done, stopped, refused, declined
    error: str | None = None
    plan: list[Planned] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    lock: str = "not taken"
    compacted_to: int | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 0 if self.outcome in ("dry-run", "nothing-to-do", "done") else 1

    @property
    def reclaimed(self) -> int:
        return sum(s.reclaimed or 0 for s in self.steps if s.outcome == "done")

    def to_json(self) -> dict:
        return {"outcome": self.outcome, "error": self.error, "lock": self.lock,
                "compactedToRevision": self.compacted_to, "plan": [p.to_json() for p in self.plan],
                "steps": [s.to_json() for s in self.steps], "reclaimedBytes": self.reclaimed,
                "notes": self.notes, "seconds": round(self.seconds, 3)}


class Stop(Exception):
    """A gate or a step failed: the run ends here."""


def _order_key(m: MemberStatus) -> tuple:
    return (0 if m.is_learner else 1, 1 if m.is_leader else 0, m.lag, m.name, m.id)


def make_plan(cs: ClusterStatus, wanted: set[int] | None, th: Thresholds, opts: Options) -> list[Planned]:
    """The members to defragment, in order: learners, followers (least behind first), leader."""
    nospace = any(a == "NOSPACE" for _, a in cs.alarms)
    chosen = []
    for m in cs.members:
        if wanted is not None and m.id not in wanted:
            continue
        if not m.reachable:
            continue  # the first gate refuses the run; the plan shows what can be judged
        if opts.all or defrag_worth_it(m, th, nospace):
            chosen.append(m)
    return [Planned(m.id, m.name, m.endpoint, role(m), m.db_size, m.free_bytes) for m in sorted(chosen, key=_order_key)]


class Run:
    """One ``kubevet etcd defrag``; ``execute()`` returns the Report, never raises EtcdError."""

    def __init__(self, settings: Settings, th: Thresholds, opts: Options,
                 progress: Callable[[str], None], confirm: Callable[[list[Planned]], bool]) -> None:
        self.settings = settings
        self.full = dataclasses.replace(settings, cluster=True)  # gates look at every member
        self.th, self.opts = th, opts
        self.say, self.confirm = progress, confirm
        self.clients: dict[str, Member] = {}
        self.report = Report()
        self.leader_id = 0
        self.member_ids: set[int] = set()
        self.lock: Lock | None = None

    # -- reading the cluster ----------------------------------------------------------------

    def cluster(self) -> ClusterStatus:
        return gather(self.full, self.clients, with_metrics=False)

    def client(self, endpoint: str) -> Member:
        return client_for(endpoint, self.settings, self.clients)

    def wanted_ids(self) -> set[int] | None:
        """Without --cluster only the given endpoints are defragmented: their member IDs."""
        if self.settings.cluster:
            return None
        ids = set()
        for endpoint in self.settings.endpoints:
            st = read_member(endpoint, self.client(endpoint), None, with_metrics=False)
            if not st.reachable:
                raise Stop(f"{endpoint}: {st.error}")
            ids.add(st.id)
        return ids

    # -- the gates --------------------------------------------------------------------------

    def gate(self, target: Planned, lock: Lock | None) -> ClusterStatus:
        """Every rule that must hold before ``target`` is blocked; Stop naming the first that does not."""
        cs = self.cluster()
        if cs.errors and not cs.members:
            raise Stop("; ".join(cs.errors))
        if lock is not None and lock.lost:
            raise Stop(lock.lost)
        ids = {m["ID"] for m in cs.member_list}
        if ids != self.member_ids:
            gone = ", ".join(hex_id(i) for i in sorted(self.member_ids - ids))
            new = ", ".join(hex_id(i) for i in sorted(ids - self.member_ids))
            what = "; ".join(p for p in (f"removed: {gone}" if gone else "", f"added: {new}" if new else "") if p)
            raise Stop(f"the member list changed during the run ({what})")
        for mid, alarm in cs.alarms:
            if alarm != "NOSPACE":
                raise Stop(f"alarm {alarm} is raised on member {cs.name_of(mid)}; defragmenting could make it worse")
        for m in cs.members:
            if not m.reachable:
                raise Stop(f"member {m.label} is unreachable: {m.error}")
            if not m.healthy:
                raise Stop(f"member {m.label} is not healthy ({m.health_reason or 'its /health is false'})")
        if len(cs.leader_ids) != 1:
            raise Stop("the members do not agree on one leader")
        (leader,) = cs.leader_ids
        if leader != self.leader_id:
            raise Stop(f"the leader changed from {cs.name_of(self.leader_id)} to {cs.name_of(leader)} during the run; "
                       "the order followers-then-leader no longer holds: run again to plan afresh")
        voting = [m for m in cs.members if not m.is_learner]
        quorum = len(voting) // 2 + 1
        target_st = cs.by_id(target.id)
        if target_st is None:
            raise Stop(f"member {target.name or hex_id(target.id)} is no longer in the cluster")
        left = len(voting) - (0 if target_st.is_learner else 1)
        if left < quorum and not self.opts.allow_quorum_loss:
            raise Stop(f"blocking {target_st.label} leaves {left} of {len(voting)} voting members serving, "
                       f"below the quorum of {quorum} (a 1-member cluster stops while it defragments; "
                       "--allow-quorum-loss accepts that)")
        return cs

    # -- the steps --------------------------------------------------------------------------

    def move_leader(self, cs: ClusterStatus, old: MemberStatus, step: Step) -> None:
        candidates = [m for m in cs.members if m.id != old.id and not m.is_learner and m.healthy
                      and m.lag <= self.th.max_lag]
        if not candidates:
            raise Stop("--move-leader: no healthy, caught-up follower to hand leadership to")
        done = {s.member.id for s in self.report.steps if s.outcome == "done"}
        best = min(candidates, key=lambda m: (m.lag, 0 if m.id in done else 1, m.name, m.id))
        self.say(f"  moving leadership from {old.label} to {best.label}")
        try:
            self.client(old.endpoint).move_leader(best.id)
        except EtcdError as exc:
            raise Stop(f"--move-leader: {exc}") from None
        deadline = time.monotonic() + self.opts.catchup_timeout
        while True:
            now = self.cluster()
            if now.leader_ids == {best.id} and all(m.reachable for m in now.members):
                break
            if time.monotonic() > deadline:
                raise Stop(f"--move-leader: {best.label} did not become the leader within {self.opts.catchup_timeout:g}s")
            time.sleep(0.2)
        self.leader_id = best.id
        step.leader_moved_to = best.name or hex_id(best.id)

    def wait_caught_up(self, target: Planned, committed: int) -> MemberStatus:
        """Until ``target`` answers healthy with its applied index at ``committed`` or beyond."""
        deadline = time.monotonic() + self.opts.catchup_timeout
        last = "no answer yet"
        while True:
            st = read_member(target.endpoint, self.client(target.endpoint), None, with_metrics=False)
            if st.reachable and st.id != target.id:
                raise Stop(f"{target.endpoint} now answers as member {hex_id(st.id)}, not {hex_id(target.id)}")
            if st.reachable:
                try:
                    alarms = {a.get("alarm") for a in self.client(target.endpoint).alarms()}
                    st.cluster_alarms = sorted(a for a in alarms if isinstance(a, str) and a != "NONE")
                except EtcdError as exc:
                    st.error = exc.reason
            if st.reachable and st.healthy and st.applied_index >= committed:
                return st
            last = st.error or (f"applied index {st.applied_index} < {committed}" if st.healthy else
                                f"not healthy ({st.health_reason or '/health false'})")
            if time.monotonic() > deadline:
                raise Stop(f"member {target.name or hex_id(target.id)} ({target.endpoint}) did not come back healthy "
                           f"and caught up within {self.opts.catchup_timeout:g}s: {last}")
            time.sleep(0.2)

    def defragment(self, target: Planned, cs: ClusterStatus, lock: Lock | None) -> None:
        step = Step(target)
        self.report.steps.append(step)
        st = cs.by_id(target.id)
        if st is not None and st.is_leader and self.opts.move_leader:
            self.move_leader(cs, st, step)
            cs = self.gate(target, lock)
            st = cs.by_id(target.id)
        assert st is not None
        step.size_before, step.in_use_before = st.db_size, st.db_in_use
        self.say(f"defragmenting {st.label} [{role(st)}]: {st.db_size} bytes, {st.free_bytes} free")
        t0 = time.monotonic()
        try:
            self.client(target.endpoint).defragment()
        except EtcdError as exc:
            step.outcome, step.seconds = "failed", time.monotonic() - t0
            step.message = f"defragmentation failed: {exc.reason}"
            raise Stop(f"member {target.name or hex_id(target.id)} ({target.endpoint}): defragmentation failed: "
                       f"{exc.reason}") from None
        committed = 0
        leader = cs.by_id(self.leader_id)
        try:
            source = leader if leader is not None and leader.id != target.id else None
            if source is not None:
                committed = read_member(source.endpoint, self.client(source.endpoint), None,
                                        with_metrics=False).raft_index
            else:
                committed = st.raft_index
        except EtcdError:
            committed = st.raft_index
        try:
            after = self.wait_caught_up(target, committed)
        except Stop as exc:
            step.outcome, step.seconds, step.message = "failed", time.monotonic() - t0, str(exc)
            raise
        step.seconds = time.monotonic() - t0
        step.size_after, step.in_use_after = after.db_size, after.db_in_use
        step.outcome = "done"
        step.message = f"reclaimed {step.reclaimed} bytes in {step.seconds:.2f}s"
        self.say(f"  done: {st.db_size} -> {after.db_size} bytes ({step.message})")

    def compact(self, cs: ClusterStatus) -> None:
        leader = cs.leader
        if leader is None:
            raise Stop("--compact: no leader to ask")
        revision = leader.revision - max(self.opts.keep_revisions, 0)
        if revision <= 1:
            self.report.notes.append(f"--compact: revision {leader.revision} leaves nothing to compact")
            return
        self.say(f"compacting to revision {revision} (keeping {self.opts.keep_revisions} revisions)")
        try:
            self.client(leader.endpoint).compact(revision)
        except EtcdError as exc:
            if "compacted" in exc.reason:
                self.report.notes.append(f"--compact: revision {revision} was already compacted")
                return
            raise Stop(f"--compact: {exc}") from None
        self.report.compacted_to = revision

    def disarm_nospace(self) -> None:
        cs = self.cluster()
        nospace = [(mid, a) for mid, a in cs.alarms if a == "NOSPACE"]
        if not nospace:
            return
        if not self.opts.disarm_nospace:
            self.report.notes.append("the NOSPACE alarm is still raised: --disarm-nospace clears it once every member "
                                     "is defragmented and under the quota")
            return
        done = {s.member.id for s in self.report.steps if s.outcome == "done"}
        missing = [m.label for m in cs.members if m.id not in done]
        if missing:
            self.report.notes.append("NOSPACE not disarmed: not every member was defragmented in this run "
                                     f"({', '.join(missing)})")
            return
        over = [m.label for m in cs.members if not m.quota_bytes or m.db_size >= m.quota_bytes]
        if over:
            # quota_bytes comes from /metrics; read it now for the check
            full = gather(self.full, self.clients, with_metrics=True)
            over = [m.label for m in full.members if not m.quota_bytes or m.db_size >= m.quota_bytes]
        if over:
            raise Stop(f"NOSPACE not disarmed: still at or above the quota (or quota unknown): {', '.join(over)}")
        client = self.client(cs.leader.endpoint if cs.leader else cs.members[0].endpoint)
        for mid, alarm in nospace:
            try:
                client.disarm(mid, alarm)
            except EtcdError as exc:
                raise Stop(f"--disarm-nospace: {exc}") from None
        self.report.notes.append(f"NOSPACE alarm disarmed on {', '.join(cs.name_of(mid) for mid, _ in nospace)}: "
                                 "every member is defragmented and below the quota")
        self.say(self.report.notes[-1])

    # -- the whole run ----------------------------------------------------------------------

    def execute(self) -> Report:
        t0 = time.monotonic()
        try:
            self._execute()
        except Stop as exc:
            self.report.error = str(exc)
            if self.report.outcome in ("planned", "running"):
                self.report.outcome = "stopped" if any(s.outcome != "pending" for s in self.report.steps) \
                    else "refused"
        except LockHeld as exc:
            self.report.outcome, self.report.error = "refused", str(exc)
        except EtcdError as exc:
            self.report.outcome = "stopped" if self.report.steps else "refused"
            self.report.error = str(exc)
        finally:
            if self.lock is not None:
                self.lock.release()
                if self.report.lock == "held":
                    self.report.lock = "released"
            self.report.seconds = time.monotonic() - t0
            for m in self.clients.values():
                m.close()
        done = {s.member.id for s in self.report.steps}
        for p in self.report.plan:
            if p.id not in done:
                self.report.steps.append(Step(p, outcome="skipped", message="not reached"))
        return self.report

    def _lock(self, cs: ClusterStatus) -> Lock:
        nospace = any(a == "NOSPACE" for _, a in cs.alarms)
        holder = cs.leader or next(m for m in cs.members if m.reachable)
        renew = [Member(m.endpoint, self.settings) for m in cs.members if m.reachable]
        lock = Lock(Member(holder.endpoint, self.settings), ttl=self.opts.lock_ttl, renew_via=renew)
        self.lock = lock
        lock.acquire(nospace=nospace)
        if lock.skipped_for_nospace:
            self.report.lock = "not taken: NOSPACE refuses writes (checked that no other run holds it)"
        else:
            self.report.lock = "held"
        return lock

    def _execute(self) -> None:
        wanted = self.wanted_ids()
        cs = gather(self.full, self.clients, with_metrics=False)
        if not cs.member_list:
            raise Stop("; ".join(cs.errors) or "no member list")
        self.member_ids = {m["ID"] for m in cs.member_list}
        self.leader_id = next(iter(cs.leader_ids)) if len(cs.leader_ids) == 1 else 0
        self.report.plan = make_plan(cs, wanted, self.th, self.opts)
        self.say(self.plan_text(cs))
        if not self.report.plan and not self.opts.compact:
            self.report.outcome = "nothing-to-do"
            return
        if self.opts.dry_run:
            self.report.outcome = "dry-run"
            return
        if not self.confirm(self.report.plan):
            self.report.outcome, self.report.error = "declined", "not confirmed"
            return
        self.report.outcome = "running"
        if self.leader_id == 0:
            raise Stop("no leader: the cluster has lost quorum")
        if self.report.plan:
            self.gate(self.report.plan[0], None)  # refuse a sick cluster before writing the lock into it
        lock = self._lock(cs)
        if self.opts.compact:
            self.compact(cs)
            cs = self.cluster()
            replanned = make_plan(cs, wanted, self.th, self.opts)
            added = [p for p in replanned if p.id not in {q.id for q in self.report.plan}]
            if added:
                self.say("after compaction also worth defragmenting: " + ", ".join(p.name for p in added))
            self.report.plan = replanned
        plan = self.report.plan
        for i, target in enumerate(plan):
            cs = self.gate(target, lock)
            self.defragment(target, cs, lock)
            if i < len(plan) - 1 and self.opts.pause > 0:
                self.say(f"  pausing {self.opts.pause:g}s")
                time.sleep(self.opts.pause)
        self.disarm_nospace()
        self.report.outcome = "done"

    def plan_text(self, cs: ClusterStatus) -> str:
        lines = [f"plan: {len(self.report.plan)} of {len(cs.member_list)} members, one at a time, the leader last"]
        for i, p in enumerate(self.report.plan, 1):
            lines.append(f"  {i}. {p.name or hex_id(p.id)} ({p.endpoint}) [{p.role}] "
                         f"{p.db_size} bytes, about {p.free_bytes} to reclaim")
        if self.opts.compact:
            lines.append(f"  first: compact to the current revision minus {self.opts.keep_revisions}")
        if self.opts.move_leader:
            lines.append("  before the leader: hand leadership to the healthiest caught-up follower")
        total = sum(p.free_bytes for p in self.report.plan)
        lines.append(f"expected reclaim: about {total} bytes")
        return "\n".join(lines)
