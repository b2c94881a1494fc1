"""Disruptions: drains blocked by a PodDisruptionBudget, and mass deletions."""

from __future__ import annotations

import re
from datetime import timedelta

from kubevet.triage.diagnoses import Found, Index, diagnosis, objects
from kubevet.triage.model import Obj

WINDOW = timedelta(minutes=5)
MIN_PODS = 5
_NOT_FOUND = re.compile(r"(configmap|secret|persistentvolumeclaim|serviceaccount)s? \"([^\"]+)\" not found", re.I)
_POD_HASH = re.compile(r"^(.*?)(?:-[a-z0-9]{5,10})?-[a-z0-9]{5}$|^(.*)-\d+$")


@diagnosis(name="pdb-blocks-eviction", rules=("AVL003",), fix_field="")
def pdb(ix: Index):
    """Evictions are refused because a PodDisruptionBudget allows no disruption.

    A budget with minAvailable equal to the replicas (or maxUnavailable 0), or one whose
    pods are already unhealthy, lets no pod be evicted: node drains hang, upgrades and the
    cluster autoscaler stop at that node.

    Fix: Allow at least one disruption: maxUnavailable 1 (or minAvailable below the
    replicas), and run enough replicas for it.
    """
    rx = r"disruption budget|PodDisruptionBudget|DisruptionBudget"
    evidence = [s for s in ix.signals if s.source in ("event", "drain") and re.search(rx, s.message)]
    if evidence:
        yield Found(evidence, objects(evidence), "high",
                    detail=f"{len(evidence)} refused evictions" if len(evidence) > 1 else "an eviction refused")


@diagnosis(name="mass-deletion", rules=("SHL001", "SHL002", "SHL003", "RBC001", "RBC003", "RBC002"),
           fix_field="command")
def mass_deletion(ix: Index):
    """Many objects of several kinds were deleted within minutes: a runaway cleanup.

    Pods of several workloads stopped at once without a node failure, an eviction or a
    rollout to explain it, and the objects they use (ConfigMaps, Secrets, claims) are
    gone. This is what a script leaves that deletes with an empty selector or name
    (`kubectl delete cm,secret -l "$SELECTOR"` with SELECTOR unset selects everything), with
    `--all`, or with more rights than its job needs.

    Fix: Guard every variable of a delete (`${SELECTOR:?}`), never delete several kinds or
    `--all` in one command, try it with `--dry-run=server` first, and bind the job's
    ServiceAccount to a Role that can delete only what it cleans.
    """
    explained = set()
    for s in ix.events("TaintManagerEviction", "Evicted", "Preempted", "Preempting", "NodeNotReady"):
        if s.obj:
            explained.add(s.obj.name)
    killing = [s for s in ix.events("Killing") if s.obj and s.obj.kind == "Pod" and s.time
               and not re.search(r"liveness|startup|readiness", s.message, re.I) and s.obj.name not in explained]
    killing.sort(key=lambda s: s.time)
    best: list = []
    j = 0
    for i, s in enumerate(killing):
        while killing[j].time < s.time - WINDOW:
            j += 1
        window = killing[j:i + 1]
        if len({k.obj.name for k in window}) > len({k.obj.name for k in best}):
            best = window
    pods = {k.obj for k in best}
    owners = {_owner(ix, p.name) for p in pods}
    if len(pods) < MIN_PODS or len(owners) < 2:
        return
    start, end = best[0].time, best[-1].time
    rollouts = ix.events("ScalingReplicaSet", message=r"Scaled down")
    if any(r.time and start - WINDOW <= r.time <= end for r in rollouts) and len(owners) < 3:
        return
    missing = [s for s in ix.signals if s.source == "event" and s.time and start <= s.time <= end + 6 * WINDOW
               and _NOT_FOUND.search(s.message)]
    kinds = {"Pod"} | {_NOT_FOUND.search(s.message).group(1).lower() for s in missing}
    jobs = [s for s in ix.events("SuccessfulCreate", "SawCompletedJob", "Completed", "Started", "Created")
            if s.obj and s.obj.kind in ("Job", "CronJob", "Pod") and s.time and start - 2 * WINDOW <= s.time <= end
            and (s.obj.kind != "Pod" or s.component in ("", "kubelet") and "cleanup" in s.obj.name.lower())]
    jobs = [s for s in jobs if s.obj.kind in ("Job", "CronJob")] or jobs[:1]
    names = sorted({m.group(1).lower() + " " + m.group(2) for s in missing for m in [_NOT_FOUND.search(s.message)]})
    detail = f"{len(pods)} pods of {len(owners)} workloads stopped within {_span(end - start)}"
    if names:
        detail += "; then missing: " + ", ".join(names)
    suspects = sorted({f"{s.obj.kind} {s.obj.name}" for s in jobs})
    if suspects:
        detail += "; running just before: " + ", ".join(suspects)
    job_objs = [_cronjob(s.obj) for s in jobs]
    yield Found(best + missing + jobs, sorted(set(job_objs)) + objects(best), "high" if len(kinds) >= 2 else "medium",
                detail=detail, fix_objects=sorted(set(job_objs)))


def _owner(ix: Index, pod: str) -> str:
    if pod in ix.owner_of:
        return ix.owner_of[pod][1]
    m = _POD_HASH.match(pod)
    return (m.group(1) or m.group(2)) if m else pod


def _cronjob(obj: Obj) -> Obj:
    """A CronJob's Job is named <cronjob>-<minutes since the epoch>."""
    m = re.match(r"(.*)-\d{8,}$", obj.name)
    if obj.kind == "Job" and m:
        return Obj("CronJob", obj.namespace, m.group(1))
    return obj


def _span(d: timedelta) -> str:
    s = int(d.total_seconds())
    return "a minute" if s < 60 else f"{s} s" if s < 120 else f"{s // 60} min"
