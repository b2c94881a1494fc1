"""Split an input into the outputs it holds and parse each with its parser.

A file may hold several outputs one after another (a ticket with ``kubectl get events``,
two ``kubectl describe pod`` and a ``journalctl`` excerpt). A part starts at an events
table header, at ``Name:`` followed by ``Namespace:``/``Roles:`` (describe), at a log line,
at a JSON value or at a YAML document (``apiVersion:``, ``kind:``, ``items:``, ``---``), and
runs to the start of the next. Shell prompts (``$ kubectl ...``) and ``No resources found``
are read and skipped; any other line that no part claims is reported as unparsed.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from kubevet.triage.model import Loc, Parsed, Unparsed
from kubevet.triage.parsers import describe, events_table, node_log, structured

_YAML_START = re.compile(r"(apiVersion|kind|items|metadata):(\s|\Z)|---\s*\Z")
_YAML_LINE = re.compile(r"(\s|-\s|-\Z|#|[\w\"'./-]+:(\s|\Z)|---|\.\.\.)")
# what a log line can start with (a cheap test before the log parser's patterns)
_LOG_FIRST = re.compile(r"\s*(?:\[|\d{4}-|[A-Z][a-z]{2} |[IWEF]\d{4} |error when|evicting|node/|There )")
_PROMPT = re.compile(r"\S*[$#>] +(kubectl|k|oc|journalctl|dmesg|sudo|cat|ssh)\b")
_CHATTER = re.compile(r"(\S*[$#>] )?(kubectl|k|oc|journalctl|dmesg|sudo|cat|grep|ssh)\b|No resources found|"
                      r"error: the server doesn't have|Unable to connect to the server|\.{3}\s*\Z|[=~-]{3,}\s*\Z")


def parse(text: str, file: str, at: datetime) -> list[Parsed]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    parts: list[Parsed] = []
    stray = Parsed("unrecognised")
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        start = _start(lines, i)
        if start is None:
            if stripped and not _CHATTER.match(stripped):
                stray.unparsed.append(Unparsed(Loc(file, i + 1), line, "not part of any output kubevet triage reads"))
            stray.lines += 1
            i += 1
            continue
        end = _end(lines, i, start, text)
        if start == "events":
            head = events_table.header(line)
            assert head is not None
            rows = [(k + 1, lines[k]) for k in range(i + 1, end)]
            sigs, bad = events_table.parse(rows, head, line, file, at)
            p = Parsed("events-table", sigs, bad, end - i, i + 1)
        elif start == "describe":
            p = describe.parse_block(lines[i:end], i + 1, file, at)
        elif start == "log":
            p = node_log.parse([(k + 1, lines[k]) for k in range(i, end)], file, at)
        else:
            p = structured.parse("\n".join(lines[i:end]), file, i + 1, at)
        parts.append(p)
        i = end
    if stray.unparsed:
        parts.append(stray)
    return parts


def _start(lines: list[str], i: int) -> str | None:
    line = lines[i]
    if not line.strip():
        return None
    if line.lstrip().startswith(("LAST SEEN", "NAMESPACE")) and events_table.header(line):
        return "events"
    if describe.starts(lines, i):
        return "describe"
    if line[:1] in "{[" and line.strip() not in ("[", "{") or line.strip() in ("{", "["):
        if not node_log.prefix(line.strip()):
            return "json"
    if _YAML_START.match(line):
        return "yaml"
    if _LOG_FIRST.match(line) and node_log.prefix(line.strip()):
        return "log"
    return None


def _end(lines: list[str], i: int, kind: str, text: str) -> int:
    if kind == "json":
        chunk = "\n".join(lines[i:])
        try:
            _, end = json.JSONDecoder().raw_decode(chunk)
        except ValueError:
            return len(lines)  # broken JSON: the loader reports where
        return i + chunk[:end].count("\n") + 1
    j = i + 1
    while j < len(lines):
        line = lines[j]
        if _PROMPT.match(line):
            break
        nxt = _start(lines, j)
        if kind == "describe" and nxt == "describe":
            break
        if kind == "yaml":
            if nxt in ("events", "describe", "json") or (line.strip() and not _YAML_LINE.match(line)):
                break
            if nxt == "log" and not line[:1].isspace():
                break
        elif kind == "events":
            if nxt is not None and nxt != "events" or events_table.header(line):
                break
        elif kind == "log":
            if nxt is not None and nxt != "log":
                break
            if line.strip() and nxt is None and _looks_other(line):
                break
        elif kind == "describe" and nxt in ("events", "json", "yaml", "log") and not line[:1].isspace():
            break
        j += 1
    return j


def _looks_other(line: str) -> bool:
    return bool(_CHATTER.match(line.strip()))
