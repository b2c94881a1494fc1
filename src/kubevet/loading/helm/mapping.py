"""Mapping a line of rendered output back to its template line and values key."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from typing import Any

from kubevet.findings import MISSING, value_at
from kubevet.loading.helm.chart import (
    CHART_FILE,
    ChartFiles,
    chart_name,
    is_chart_dir,
    safe_yaml,
    safe_yaml_file,
)
from kubevet.loading.helm.stream import SOURCE_HEADER, Entry, index_stream
from kubevet.loading.rendered import (
    Placement,
    RenderedSource,
    RenderMap,
    json_equal,
)

_VALUES_REF = re.compile(r"\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


_ACTION = re.compile(r"\{\{.*?\}\}")


class HelmRender(RenderMap):
    """One render of a chart (or a ``helm template`` stream read from stdin)."""

    kind = "helm"

    def __init__(
        self,
        chart: str | None,
        chart_name: str,
        files: ChartFiles | None,
        index: list[Entry],
        values: dict | None = None,
        value_files: list[tuple[str, Any]] | None = None,
        label: str | None = None,
    ) -> None:
        self.chart = chart
        self.group = chart or ""
        self.chart_name = chart_name
        self.files = files
        self.index = index
        self.values = values or {}
        self.value_files = value_files or []
        self.label = label
        self._texts: dict[str, list[str] | None] = {}
        self._aligned: dict[int, dict[int, tuple[int, str]]] = {}
        self._docs: dict[int, Any] = {}

    # a render holds its chart files' texts lazily; keep pickling (worker processes) light
    def __getstate__(self):
        state = dict(self.__dict__)
        state["_texts"], state["_aligned"], state["_docs"] = {}, {}, {}
        return state

    def _entry(self, line0: int) -> tuple[int, Entry] | None:
        lo, hi = 0, len(self.index) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            e = self.index[mid]
            if line0 < e.first - 2:
                hi = mid - 1
            elif line0 > e.last:
                lo = mid + 1
            else:
                return mid, e
        return None

    def namespace_from_release(self, line: int) -> bool:
        hit = self._entry(line - 1) if line > 0 else None
        return hit is not None and hit[1].namespace_from_release

    def _rel(self, template: str) -> str:
        """"podinfo/templates/x.yaml" -> "templates/x.yaml" (the path inside the chart)."""
        return template.split("/", 1)[1] if "/" in template else template

    def template_file(self, template: str) -> str | None:
        if self.files is None:
            return None
        return self.files.display(self._rel(template))

    def place(self, source: RenderedSource, line: int, column: int, path: tuple = ()) -> Placement | None:
        if line <= 0:
            return None
        hit = self._entry(line - 1)
        if hit is None:
            return None
        i, entry = hit
        self.prepare(source, line)
        doc_line = line - 1 - entry.first + 1  # 1-based inside the document's content
        rendered: dict[str, Any] = {"kind": "helm", "group": self.group, "values": self.label}
        rel = self._rel(entry.template)
        rendered.update({"template": rel, "document": entry.document, "line": doc_line})
        if doc_line <= 0:  # the "---" or "# Source:" line itself
            doc_line = 1
        file = self.template_file(entry.template)
        origin = f"{entry.template if file is None else rel}: rendered document {entry.document}, line {doc_line}"
        if file is None:
            # stdin from `helm template`, chart not found here: keep the stream's position
            if self.label:
                origin += f" [values: {self.label}]"
            return Placement(source.display, line, column, origin, {"rendered": rendered})
        mapped = self._map_line(i, entry, doc_line - 1)
        tline, tcol, how = 0, 0, "none"
        if mapped is not None:
            tline0, how = mapped
            tline = tline0 + 1
            texts = self._template_lines(rel) or []
            rendered_text = self._doc_lines(source, entry)
            if how == "enclosing":
                tcol = _indent(texts[tline0]) + 1 if tline0 < len(texts) else 1
            elif column:
                shift = _indent(texts[tline0]) - _indent(rendered_text[doc_line - 1])
                tcol = max(column + shift, 1)
        rendered["templateLine"] = tline or None
        rendered["match"] = how
        extra: dict[str, Any] = {"rendered": rendered}
        if tline:
            origin = f"{rel}:{tline} ({how} match); rendered document {entry.document}, line {doc_line}"
        else:
            origin = f"{rel}: rendered document {entry.document}, line {doc_line} (no template line matched)"
        key = self._values_key(source, entry, doc_line - 1, mapped, path) if mapped is not None else None
        if key is not None:
            extra["valuesKey"] = key
            origin += f"; value of .Values.{key['key']}" + (f" ({key['file']})" if key.get("file") else "")
        if self.label:
            origin += f" [values: {self.label}]"
        return Placement(file, tline, tcol if tline else 0, origin, extra)

    # -- template text and alignment

    def describe(self, source: RenderedSource, line: int) -> str:
        hit = self._entry(line - 1)
        if hit is None:
            return source.display
        entry = hit[1]
        name = entry.template if self.files is None else self._rel(entry.template)
        text = f"{name}: rendered document {entry.document}, line {max(line - 1 - entry.first + 1, 1)}"
        return text + (f" [values: {self.label}]" if self.label else "")

    def _template_lines(self, rel: str) -> list[str] | None:
        if rel not in self._texts:
            data = self.files.read(rel) if self.files is not None else None
            self._texts[rel] = data.decode("utf-8", "replace").splitlines() if data is not None else None
        return self._texts[rel]

    def _doc_lines(self, source: RenderedSource, entry: Entry) -> list[str]:
        data = source.data or b""
        lines = data.split(b"\n")
        return [ln.decode("utf-8", "replace") for ln in lines[entry.first : entry.last + 1]]

    def _map_line(self, i: int, entry: Entry, j: int) -> tuple[int, str] | None:
        """The template line (0-based) and how it was found, for line j of a document."""
        aligned = self._aligned.get(i)
        if aligned is None:
            return None
        hit = aligned.get(j)
        if hit is not None:
            return hit
        # the nearest enclosing line that maps: the block the finding is in
        rendered = aligned.get(-1)  # type: ignore[assignment]
        lines: list[str] = rendered  # type: ignore[assignment]
        for parent in _parents(lines, j):
            hit = aligned.get(parent)
            if hit is not None:
                return hit[0], "enclosing"
        return None

    def prepare(self, source: RenderedSource, line: int) -> None:
        hit = self._entry(line - 1)
        if hit is None:
            return
        i, entry = hit
        if i in self._aligned:
            return
        template = self._template_lines(self._rel(entry.template))
        lines = self._doc_lines(source, entry)
        aligned: dict = align(template or [], lines) if template is not None else {}
        aligned[-1] = lines
        self._aligned[i] = aligned

    def _values_key(self, source, entry: Entry, j: int, mapped, path: tuple) -> dict | None:
        """The .Values key a value comes from, when the template line (or the lines right
        under it) reads .Values keys and exactly one of them holds the rendered value."""
        if not path or not self.values:
            return None
        template = self._template_lines(self._rel(entry.template)) or []
        refs = _region_refs(template, mapped[0])
        if not refs:
            return None
        scope = self._scope(entry.template)
        for depth in range(len(path), 0, -1):
            node = self._value_at(source, entry, path[:depth])
            if node is MISSING:
                continue
            if depth < len(path) and not isinstance(node, (dict, list)):
                continue
            hits = [r for r in refs if json_equal(_get(scope, r), node)]
            if len(hits) != 1:
                continue
            keys = [*self._prefix(entry.template), *hits[0].split(".")]
            full = ".".join(keys)
            for part in path[depth:]:
                full += f"[{part}]" if isinstance(part, int) else f".{part}"
            return {"key": full, "file": self._defined_in(keys)}
        return None

    def _value_at(self, source, entry: Entry, path: tuple):
        doc = self._docs.get(entry.first)
        if doc is None:
            from kubevet.loading.yaml_decode import decode

            lines = self._doc_lines(source, entry)
            data = "\n".join(lines).encode("utf-8")
            try:
                values, _ = decode(data)
                doc = values[0][0] if values else None
            except Exception:  # noqa: BLE001
                doc = None
            self._docs[entry.first] = doc
        return value_at(doc, path)

    def _prefix(self, template: str) -> list[str]:
        """Values path of a subchart: "parent/charts/sub/templates/x" -> ["sub"]."""
        parts = template.split("/")
        out = []
        for k in range(1, len(parts) - 1):
            if parts[k] == "charts" and k + 1 < len(parts):
                out.append(parts[k + 1])
        return out

    def _scope(self, template: str):
        scope: Any = self.values
        for name in self._prefix(template):
            scope = scope.get(name) if isinstance(scope, dict) else None
        return scope if isinstance(scope, dict) else {}

    def _defined_in(self, keys: list[str]) -> str | None:
        for label, values in reversed(self.value_files):
            if _get(values, ".".join(keys)) is not MISSING:
                return label
        return None


def _get(values: Any, dotted: str):
    """A values key written with dots (image.tag), or MISSING."""
    return value_at(values, dotted.split("."))


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _parents(lines: list[str], j: int) -> Iterator[int]:
    """The lines that enclose line j of a YAML block, innermost first."""
    if j >= len(lines):
        return
    cur = lines[j]
    indent = _indent(cur)
    item = cur.lstrip().startswith("- ")
    for k in range(j - 1, -1, -1):
        text = lines[k]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        ind = _indent(text)
        is_item = text.lstrip().startswith("- ")
        if ind < indent or (ind == indent and item and not is_item and text.rstrip().endswith(":")):
            yield k
            indent, item = ind, is_item
            if indent == 0 and not item:
                return


def align(template: list[str], rendered: list[str]) -> dict[int, tuple[int, str]]:
    """Map the lines of one rendered document to template lines: {line: (template line, how)}.

    The template is cut at its ``---`` lines, and the document is aligned with the part
    that shares the most literal lines with it (a part inside a ``range`` renders several
    documents). "exact": the part holds the line literally, in an order-preserving
    alignment of the two texts (difflib), and the match is a run of at least two lines or
    the line is unique in the part. "pattern": a template line with actions ({{ ... }})
    whose literal text matches the rendered line, the only such line between the exact
    matches around it. Comments count: Helm keeps them, and they are often unique.
    """
    keys = [_rendered_key(j, r) for j, r in enumerate(rendered)]
    best = _best_part(template, keys)
    if best is None:
        return {}
    start, stop, blocks = best
    out = _exact_anchors(template, keys, start, stop, blocks)
    _between_anchors(template, rendered, out, start, stop)
    return out


def _template_key(i: int, text: str):
    """A template line as alignment compares it: its text, or a key matching nothing for a
    blank line, a line with actions, or a document marker."""
    s = text.strip()
    if not s or "{{" in s or s == "---":
        return ("t", i)
    return s


def _rendered_key(j: int, text: str):
    s = text.strip()
    return ("r", j) if not s else s


def _best_part(template: list[str], keys: list) -> tuple[int, int, list] | None:
    """The part of the template (between ``---`` lines) that shares the most lines with
    the rendered document: (first line, end, difflib's matching blocks)."""
    bounds = [0] + [i + 1 for i, t in enumerate(template) if t.rstrip() == "---"] + [len(template) + 1]
    best: tuple[int, int, int, list] | None = None
    for start, stop in zip(bounds, bounds[1:]):
        stop = min(stop - 1, len(template)) if stop <= len(template) else len(template)
        part = [_template_key(i, template[i]) for i in range(start, stop)]
        matcher = difflib.SequenceMatcher(None, part, keys, autojunk=False)
        blocks = [blk for blk in matcher.get_matching_blocks() if blk.size]
        score = sum(blk.size for blk in blocks)
        if best is None or score > best[0]:
            best = (score, start, stop, blocks)
    return None if best is None else best[1:]


def _exact_anchors(template: list[str], keys: list, start: int, stop: int, blocks: list) -> dict[int, tuple[int, str]]:
    """The rendered lines matched literally: in a run of two or more lines that occurs
    once in the part, or a line that occurs once in the part."""
    counts: dict[str, int] = {}
    part = [_template_key(i, template[i]) for i in range(start, stop)]
    for x in part:
        if isinstance(x, str):
            counts[x] = counts.get(x, 0) + 1
    out: dict[int, tuple[int, str]] = {}
    for blk in blocks:
        # a run of lines the template holds twice (two containers with the same probe) may
        # be the other one: difflib takes the first, so such a run is no anchor
        unique_run = blk.size >= 2 and _occurrences(part, part[blk.a : blk.a + blk.size]) == 1
        for k in range(blk.size):
            text = keys[blk.b + k]
            if unique_run or counts.get(text, 0) == 1:  # type: ignore[arg-type]
                out[blk.b + k] = (start + blk.a + k, "exact")
    return out


def _between_anchors(template: list[str], rendered: list[str], out: dict, start: int, stop: int) -> None:
    """Place the other rendered lines between the anchors around them: the one template
    line there with the same text, else the one whose actions can render to it."""
    anchors = sorted(out.items())
    patterns: dict[int, re.Pattern | None] = {}
    for j, r in enumerate(rendered):
        if j in out or not r.strip():
            continue
        lo, hi = start - 1, stop
        for rj, (ti, _) in anchors:
            if rj < j:
                lo = max(lo, ti)
            elif rj > j:
                hi = min(hi, ti)
                break
        same = [i for i in range(lo + 1, hi) if template[i].rstrip() == r.rstrip()]
        if len(same) == 1:  # literal, and the only one at this indentation between the anchors
            out[j] = (same[0], "exact")
            continue
        text = r.strip()
        found = [
            i for i in range(lo + 1, hi)
            if "{{" in template[i] and _pattern(template[i], patterns, i) is not None and patterns[i].fullmatch(text)
        ]
        if len(found) == 1:
            out[j] = (found[0], "pattern")


def _occurrences(part: list, run: list) -> int:
    """How many times ``run`` occurs in ``part`` as consecutive lines."""
    n = len(run)
    first = run[0]
    return sum(1 for i in range(len(part) - n + 1) if part[i] == first and part[i : i + n] == run)


def _pattern(line: str, cache: dict, i: int):
    if i in cache:
        return cache[i]
    s = line.strip()
    literal = _ACTION.sub("", s)
    if "{{" in literal or len(literal.replace(" ", "")) < 3 or s.startswith("{{"):
        cache[i] = None
        return None
    parts = _ACTION.split(s)
    cache[i] = re.compile(".*?".join(re.escape(p) for p in parts))
    return cache[i]


def _region_refs(template: list[str], i: int) -> list[str]:
    """.Values keys read on template line i and on the lines that make up its value."""
    if i >= len(template):
        return []
    refs: list[str] = []
    base = _indent(template[i])
    region = [template[i]]
    for k in range(i + 1, min(len(template), i + 40)):
        text = template[k]
        s = text.strip()
        if not s:
            continue
        if _indent(text) > base or (s.startswith("{{") and s.endswith("}}") and not re.match(r"\{\{-?\s*(end|else)\b", s)):
            if re.match(r"\{\{-?\s*(end|else)\b", s):
                break
            region.append(text)
        else:
            break
    uses_dot = False
    for text in region:
        refs.extend(m.group(1)[1:] for m in _VALUES_REF.finditer(text))
        if re.search(r"\{\{-?\s*(toYaml|toJson)\s+\.\s", text) or re.search(r"\{\{-?\s*\.\s*(\||}})", text):
            uses_dot = True
    if uses_dot:
        # {{- with .Values.x }} just above the key: "." is .Values.x
        for k in range(i - 1, max(-1, i - 3), -1):
            m = re.match(r"\s*\{\{-?\s*with\s+\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", template[k])
            if m:
                refs.append(m.group(1)[1:])
                break
    return list(dict.fromkeys(refs))


def stdin_render(data: bytes, cwd: str | None = None) -> HelmRender | None:
    """A render for ``helm template ... | kubevet scan -``: None when the input has no
    ``# Source:`` headers. The chart is looked for under the working directory (the first
    component of the header is the chart's name): ``./<name>/`` or ``.`` itself."""
    if not SOURCE_HEADER.search(data):
        return None
    index = index_stream(data)
    if not index:
        return None
    name = index[0].template.split("/", 1)[0]
    cwd = cwd or os.getcwd()
    chart: str | None = None
    for candidate in (name, "."):
        full = os.path.join(cwd, candidate)
        if is_chart_dir(full) and chart_name(safe_yaml_file(os.path.join(full, CHART_FILE))) == name:
            chart = os.path.normpath(candidate)
            break
    files = ChartFiles(chart) if chart is not None else None
    values = safe_yaml(files.read("values.yaml") or b"") if files is not None else None
    value_files = [(files.display("values.yaml"), values)] if files is not None else []
    return HelmRender(chart, name, files, index, values if isinstance(values, dict) else {}, value_files)
