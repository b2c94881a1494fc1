"""``kubectl describe pod|node|deployment|replicaset|statefulset`` (one or many objects).

The parser does not rely on indentation, which a paste into a ticket often loses: it
follows the keys kubectl prints (``State:``, ``Last State:``, ``Reason:``, ``Exit Code:``,
``Restart Count:``, ``Liveness:`` ...) and its section headings (``Containers:``,
``Conditions:``, ``Events:`` ...), and takes a line that is only ``name:`` inside
``Containers:`` for a container. A new object starts at ``Name:`` followed by
``Namespace:`` (namespaced kinds) or ``Roles:`` (nodes).
"""

from __future__ import annotations

import re
from datetime import datetime

from kubevet.triage import times
from kubevet.triage.model import Loc, Obj, Parsed, Signal, Unparsed
from kubevet.triage.parsers import events_table, facts

_KV = re.compile(r"\s*([A-Za-z][^:]*?):(?:[ \t]+(.*?))?\s*\Z")
_CONTAINER = re.compile(r"\s*([a-z0-9]([-a-z0-9.]*[a-z0-9])?):\s*\Z")
_PROBE = re.compile(r"(?P<handler>.*?)\s+delay=(?P<delay>\d+)s\s+timeout=(?P<timeout>\d+)s\s+period=(?P<period>\d+)s"
                    r"\s+#success=\d+\s+#failure=(?P<failure>\d+)")
_TS = r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}"
_NODE_CONDITION = re.compile(rf"\s*(\w+)\s+(True|False|Unknown)\s+({_TS}|<unknown>)\s+({_TS}|<unknown>)\s+(\S+)\s*(.*)\Z")
_POD_CONDITION = re.compile(r"\s*(\w+)\s+(True|False|Unknown)\s*(\S*)\s*(.*)\Z")
_TAINT = re.compile(r"\s*([\w./-]+(=[^:\s]*)?:(NoSchedule|NoExecute|PreferNoSchedule))\s*\Z")
SECTIONS = {
    "Containers", "Init Containers", "Ephemeral Containers", "Conditions", "Volumes", "Events", "Pod Template",
    "Labels", "Annotations", "Tolerations", "Addresses", "Capacity", "Allocatable", "System Info",
    "Non-terminated Pods", "Allocated resources", "IPs", "Lease", "Topology Spread Constraints", "Node-Selectors",
    "Selector", "Mounts", "Environment", "Args", "Command", "Limits", "Requests", "Taints", "Readiness Gates",
    "Volume Claims", "Environment Variables from", "OldReplicaSets", "NewReplicaSet",
}
FREE = {"Labels", "Annotations", "Tolerations", "Addresses", "Capacity", "Allocatable", "System Info",
        "Non-terminated Pods", "Allocated resources", "IPs", "Lease", "Volumes", "Mounts", "Environment", "Args",
        "Command", "Topology Spread Constraints", "Node-Selectors", "Readiness Gates", "Volume Claims",
        "Environment Variables from", "Selector", "Taints"}


def starts(lines: list[str], i: int) -> bool:
    """Whether line i begins a describe block (``Name:`` then ``Namespace:`` or ``Roles:``)."""
    if not lines[i].lstrip().startswith("Name:"):
        return False
    m = _KV.match(lines[i])
    if not m or m.group(1) != "Name" or not m.group(2):
        return False
    for nxt in lines[i + 1:i + 3]:
        k = _KV.match(nxt)
        if k:
            return k.group(1) in ("Namespace", "Roles")
    return False


def kind_of(lines: list[str]) -> str:
    keys = {}
    for line in lines:
        m = _KV.match(line)
        if m:
            keys.setdefault(m.group(1), m.group(2) or "")
    if "Roles" in keys and "Namespace" not in keys:
        return "Node"
    if "StrategyType" in keys:
        return "Deployment"
    if "Update Strategy" in keys or "desired |" in keys.get("Replicas", ""):
        return "StatefulSet"
    if "current /" in keys.get("Replicas", ""):
        return "ReplicaSet"
    if "Desired Number of Nodes Scheduled" in keys:
        return "DaemonSet"
    if "Schedule" in keys and "Concurrency Policy" in keys:
        return "CronJob"
    if "Completions" in keys:
        return "Job"
    return "Pod"


def parse_block(lines: list[str], first_line: int, file: str, at: datetime) -> Parsed:
    kind = kind_of(lines)
    out = Parsed(f"describe-{kind.lower()}", lines=len(lines), first_line=first_line)
    name = namespace = ""
    for line in lines[:4]:
        m = _KV.match(line)
        if m and m.group(1) == "Name":
            name = m.group(2) or ""
        elif m and m.group(1) == "Namespace":
            namespace = m.group(2) or ""
    obj = Obj(kind, namespace or None, name)
    pod = facts.Pod(obj, first_line)
    node = facts.Node(obj, first_line)
    section = ""
    container: facts.Container | None = None
    mode = ""  # state, last, limits, requests
    i = 0
    while i < len(lines):
        raw = lines[i]
        n = first_line + i
        i += 1
        text = raw.strip()
        if not text:
            continue
        m = _KV.match(raw)
        key = m.group(1) if m else ""
        value = (m.group(2) or "") if m else ""
        if key in SECTIONS and key not in ("Selector",) and (not value or key in ("Labels", "Annotations", "Taints",
                                                                                    "Tolerations", "Node-Selectors", "Non-terminated Pods")):
            if key in ("Containers", "Init Containers", "Ephemeral Containers", "Conditions", "Events", "Pod Template",
                       "Volumes", "Labels", "Annotations", "Tolerations", "Addresses", "Capacity", "Allocatable",
                       "System Info", "Non-terminated Pods", "Allocated resources", "Taints", "Lease", "IPs",
                       "Node-Selectors", "Topology Spread Constraints", "Volume Claims", "Readiness Gates"):
                section = key
                container = None if key not in ("Limits", "Requests") else container
            if key in ("Limits", "Requests"):
                mode = key.lower()
            elif key in ("Mounts", "Environment", "Args", "Command", "Environment Variables from"):
                mode = "free"
            if key == "Taints" and value and value != "<none>":
                node.taints.append((value, n))
            if key == "Events":
                if value == "<none>":
                    continue
                j = i
                while j < len(lines) and not lines[j].strip():
                    j += 1
                head = events_table.header(lines[j]) if j < len(lines) else None
                if head:
                    end = j + 1
                    while end < len(lines) and not _ends_events(lines[end]):
                        end += 1
                    rows = [(first_line + k, lines[k]) for k in range(j + 1, end)]
                    sigs, bad = events_table.parse(rows, head, lines[j], file, at, subject=obj)
                    for s in sigs:
                        s.host = s.host or pod.node
                    out.signals.extend(sigs)
                    out.unparsed.extend(bad)
                    i = end
                continue
            continue
        if section in ("Containers", "Init Containers", "Pod Template") or (
                section == "" and kind != "Pod" and _CONTAINER.match(raw)):
            cm = _CONTAINER.match(raw)
            if cm and not m.group(2):
                if key not in SECTIONS:
                    container = facts.Container(cm.group(1), n, init=section == "Init Containers")
                    pod.containers.append(container)
                    mode = ""
                    continue
            if container is not None and _container_line(container, key, value, raw, n, mode, at):
                if key == "State":
                    mode = "state"
                elif key == "Last State":
                    mode = "last"
                elif key in ("Ready", "Restart Count", "Liveness", "Readiness", "Startup", "Image", "Port"):
                    mode = "" if key != "Image" else mode
                continue
            if mode in ("limits", "requests") and container is not None and m and value:
                (container.limits if mode == "limits" else container.requests)[key] = value
                container.lines.setdefault(mode, n)
                continue
            if m or mode == "free":
                continue
        elif section == "Conditions":
            if kind == "Node":
                c = _NODE_CONDITION.match(raw)
                if c:
                    node.conditions.append({"type": c.group(1), "status": c.group(2), "reason": c.group(5),
                                            "message": c.group(6), "time": times.parse_time(c.group(4), at),
                                            "line": n})
                    continue
            c = _POD_CONDITION.match(raw)
            if c and c.group(1) != "Type":
                pod.conditions[c.group(1)] = (c.group(2), n)
                if kind in ("Deployment", "ReplicaSet", "StatefulSet") and c.group(2) != "True" or \
                        c.group(1) == "ReplicaFailure":
                    out.signals.append(Signal("workload-condition", c.group(1), obj, Loc(file, n), message=c.group(4),
                                              fields={"status": c.group(2), "reason": c.group(3)}))
                continue
            if text.startswith("Type") or set(text) <= set("- \t"):
                continue
            if m:
                section = ""
        elif section == "Taints" and _TAINT.match(raw):
            node.taints.append((text, n))
            continue
        elif section in FREE and not (m and key in _TOP):
            continue
        if m:
            section = "" if key in _TOP else section
            if key == "Node" and value and value != "<none>":
                pod.node = value.split("/")[0]
            elif key == "Controlled By" and "/" in value:
                k, _, nm = value.partition("/")
                pod.owner, pod.owner_line = (k, nm), n
            elif key == "Status":
                pod.phase = value
            elif key == "Reason" and container is None:
                pod.reason, pod.status_line = value, n
            elif key == "Message" and container is None:
                pod.message = value
            elif key == "Unschedulable":
                node.unschedulable = value == "true"
            continue
        out.unparsed.append(Unparsed(Loc(file, n), raw, f"not understood in kubectl describe {kind.lower()}"))
    if kind == "Node":
        out.signals.extend(facts.node_signals(node, file))
    else:
        sigs = facts.pod_signals(pod, file)
        if kind != "Pod":  # a workload's template: its probes and resources, not a pod's state
            sigs = [s for s in sigs if s.source in ("probe", "resources")]
        out.signals.extend(sigs)
    return out


_TOP = {"Name", "Namespace", "Priority", "Service Account", "Node", "Start Time", "Status", "Reason", "Message", "IP",
        "Controlled By", "QoS Class", "Priority Class Name", "Runtime Class Name", "Roles", "CreationTimestamp",
        "Unschedulable", "PodCIDR", "PodCIDRs", "ProviderID", "Replicas", "StrategyType", "MinReadySeconds",
        "RollingUpdateStrategy", "Pods Status", "Update Strategy", "Partition", "Selector", "Nominated Node Name"}


def _ends_events(line: str) -> bool:
    """An Events table runs to the next object or a blank line followed by a key."""
    m = _KV.match(line)
    return bool(m and m.group(1) == "Name" and m.group(2))


def _container_line(c: facts.Container, key: str, value: str, raw: str, n: int, mode: str, at: datetime) -> bool:
    if key == "State":
        c.state, c.lines["state"] = value, n
    elif key == "Last State":
        c.last_state, c.lines["last"] = value, n
    elif key == "Reason" and mode in ("state", "last"):
        if mode == "state":
            c.state_reason = value
            c.lines["state"] = n
        else:
            c.last_reason = value
            c.lines["last"] = n
    elif key == "Message" and mode == "state":
        c.state_message = value
    elif key == "Exit Code" and mode in ("state", "last"):
        code = int(value) if value.lstrip("-").isdigit() else None
        if mode == "state":
            c.exit_code = code
        else:
            c.last_exit = code
    elif key == "Finished" and mode == "last":
        c.last_finished = times.parse_time(value, at)
    elif key in ("Started", "Signal", "Container ID", "Image ID", "Host Port", "Host Ports", "Ports", "SeccompProfile"):
        pass
    elif key == "Ready":
        c.ready = value == "True"
    elif key == "Restart Count":
        c.restarts = int(value) if value.isdigit() else 0
        c.lines["restarts"] = n
    elif key in ("Liveness", "Readiness", "Startup"):
        p = _PROBE.match(value)
        c.probes[key.lower()] = facts.Probe(p.group("handler"), int(p.group("timeout")), int(p.group("period")),
                                            int(p.group("failure")), int(p.group("delay")), n) if p else \
            facts.Probe(value, line=n)
    elif key in ("Image", "Port"):
        pass
    else:
        return False
    return True
