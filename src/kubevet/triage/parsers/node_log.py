"""Kernel and kubelet log lines: ``dmesg`` (``-T`` too), ``journalctl`` (short and short-iso),
bare klog lines. A node OOM shows here first: ``Out of memory: Killed process 4021
(kubelet)``, ``oom-kill:constraint=CONSTRAINT_NONE,...,task=kubelet``; a container hitting
its own limit reads ``Memory cgroup out of memory`` or ``constraint=CONSTRAINT_MEMCG``.

A line with a log prefix that says nothing the diagnoses use is read and counted; a line
without one is not a log line and is reported as unparsed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from kubevet.triage import times
from kubevet.triage.model import Loc, Obj, Parsed, Signal, Unparsed

_PREFIXES = (
    # journalctl short: "Dec 03 04:02:11 node-3 kernel: ..."; short-iso: "2026-12-03T04:02:11+0000 node-3 kubelet[9]: "
    re.compile(r"(?P<time>[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?"
               r"(?:Z|[+-]\d\d:?\d\d)?) (?P<host>[\w.-]+) (?P<unit>[\w.@/-]+?)(?:\[\d+\])?: (?P<rest>.*)\Z"),
    # dmesg -T: "[Thu Dec  3 04:02:11 2026] ..."; dmesg: "[123456.789012] ..."
    re.compile(r"\[(?P<time>[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \d{4})\] ?(?P<rest>.*)\Z"),
    re.compile(r"\[ *(?P<uptime>\d+\.\d+)\] ?(?P<rest>.*)\Z"),
    # klog: "E1203 04:02:11.123456    1234 file.go:82] message"
    re.compile(r"(?P<klog>[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+) +\d+ [\w./-]+:\d+\] (?P<rest>.*)\Z"),
    # kubectl drain: "evicting pod shop/web-1", "error when evicting pods/\"web-1\" -n \"shop\" ..."
    re.compile(r"(?P<drain>)(?P<rest>(?:error when evicting|evicting pod|node/\S+ (?:cordoned|drained|evicted)|"
               r"There are pending pods in node).*)\Z"),
)
_DRAIN_POD = re.compile(r'evicting pods?/?"?(?:(?P<ns1>[\w.-]+)/)?(?P<pod>[\w.-]+)"?(?: -n "(?P<ns2>[\w.-]+)")?')
_KLOG = re.compile(r"[IWEF](\d\d)(\d\d) (\d\d:\d\d:\d\d)(?:\.\d+)? +\d+ [\w./-]+:\d+\] (.*)\Z")
_KILLED = re.compile(r"(?P<memcg>Memory cgroup out of memory: )?(?:Out of memory: )?Kill(?:ed)? process (?P<pid>\d+) "
                     r"\((?P<task>[^)]*)\)")
_OOM_KILL = re.compile(r"oom-kill:(?P<fields>\S+)")
_INVOKED = re.compile(r"(?P<task>\S+) invoked oom-killer:")
_POD_UID = re.compile(r"pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})")
SIGNALS = (
    ("network-not-ready", re.compile(r"network not ready|NetworkPluginNotReady|cni plugin not initialized|"
                                     r"failed to (?:set ?up|find) (?:network|plugin)|no networks found in /etc/cni", re.I)),
    ("node-status-error", re.compile(r"Error updating node status|Unable to update node status|"
                                     r"failed to (?:patch|update) (?:node )?status", re.I)),
    ("system-oom", re.compile(r"System OOM encountered|Got sys oom event", re.I)),
    ("eviction", re.compile(r"eviction manager: (?:attempting to reclaim|pods? .* evicted|must evict)", re.I)),
    ("kubelet-stopped", re.compile(r"Stopped kubelet|kubelet\.service: (?:Main process exited|Failed with result)"
                                   r"|kubelet\.service: .*(?:oom-kill|killed)", re.I)),
    ("pleg", re.compile(r"PLEG is not healthy", re.I)),
)


def prefix(line: str) -> re.Match | None:
    for p in _PREFIXES:
        m = p.match(line)
        if m:
            return m
    return None


def parse(lines: list[tuple[int, str]], file: str, at: datetime) -> Parsed:
    out = Parsed("node-log", lines=len(lines), first_line=lines[0][0] if lines else 0)
    for n, line in lines:
        text = line.strip()
        if not text:
            continue
        m = prefix(text)
        if not m:
            out.unparsed.append(Unparsed(Loc(file, n), line, "not a kernel or kubelet log line"))
            continue
        groups = m.groupdict()
        rest = groups["rest"]
        host = groups.get("host") or ""
        unit = groups.get("unit") or ("kernel" if "uptime" in groups or "[" in text[:1] else "kubelet")
        when = None
        if groups.get("time"):
            when = times.parse_time(groups["time"], at)
        elif groups.get("klog"):
            when = _klog_time(groups["klog"], at)
        if groups.get("drain") is not None:
            d = _DRAIN_POD.search(rest)
            obj = Obj("Pod", d.group("ns1") or d.group("ns2"), d.group("pod")) if d else None
            out.signals.append(Signal("drain", "evict-refused" if "disruption budget" in rest else "evicting", obj,
                                      Loc(file, n), message=rest, component="kubectl drain"))
            continue
        k = _KLOG.match(rest)
        if k:  # journalctl of the kubelet: the klog header follows the journal's
            rest = k.group(4)
        sig = _signal(rest, unit, host, when, Loc(file, n))
        if sig:
            out.signals.append(sig)
    return out


def _klog_time(text: str, at: datetime) -> datetime | None:
    try:
        t = datetime.strptime(f"{at.year}{text[1:15]}", "%Y%m%d %H:%M:%S").replace(tzinfo=at.tzinfo)
    except ValueError:
        return None
    return t.replace(year=at.year - 1) if t > at + timedelta(days=1) else t


def _signal(rest: str, unit: str, host: str, when: datetime | None, loc: Loc) -> Signal | None:
    node = Obj("Node", None, host) if host else None
    m = _KILLED.search(rest)
    if m:
        return Signal("log", "oom-kill", node, loc, message=rest, last=when, component=unit, host=host,
                      fields={"pid": m.group("pid"), "victim": m.group("task"),
                              "constraint": "memcg" if m.group("memcg") else "global"})
    m = _OOM_KILL.search(rest)
    if m:
        kv = dict(p.split("=", 1) for p in m.group("fields").split(",") if "=" in p)
        constraint = "memcg" if kv.get("constraint") == "CONSTRAINT_MEMCG" or "oom_memcg=/kubepods" in rest \
            and "global_oom" not in rest else "global"
        uid = _POD_UID.search(kv.get("task_memcg", "") or kv.get("oom_memcg", ""))
        return Signal("log", "oom-kill", node, loc, message=rest, last=when, component=unit, host=host,
                      fields={"pid": kv.get("pid", ""), "victim": kv.get("task", ""), "constraint": constraint,
                              "pod_uid": uid.group(1).replace("_", "-") if uid else ""})
    m = _INVOKED.search(rest)
    if m:
        return Signal("log", "oom-invoked", node, loc, message=rest, last=when, component=unit, host=host,
                      fields={"task": m.group("task")})
    for reason, pattern in SIGNALS:
        if pattern.search(rest):
            return Signal("log", reason, node, loc, message=rest, last=when, component=unit, host=host)
    return None
