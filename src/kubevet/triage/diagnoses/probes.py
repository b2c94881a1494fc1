"""Probes that kill or unready healthy containers, and containers that crash in a loop."""

from __future__ import annotations

import re
from collections import defaultdict

from kubevet.triage.diagnoses import Found, Index, diagnosis, objects

TIMEOUT = re.compile(r"context deadline exceeded|Client\.Timeout exceeded|timeout: failed to connect|i/o timeout|"
                     r"timed out|command timed out", re.I)


def _by_pod(signals):
    out = defaultdict(list)
    for s in signals:
        if s.obj:
            out[s.obj].append(s)
    return out


@diagnosis(name="liveness-kill-loop", rules=("PRB004", "PRB003", "PRB005"), fix_field="livenessProbe")
def liveness_loop(ix: Index):
    """The liveness probe keeps killing the container (Killing: failed liveness probe, exit 137).

    Each failed liveness check counts towards failureThreshold; at the threshold the
    kubelet kills the container (exit code 137, reason Error, not OOMKilled) and starts it
    again. A container that is only slow, under load or waiting for a dependency, is
    restarted over and over, which adds load and makes the next probe slower still.

    Fix: Make the liveness probe check only that the process is alive (not its
    dependencies), give it a timeoutSeconds well above the slowest answer, a higher
    failureThreshold, and a startupProbe for slow starts.
    """
    kills = ix.events("Killing", message=r"failed liveness probe")
    fails = ix.events("Unhealthy", message=r"^Liveness probe failed")
    pods = _by_pod(kills + fails)
    for s in ix.of("container"):
        if s.obj in pods and s.fields["last_exit"] == 137 and s.fields["last_reason"] != "OOMKilled":
            pods[s.obj].append(s)
    for pod, evidence in pods.items():
        if not any(e.reason == "Killing" or e.source == "container" for e in evidence):
            continue  # failures that never reached the threshold: probe-timeout or readiness say more
        kills_n = sum(e.count for e in evidence if e.reason == "Killing")
        restarts = max((e.fields["restarts"] for e in evidence if e.source == "container"), default=0)
        container = next((e.fields.get("container") for e in evidence if e.fields.get("container")), "")
        probe = next((p for p in ix.of("probe", pod) if p.reason == "liveness"), None)
        detail = f"{kills_n} kills" if kills_n else ""
        if restarts:
            detail += (", " if detail else "") + f"restart count {restarts}"
        if probe:
            evidence.append(probe)
            detail += f"; liveness {probe.fields['handler']} timeout={probe.fields['timeout']}s"
        yield Found(evidence, [pod], "high" if kills_n or restarts >= 3 else "medium", detail=detail,
                    container=container or (probe.fields["container"] if probe else ""),
                    node=ix.node_of.get(pod.name, ""))


@diagnosis(name="probes-identical", rules=("PRB003",), fix_field="livenessProbe")
def probes_identical(ix: Index):
    """Liveness and readiness probes check the same endpoint with the same timing.

    When the endpoint fails (the database it checks is slow), the readiness probe takes
    the pod out of traffic and, at the same moment, the liveness probe restarts it:
    there is no time to recover, and every replica fails together.

    Fix: Point the liveness probe at a cheap endpoint that checks only the process
    (/livez), keep the dependency checks in readiness, and give liveness a longer period
    and a higher failureThreshold.
    """
    per_container = defaultdict(dict)
    for p in ix.of("probe"):
        per_container[(p.obj, p.fields["container"])][p.reason] = p
    seen = set()
    for (obj, container), probes in per_container.items():
        live, ready = probes.get("liveness"), probes.get("readiness")
        if not live or not ready or live.fields["handler"] != ready.fields["handler"]:
            continue
        same = all(live.fields[k] == ready.fields[k] for k in ("timeout", "period", "failure"))
        key = (obj.kind, _workload(obj.name, ix), container, live.fields["handler"])
        if key in seen:
            continue
        seen.add(key)
        yield Found([live, ready], [obj], "high" if same else "medium", container=container,
                    detail=f"container {container}: {live.fields['handler']}"
                           + (f", both timeout={live.fields['timeout']}s period={live.fields['period']}s" if same else ""))


def _workload(pod: str, ix: Index) -> str:
    owner = ix.owner_of.get(pod)
    return owner[1] if owner else pod


@diagnosis(name="probe-timeout", rules=("PRB004",), fix_field="livenessProbe")
def probe_timeout(ix: Index):
    """Probes time out before the container answers (context deadline exceeded, 1 s timeout).

    A probe's timeoutSeconds defaults to 1 second. An endpoint that answers in more than
    that under load, during garbage collection or while a dependency is slow counts as a
    failure; with the liveness probe it ends in a restart.

    Fix: Set timeoutSeconds above the endpoint's slowest normal answer (and keep the
    endpoint cheap), with failureThreshold and periodSeconds that allow a slow spell.
    """
    fails = ix.events("Unhealthy", message=TIMEOUT.pattern)
    for pod, evidence in _by_pod(fails).items():
        short = [p for p in ix.of("probe", pod) if p.fields["timeout"] <= 1]
        kinds = sorted({e.message.split(" ", 1)[0] for e in evidence})
        detail = f"{sum(e.count for e in evidence)} timed-out {'/'.join(k.lower() for k in kinds)} probes"
        if short:
            detail += "; " + ", ".join(f"{p.reason} timeout={p.fields['timeout']}s" for p in short)
        container = next((e.fields["container"] for e in evidence + short if e.fields.get("container")), "")
        yield Found(evidence + short, [pod], "high", detail=detail, container=container,
                    node=ix.node_of.get(pod.name, ""))


@diagnosis(name="readiness-5xx", rules=("PRB003",), fix_field="readinessProbe")
def readiness_5xx(ix: Index):
    """The readiness probe gets 5xx answers: the pod is out of the Service's endpoints.

    A readiness probe that answers 500 or 503 takes the pod out of traffic. When it checks
    a dependency (the database) every replica fails at once and the Service has no
    endpoint left; when it shares its endpoint with the liveness probe, the pods are also
    restarted.

    Fix: Find why the endpoint answers 5xx (often a dependency); keep readiness for what
    the pod needs to serve, and never let the same check drive liveness.
    """
    fails = ix.events("Unhealthy", message=r"^Readiness probe failed: HTTP probe failed with statuscode: 5\d\d")
    for pod, evidence in _by_pod(fails).items():
        codes = sorted({re.search(r"statuscode: (\d+)", e.message).group(1) for e in evidence})
        yield Found(evidence, [pod], "high", detail=f"HTTP {', '.join(codes)}, {sum(e.count for e in evidence)} times",
                    container=next((e.fields["container"] for e in evidence if e.fields.get("container")), ""),
                    node=ix.node_of.get(pod.name, ""))


@diagnosis(name="startup-probe-failed", rules=("PRB005", "PRB004"), fix_field="startupProbe")
def startup_failed(ix: Index):
    """The startup probe fails: the container is killed before it finishes starting.

    Until the startup probe succeeds the other probes wait; after failureThreshold x
    periodSeconds without success the kubelet kills the container and starts it again,
    so a start slower than that window never completes.

    Fix: Make failureThreshold x periodSeconds of the startup probe longer than the
    slowest real start, and check the endpoint the application opens when it is ready.
    """
    fails = ix.events("Unhealthy", message=r"^Startup probe failed")
    for pod, evidence in _by_pod(fails).items():
        yield Found(evidence + [p for p in ix.of("probe", pod) if p.reason == "startup"], [pod], "high",
                    detail=f"{sum(e.count for e in evidence)} failed startup probes",
                    node=ix.node_of.get(pod.name, ""))


@diagnosis(name="crash-loop", rules=("PRB004", "RES003"), fix_field="")
def crash_loop(ix: Index):
    """A container is in CrashLoopBackOff: it exits again and again and waits longer each time.

    The kubelet restarts a container that exits with an exponential back-off up to five
    minutes, so the pod spends most of its time not running. The cause is the reason of
    the last termination: OOMKilled (memory), Error with exit code 137 (killed, often by
    the liveness probe), or the application's own exit code (configuration, a missing
    dependency).

    Fix: Read the last termination's reason and the container's logs (kubectl logs
    --previous) and fix that cause; the linked diagnoses name it when it is known.
    """
    backoff = ix.events("BackOff", message=r"restarting failed container")
    pods = _by_pod(backoff)
    for s in ix.of("container"):
        if s.fields["state_reason"] == "CrashLoopBackOff" and s.obj:
            pods[s.obj].append(s)
    for pod, evidence in pods.items():
        last = next((e for e in evidence if e.source == "container"), None)
        detail = ""
        container = next((e.fields.get("container") for e in evidence if e.fields.get("container")), "")
        if last:
            detail = (f"container {last.fields['container']}: last exit {last.fields['last_exit']} "
                      f"({last.fields['last_reason'] or 'no reason'}), restart count {last.fields['restarts']}")
        else:
            m = re.search(r"failed container (\S+)", evidence[0].message)
            container = container or (m.group(1) if m else "")
            detail = f"{sum(e.count for e in evidence)} back-offs"
        yield Found(evidence, objects(evidence), "high", detail=detail, container=container,
                    node=ix.node_of.get(pod.name, ""))
