"""``kubectl get events`` tables, and the Events section of ``kubectl describe``.

Both come aligned in columns (kubectl's tabwriter pads with at least three spaces), or,
after a paste into a ticket or a chat, with every run of spaces collapsed to one. Aligned
rows are cut at the header's column positions. Collapsed rows are read field by field:
the type (``Normal``/``Warning``) anchors them; before it stand the namespace (with
``-A``) and the age, ``3m (x14 over 10m)`` included; after it the reason and the object
(``pod/web-1``), and with ``-o wide`` the subobject (``spec.containers{web}``) and source
(``kubelet, node-3``), with first seen, count and event name as the last three fields.
"""

from __future__ import annotations

import re
from datetime import datetime

from kubevet.triage import times
from kubevet.triage.model import Loc, Obj, Signal, Unparsed
from kubevet.triage.model import obj as make_obj

GET_COLUMNS = ("NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE",
               "FIRST SEEN", "COUNT", "NAME")
DESCRIBE_COLUMNS = ("Type", "Reason", "Age", "From", "Message")
TYPES = ("Normal", "Warning")
_SPACES = re.compile(r"[ \t]+")  # a paste may turn a run of spaces into a tab
_EVENT_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*\.[0-9a-f]{8,}\Z")
_COMPONENT = re.compile(r"(kubelet|default-scheduler|[a-z0-9-]+-(controller|manager|scheduler|autoscaler|provisioner)"
                        r"|cluster-autoscaler|kube-proxy|karpenter|kernel-monitor|[a-z0-9.-]+\.(io|com)/[a-z0-9-]+)\Z")


def header(line: str) -> tuple[str, list[tuple[str, int]]] | None:
    """("get"|"describe", [(column, start)]) when the line is an events table header."""
    text = line.strip()
    if text.startswith("LAST SEEN") or text.startswith("NAMESPACE"):
        names = GET_COLUMNS
        flavour = "get"
        if "TYPE" not in text or "REASON" not in text or "MESSAGE" not in text:
            return None
    elif text.startswith("Type") and "Reason" in text and "Message" in text and "Age" in text:
        names, flavour = DESCRIBE_COLUMNS, "describe"
    else:
        return None
    cols = []
    pos = 0
    for name in names:
        i = line.find(name, pos)
        if i < 0:
            continue
        if name == "NAME" and line[i - 1:i] != " ":
            continue
        cols.append((name, i))
        pos = i + len(name)
    words = {n for n, _ in cols}
    need = {"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"} if flavour == "get" else set(DESCRIBE_COLUMNS)
    if not need <= words:
        return None
    return flavour, cols


def aligned(line: str, cols: list[tuple[str, int]]) -> bool:
    """Whether a header's columns are padded (several spaces apart), not collapsed."""
    return all(b - a - len(n) >= 2 for (n, a), (_, b) in zip(cols, cols[1:]))


# describe's columns under the names of kubectl get events' (one set of keys below)
_SAME = {"Type": "TYPE", "Reason": "REASON", "Age": "LAST SEEN", "From": "SOURCE", "Message": "MESSAGE"}


def parse(
    rows: list[tuple[int, str]],
    head: tuple[str, list[tuple[str, int]]],
    head_line: str,
    file: str,
    at: datetime,
    subject: Obj | None = None,
) -> tuple[list[Signal], list[Unparsed]]:
    """Signals for the table's rows; ``subject`` is the described object (describe's Events)."""
    flavour, cols = head
    padded = aligned(head_line, cols)
    indent = len(head_line) - len(head_line.lstrip())
    names = [_SAME.get(name, name) for name, _ in cols]
    bounds = [(names[k], start, cols[k + 1][1] if k + 1 < len(cols) else None) for k, (_, start) in enumerate(cols)]
    collapsed = _collapsed_get if flavour == "get" else _collapsed_describe
    with_ns, wide = "NAMESPACE" in names, "SUBOBJECT" in names
    signals: list[Signal] = []
    unparsed: list[Unparsed] = []
    for n, row in rows:
        if not row.strip(" -\t"):
            continue
        cells = _cut(row, bounds, indent - (len(row) - len(row.lstrip()))) if padded else None
        if cells is None:
            cells = collapsed(row, with_ns, wide)
        sig = _signal(cells, file, n, at, subject) if cells else None
        if sig is None:
            unparsed.append(Unparsed(Loc(file, n), row, "not an event row"))
        else:
            signals.append(sig)
    return signals, unparsed


def _cut(row: str, bounds: list[tuple[str, int, int | None]], shift: int) -> dict[str, str] | None:
    """Cells at the header's positions, or None when the row does not fit them."""
    if shift:
        return None  # a paste lost the indentation of some lines only: read the fields
    cells = {}
    for name, start, end in bounds:
        if start > 0 and row[start - 1:start] not in (" ", ""):
            return None
        cells[name] = row[start:end].strip()
    return cells if cells.get("TYPE") in TYPES else None


def _collapsed_get(row: str, with_ns: bool, wide: bool) -> dict[str, str] | None:
    tokens = _SPACES.split(row.strip())
    for i, tok in enumerate(tokens):
        if tok in TYPES and i > 0:
            break
    else:
        return None
    before = tokens[:i]
    cells: dict[str, str] = {}
    if with_ns:
        if len(before) < 2:
            return None
        cells["NAMESPACE"], before = before[0], before[1:]
    cells["LAST SEEN"] = " ".join(before)
    if times.series(cells["LAST SEEN"], datetime.now()) is None or len(tokens) < i + 3:
        return None
    cells["TYPE"], cells["REASON"], cells["OBJECT"] = tokens[i], tokens[i + 1], tokens[i + 2]
    rest = tokens[i + 3:]
    if wide:
        if len(rest) >= 3 and _EVENT_NAME.match(rest[-1]) and rest[-2].isdigit() and times.is_age(rest[-3]):
            cells["FIRST SEEN"], cells["COUNT"], cells["NAME"] = rest[-3], rest[-2], rest[-1]
            rest = rest[:-3]
        if rest and (rest[0].startswith("spec.") or "{" in rest[0]):
            cells["SUBOBJECT"], rest = rest[0], rest[1:]
        rest, cells["SOURCE"] = _source(rest)
    cells["MESSAGE"] = " ".join(rest)
    return cells


def _source(rest: list[str]) -> tuple[list[str], str]:
    if len(rest) >= 2 and rest[0].endswith(","):
        return rest[2:], f"{rest[0]} {rest[1]}"
    if rest and _COMPONENT.match(rest[0]):
        return rest[1:], rest[0]
    return rest, ""


def _collapsed_describe(row: str, with_ns: bool = False, wide: bool = False) -> dict[str, str] | None:
    tokens = _SPACES.split(row.strip())
    if len(tokens) < 4 or tokens[0] not in TYPES:
        return None
    cells = {"TYPE": tokens[0], "REASON": tokens[1]}
    rest = tokens[2:]
    if len(rest) >= 4 and rest[1].startswith("(x") and rest[2] == "over" and rest[3].endswith(")"):
        cells["LAST SEEN"], rest = " ".join(rest[:4]), rest[4:]
    else:
        cells["LAST SEEN"], rest = rest[0], rest[1:]
    if times.series(cells["LAST SEEN"], datetime.now()) is None:
        return None
    rest, cells["SOURCE"] = _source(rest)
    if not cells["SOURCE"] and rest:
        cells["SOURCE"], rest = rest[0], rest[1:]
    cells["MESSAGE"] = " ".join(rest)
    return cells


def _signal(cells: dict[str, str], file: str, n: int, at: datetime, subject: Obj | None) -> Signal | None:
    typ = cells.get("TYPE")
    reason = cells.get("REASON")
    got = times.series(cells.get("LAST SEEN") or "", at)
    if typ not in TYPES or not reason or got is None:
        return None
    first, last, count = got
    extra = cells.get("COUNT")
    if extra and extra.isdigit():
        count = max(count, int(extra))
    if cells.get("FIRST SEEN"):
        first = times.ago(cells["FIRST SEEN"], at) or first
    obj = subject
    target = cells.get("OBJECT")
    if target is not None:
        kind, _, name = target.partition("/")
        if not kind:
            return None
        obj = make_obj(kind, cells.get("NAMESPACE"), name)
    component, _, host = (cells.get("SOURCE") or "").partition(", ")
    fields = {}
    sub = cells.get("SUBOBJECT")
    if sub and "{" in sub:
        fields["container"] = sub[sub.index("{") + 1:].rstrip("}")
    return Signal("event", reason, obj, Loc(file, n), message=cells.get("MESSAGE", ""),
                  type=typ, first=first, last=last, count=count, component=component.strip(), host=host.strip(),
                  fields=fields)
