"""``kubectl get ... -o json|yaml``: Events (core v1 and events.k8s.io/v1), Pods and Nodes.

Read with kubevet's own loader (lists, multi-document YAML, exact typing, line numbers);
other kinds are counted as read but give no signal.
"""

from __future__ import annotations

import bisect
from datetime import datetime

from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Problem, Source
from kubevet.triage import times
from kubevet.triage.model import Loc, Parsed, Signal, Unparsed
from kubevet.triage.model import obj as make_obj
from kubevet.triage.parsers import facts


def parse(text: str, file: str, first_line: int, at: datetime) -> Parsed:
    """Signals of the objects in ``text``, whose first line is line ``first_line`` of ``file``."""
    lines = text.split("\n")
    out = Parsed("objects", lines=len(lines), first_line=first_line)
    offset = first_line - 1
    kinds = set()
    objects = [o for o in read_source(Source(file, file, data=text.encode())) if isinstance(o, (K8sObject, Problem))]
    starts = sorted(o.line for o in objects if isinstance(o, K8sObject))
    for o in objects:
        if isinstance(o, Problem):
            out.unparsed.append(Unparsed(Loc(file, offset + max(o.line, 1)), _line(lines, o.line), o.message))
            continue
        kinds.add(o.kind)
        end = starts[bisect.bisect_right(starts, o.line)] if bisect.bisect_right(starts, o.line) < len(starts) else len(lines) + 1

        def find(needle: str, after: int | None = None, start: int = o.line, end: int = end) -> int:
            for i in range(max(after or start, start), min(end, len(lines) + 1)):
                if needle and needle in lines[i - 1]:
                    return offset + i
            return 0

        line = offset + o.line
        if o.kind == "Event":
            sig = event_signal(o.data, Loc(file, line), at)
            if sig:
                out.signals.append(sig)
        elif o.kind == "Pod":
            out.signals.extend(facts.pod_signals(facts.pod_from_object(o.data, line, find), file))
        elif o.kind == "Node":
            out.signals.extend(facts.node_signals(facts.node_from_object(o.data, line, find), file))
    out.kind = "events-" if kinds == {"Event"} else "objects-"
    out.kind += "json" if text.lstrip().startswith(("{", "[")) else "yaml"
    return out


def _line(lines: list[str], n: int) -> str:
    return lines[n - 1] if 0 < n <= len(lines) else ""


def _d(v) -> dict:
    return v if isinstance(v, dict) else {}


def event_signal(data: dict, loc: Loc, at: datetime) -> Signal | None:
    """A Signal for a core v1 or events.k8s.io/v1 Event."""
    new = str(data.get("apiVersion", "")).startswith("events.k8s.io")
    meta = _d(data.get("metadata"))
    regarding = _d(data.get("regarding") if new else data.get("involvedObject"))
    series = _d(data.get("series"))
    if new:
        message = data.get("note") or ""
        count = series.get("count") or data.get("deprecatedCount") or 1
        first = times.parse_time(str(data.get("deprecatedFirstTimestamp") or data.get("eventTime") or ""))
        last = times.parse_time(str(series.get("lastObservedTime") or data.get("deprecatedLastTimestamp") or "")) or first
        source = _d(data.get("deprecatedSource"))
        component = data.get("reportingController") or source.get("component") or ""
        host = source.get("host") or ""
    else:
        message = data.get("message") or ""
        count = data.get("count") or series.get("count") or 1
        first = times.parse_time(str(data.get("firstTimestamp") or data.get("eventTime") or ""))
        last = times.parse_time(str(data.get("lastTimestamp") or series.get("lastObservedTime") or "")) or first
        source = _d(data.get("source"))
        component = source.get("component") or data.get("reportingComponent") or ""
        host = source.get("host") or ""
    if first is None:
        first = times.parse_time(str(meta.get("creationTimestamp") or ""))
    if not data.get("reason") or not regarding.get("kind"):
        return None
    ns = regarding.get("namespace") or meta.get("namespace")
    obj = make_obj(str(regarding["kind"]), ns if isinstance(ns, str) else None, str(regarding.get("name") or ""))
    fields = {}
    path = str(regarding.get("fieldPath") or "")
    if "{" in path:
        fields["container"] = path[path.index("{") + 1:path.rindex("}")] if "}" in path else ""
    return Signal("event", str(data["reason"]), obj, loc, message=str(message), type=str(data.get("type") or ""),
                  first=first, last=last or first, count=count if isinstance(count, int) else 1,
                  component=str(component), host=str(host), fields=fields)
