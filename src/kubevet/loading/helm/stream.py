"""Helm's rendered output: documents under ``# Source:`` headers, indexed by template, and test hooks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kubevet.loading.helm.chart import safe_yaml

SOURCE_HEADER = re.compile(rb"^# Source: (.+?)\r?$", re.MULTILINE)


_MARKER = re.compile(r"^---[ \t]*(?:#.*)?$", re.MULTILINE)


TEST_HOOKS = frozenset({"test", "test-success", "test-failure"})


@dataclass
class Rendered:
    """One render's raw output: (template path as Helm names it, document text) in order."""

    documents: list[tuple[str, str]]
    values: dict  # the values the templates saw (.Values of the top chart), for key lookup
    value_files: list[tuple[str, Any]]  # (label, values) in merge order, chart defaults first


def split_documents(text: str) -> list[str]:
    """A template's output cut into documents as Helm does: at ``---`` lines, trimmed,
    empty ones dropped."""
    docs = []
    for part in _MARKER.split(text):
        part = part.strip()
        if part:
            docs.append(part)
    return docs


def parse_stream(data: bytes) -> Iterator[tuple[str, str]]:
    """(template, document) for each document of ``helm template`` output."""
    for entry in index_stream(data):
        text = data[entry.offset : entry.end_offset].decode("utf-8", "replace").strip()
        if text:
            yield entry.template, text


@dataclass
class Entry:
    """One rendered document of a stream: its lines (0-based, content only) and template."""

    template: str  # as Helm names it: "<chart>/templates/x.yaml"
    document: int  # 1-based, among the documents of that template
    first: int  # first line of the content (after "# Source:")
    last: int  # last line of the content
    offset: int = 0
    end_offset: int = 0
    namespace_from_release: bool = False  # its metadata.namespace is .Release.Namespace


def index_stream(data: bytes) -> list[Entry]:
    """Find the ``# Source:`` headers of a rendered stream and the lines under each."""
    entries: list[Entry] = []
    headers = list(SOURCE_HEADER.finditer(data))
    counts: dict[str, int] = {}
    for i, m in enumerate(headers):
        template = m.group(1).decode("utf-8", "replace").strip()
        start = data.find(b"\n", m.end())
        start = len(data) if start < 0 else start + 1
        stop = headers[i + 1].start() if i + 1 < len(headers) else len(data)
        # the document ends at the next column-0 "---"
        marker = re.compile(rb"^---(?=[ \t\r\n]|\Z)", re.MULTILINE).search(data, start, stop)
        end = marker.start() if marker else stop
        counts[template] = counts.get(template, 0) + 1
        first = data.count(b"\n", 0, start)
        last = first + max(data.count(b"\n", start, end) - 1, 0)
        entries.append(Entry(template, counts[template], first, last, start, end))
    return entries


def render_stream(
    documents: list[tuple[str, str]], include_tests: bool, from_release: set[int] = frozenset()  # type: ignore[assignment]
) -> tuple[bytes, list[Entry]]:
    """The render laid out as ``helm template`` prints it, and its index.

    Test hooks are left out unless asked for (as ``helm template --skip-tests``); their
    number is kept, so a document's number is the same with and without them.
    """
    parts: list[str] = []
    counts: dict[str, int] = {}
    entries: list[Entry] = []
    line = 0
    for position, (template, text) in enumerate(documents):
        counts[template] = counts.get(template, 0) + 1
        if not include_tests and is_test_hook(text):
            continue
        parts.append(f"---\n# Source: {template}\n{text}\n")
        n = text.count("\n") + 1
        entry = Entry(template, counts[template], line + 2, line + 2 + n - 1)
        entry.namespace_from_release = position in from_release
        entries.append(entry)
        line += n + 2
    return "".join(parts).encode("utf-8"), entries


_HOOK = re.compile(r"^\s+['\"]?helm\.sh/hook['\"]?\s*:\s*(.+)$", re.MULTILINE)


def is_test_hook(text: str) -> bool:
    """Whether a rendered document is a Helm test (``helm.sh/hook: test``)."""
    m = _HOOK.search(text)
    if not m:
        return False
    words = {w.strip().strip("'\"") for w in m.group(1).split("#")[0].split(",")}
    if not words & TEST_HOOKS:
        return False
    meta = safe_yaml(text.encode("utf-8"))
    if not isinstance(meta, dict):
        return False
    annotations = (meta.get("metadata") or {}).get("annotations") if isinstance(meta.get("metadata"), dict) else None
    hook = annotations.get("helm.sh/hook") if isinstance(annotations, dict) else None
    return isinstance(hook, str) and bool({w.strip() for w in hook.split(",")} & TEST_HOOKS)
