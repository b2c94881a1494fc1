"""Pods and nodes as facts, whichever output they were read from.

``kubectl describe`` and ``kubectl get -o json|yaml`` show the same things in different
shapes; both parsers fill these facts (with the line each came from), and one function
turns them into signals, so that every diagnosis reads one form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubevet.triage import times
from kubevet.triage.model import Loc, Obj, Signal

PROBES = ("liveness", "readiness", "startup")


@dataclass
class Probe:
    handler: str  # "http-get http://:8080/healthz", "exec [cat /ready]", "tcp-socket :5432"
    timeout: int = 1
    period: int = 10
    failure: int = 3
    delay: int = 0
    line: int = 0


@dataclass
class Container:
    name: str
    line: int = 0
    state: str = ""  # Running, Waiting, Terminated
    state_reason: str = ""
    state_message: str = ""
    exit_code: int | None = None
    last_state: str = ""
    last_reason: str = ""
    last_exit: int | None = None
    last_finished: datetime | None = None
    restarts: int = 0
    ready: bool | None = None
    probes: dict[str, Probe] = field(default_factory=dict)
    limits: dict[str, str] = field(default_factory=dict)
    requests: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # "state", "last", "restarts", "limits", "requests"
    init: bool = False


@dataclass
class Pod:
    obj: Obj
    line: int
    node: str = ""
    owner: tuple[str, str] | None = None  # (kind, name)
    owner_line: int = 0
    phase: str = ""
    reason: str = ""
    message: str = ""
    status_line: int = 0
    containers: list[Container] = field(default_factory=list)
    conditions: dict[str, tuple[str, int]] = field(default_factory=dict)  # type -> (status, line)


@dataclass
class Node:
    obj: Obj
    line: int
    conditions: list[dict[str, Any]] = field(default_factory=list)  # type, status, reason, message, time, line
    taints: list[tuple[str, int]] = field(default_factory=list)  # ("key:Effect", line)
    unschedulable: bool = False


def pod_signals(pod: Pod, file: str) -> list[Signal]:
    out = []
    if pod.owner:
        out.append(Signal("owner", pod.owner[0], pod.obj, Loc(file, pod.owner_line or pod.line),
                          fields={"kind": pod.owner[0], "name": pod.owner[1]}))
    if pod.reason:
        out.append(Signal("pod-status", pod.reason, pod.obj, Loc(file, pod.status_line or pod.line),
                          message=pod.message, host=pod.node, fields={"phase": pod.phase}))
    for c in pod.containers:
        loc = Loc(file, c.lines.get("last") or c.lines.get("state") or c.line or pod.line)
        reason = c.last_reason or c.state_reason
        if reason or c.restarts:
            out.append(Signal(
                "container", reason, pod.obj, loc, message=c.state_message, last=c.last_finished, host=pod.node,
                fields={"container": c.name, "state": c.state, "state_reason": c.state_reason, "exit_code": c.exit_code,
                        "last_reason": c.last_reason, "last_exit": c.last_exit, "restarts": c.restarts,
                        "restarts_line": c.lines.get("restarts", 0), "state_line": c.lines.get("state", 0),
                        "init": c.init}))
        for kind, p in c.probes.items():
            out.append(Signal("probe", kind, pod.obj, Loc(file, p.line or c.line or pod.line), message=p.handler,
                              fields={"container": c.name, "handler": p.handler, "timeout": p.timeout,
                                      "period": p.period, "failure": p.failure, "delay": p.delay}))
        out.append(Signal("resources", "limits" if c.limits else "no-limits", pod.obj,
                          Loc(file, c.lines.get("limits") or c.lines.get("requests") or c.line or pod.line),
                          host=pod.node, fields={"container": c.name, "limits": c.limits, "requests": c.requests}))
    if pod.node:
        out.append(Signal("placement", "node", pod.obj, Loc(file, pod.line), host=pod.node, fields={"node": pod.node}))
    return out


def node_signals(node: Node, file: str) -> list[Signal]:
    out = []
    for c in node.conditions:
        out.append(Signal("node-condition", c["type"], node.obj, Loc(file, c.get("line") or node.line),
                          message=c.get("message", ""), last=c.get("time"), host=node.obj.name,
                          fields={"status": c.get("status", ""), "reason": c.get("reason", "")}))
    for taint, line in node.taints:
        out.append(Signal("node-taint", taint, node.obj, Loc(file, line or node.line), host=node.obj.name))
    return out


# --- from the API's objects (kubectl get -o json|yaml) ---------------------------------------------------------


def probe_from_spec(spec: Any) -> Probe | None:
    if not isinstance(spec, dict):
        return None
    handler = "unknown"
    if isinstance(spec.get("httpGet"), dict):
        h = spec["httpGet"]
        scheme = str(h.get("scheme") or "HTTP").lower()
        handler = f"http-get {scheme}://{h.get('host') or ''}:{h.get('port', '')}{h.get('path') or '/'}"
    elif isinstance(spec.get("exec"), dict):
        handler = "exec [" + " ".join(str(a) for a in spec["exec"].get("command") or []) + "]"
    elif isinstance(spec.get("tcpSocket"), dict):
        handler = f"tcp-socket {spec['tcpSocket'].get('host') or ''}:{spec['tcpSocket'].get('port', '')}"
    elif isinstance(spec.get("grpc"), dict):
        handler = f"grpc <pod>:{spec['grpc'].get('port', '')}"
    return Probe(handler, _int(spec.get("timeoutSeconds"), 1), _int(spec.get("periodSeconds"), 10),
                 _int(spec.get("failureThreshold"), 3), _int(spec.get("initialDelaySeconds"), 0))


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def pod_from_object(data: dict, line: int, find) -> Pod:
    """``find(text, after=None)`` is the first line of the object (after a line) holding ``text``."""
    meta, spec, status = _dict(data.get("metadata")), _dict(data.get("spec")), _dict(data.get("status"))
    obj = Obj("Pod", meta.get("namespace") if isinstance(meta.get("namespace"), str) else None, str(meta.get("name")))
    pod = Pod(obj, line, node=str(spec.get("nodeName") or ""), phase=str(status.get("phase") or ""),
              reason=str(status.get("reason") or ""), message=str(status.get("message") or ""))
    if pod.reason:
        pod.status_line = find(f'"{pod.reason}"') or find(pod.reason)
    for ref in _list(meta.get("ownerReferences")):
        if isinstance(ref, dict) and ref.get("controller", True):
            pod.owner = (str(ref.get("kind")), str(ref.get("name")))
            pod.owner_line = find(str(ref.get("name")))
            break
    specs = {}
    for init, key in ((True, "initContainers"), (False, "containers")):
        for c in _list(spec.get(key)):
            if isinstance(c, dict) and isinstance(c.get("name"), str):
                specs[c["name"]] = (c, init)
    statuses = {s.get("name"): s for key in ("initContainerStatuses", "containerStatuses")
                for s in _list(status.get(key)) if isinstance(s, dict)}
    anchor = find("containerStatuses") or line
    for name, (cspec, init) in specs.items():
        c = Container(name, find(name) or line, init=init)
        for kind in PROBES:
            p = probe_from_spec(cspec.get(f"{kind}Probe"))
            if p:
                p.line = find(f"{kind}Probe")
                c.probes[kind] = p
        res = _dict(cspec.get("resources"))
        c.limits = {str(k): str(v) for k, v in _dict(res.get("limits")).items()}
        c.requests = {str(k): str(v) for k, v in _dict(res.get("requests")).items()}
        if c.limits:
            c.lines["limits"] = find('limits')
        s = statuses.get(name)
        if isinstance(s, dict):
            at = find(name, after=anchor) or anchor
            _status(c, s, lambda text, after=None, at=at: find(text, after=after or at))
        pod.containers.append(c)
    for cond in _list(status.get("conditions")):
        if isinstance(cond, dict) and cond.get("type"):
            pod.conditions[str(cond["type"])] = (str(cond.get("status")), line)
    return pod


def _status(c: Container, s: dict, find) -> None:
    c.restarts = _int(s.get("restartCount"), 0)
    c.ready = s.get("ready") if isinstance(s.get("ready"), bool) else None
    c.lines["restarts"] = find("restartCount")
    for key, value in _dict(s.get("state")).items():
        value = _dict(value)
        c.state = key.capitalize()
        c.state_reason = str(value.get("reason") or "")
        c.state_message = str(value.get("message") or "")
        if key == "terminated":
            c.exit_code = _int(value.get("exitCode"), None)  # type: ignore[arg-type]
        c.lines["state"] = find(f'"{c.state_reason}"') or find(c.state_reason) if c.state_reason else find("state")
    for key, value in _dict(s.get("lastState")).items():
        value = _dict(value)
        if key != "terminated" or not value:
            continue
        c.last_state = "Terminated"
        c.last_reason = str(value.get("reason") or "")
        c.last_exit = _int(value.get("exitCode"), None)  # type: ignore[arg-type]
        c.last_finished = times.parse_time(str(value.get("finishedAt") or ""))
        c.lines["last"] = find("lastState")


def node_from_object(data: dict, line: int, find) -> Node:
    meta, spec, status = _dict(data.get("metadata")), _dict(data.get("spec")), _dict(data.get("status"))
    node = Node(Obj("Node", None, str(meta.get("name"))), line, unschedulable=bool(spec.get("unschedulable")))
    for cond in _list(status.get("conditions")):
        if isinstance(cond, dict) and cond.get("type"):
            node.conditions.append({
                "type": str(cond["type"]), "status": str(cond.get("status")), "reason": str(cond.get("reason") or ""),
                "message": str(cond.get("message") or ""),
                "time": times.parse_time(str(cond.get("lastTransitionTime") or "")),
                "line": find(f'"{cond["type"]}"') or find(f"type: {cond['type']}"),
            })
    for t in _list(spec.get("taints")):
        if isinstance(t, dict) and t.get("key"):
            node.taints.append((f"{t['key']}:{t.get('effect', '')}", find(str(t["key"]))))
    return node

