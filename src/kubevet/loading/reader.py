"""Read a source into Kubernetes objects, one document at a time.

A file is cut into documents at its ``---`` and ``...`` lines (column 0, as YAML defines
document markers, so a marker inside a block scalar cannot be mistaken for one) and each
document is parsed on its own. That keeps memory flat for files of hundreds of MB, gives
every document its start line for free, and confines a syntax error to its own document:
the rest of the file is still scanned.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from collections.abc import Iterator

import yaml

from kubevet.loading.yaml_decode import DecodeError, _json_number, decode
from kubevet.model import Document, K8sObject, Problem, Skipped, Source

CHUNK_SIZE = 16 << 20
_BINARY_SNIFF = 8192

Loaded = K8sObject | Problem | Skipped


def read_source(source: Source, json_hint: bool = False) -> Iterator[Loaded]:
    """Yield the objects of a source, and a Problem or Skipped for what is not one."""
    if source.__class__ is SourcePart:
        yield from _read_part(source)  # type: ignore[arg-type]
        return
    try:
        if source.data is not None:
            chunks: Iterator[bytes] = iter((source.data,))
            fh = None
        else:
            assert source.path is not None
            if source.walked and not stat.S_ISREG(os.stat(source.path).st_mode):
                yield Skipped(source.display, 0, "not a regular file (a FIFO, socket or device): not read")
                return
            fh = open(source.path, "rb")  # noqa: SIM115 - closed below
            chunks = iter(lambda: fh.read(CHUNK_SIZE), b"")
        try:
            yield from _read_chunks(source, chunks, json_hint)
        finally:
            if fh is not None:
                fh.close()
    except OSError as exc:
        yield Problem("file-unreadable", f"cannot read: {exc.strerror or exc}", source.display, 0)


def _read_chunks(source: Source, chunks: Iterator[bytes], json_hint: bool) -> Iterator[Loaded]:
    first = next(chunks, b"")
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # UTF-16 with a byte-order mark is valid YAML; re-encode it once as UTF-8 in memory.
        raw = first + b"".join(chunks)
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            yield Problem("file-unreadable", f"not valid UTF-16: {exc.reason}", source.display, 0)
            return
        source.data = text.encode("utf-8")
        first, chunks = source.data, iter(())
    if b"\x00" in first[:_BINARY_SNIFF]:
        yield Problem(
            "file-unreadable",
            "binary file (it contains NUL bytes): not a YAML or JSON manifest",
            source.display,
            0,
        )
        return
    stripped = first.lstrip(b" \t\r\n")
    if stripped.startswith(codecs.BOM_UTF8):
        stripped = stripped[3:].lstrip(b" \t\r\n")
    if stripped.startswith((b"{", b"[")) and (json_hint or stripped.startswith(b"{")):
        # kubectl decodes a stream that starts with "{" as JSON, not YAML; so do we
        yield from _read_json(source, first + b"".join(chunks))
        return
    if first.startswith(b"%") or b"\n%" in first:
        # %YAML / %TAG directives belong to the document after them: parse the stream whole
        data = first + b"".join(chunks)
        yield from _read_document(source, Document(source, 0, 0, 0, len(data)), data, whole=True)
        return
    yield from _read_yaml_stream(source, first, chunks)


class SourcePart(Source):
    """Some whole documents of a large YAML file: bytes ``start`` to ``end``, the first of
    them on line ``first_line`` (0-based). Several processes can then share one file;
    documents, lines and offsets are the file's own, so findings read as for the whole."""

    __slots__ = ("whole", "start", "end", "first_line")

    def __init__(self, whole: Source, start: int, end: int, first_line: int) -> None:
        super().__init__(whole.path, whole.display, whole.data, whole.walked)
        self.origin_of = whole.origin_of
        self.whole, self.start, self.end, self.first_line = whole, start, end, first_line

    def namespace_from_release(self, line: int) -> bool:
        return self.whole.namespace_from_release(line)

    def __repr__(self) -> str:
        return f"SourcePart({self.display!r}, {self.start}, {self.end})"


def split_source(source: Source, pieces: int, data: bytes | None = None) -> list[Source]:
    """The source cut at document markers into about ``pieces`` parts of similar size, or
    the source alone when it is not a plain YAML stream (JSON, UTF-16, directives, binary:
    those are read whole) or has too few documents."""
    if pieces < 2 or source.__class__ is not Source:
        return [source]
    if data is None:
        data = source.data
    if data is None:
        try:
            with open(source.path or "", "rb") as fh:
                data = fh.read()
        except OSError:
            return [source]
    head = data[:_BINARY_SNIFF]
    stripped = head.lstrip(b" \t\r\n")
    if (
        head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8))
        or b"\x00" in head
        or stripped.startswith((b"{", b"["))
        or data.startswith(b"%")
        or b"\n%" in data
    ):
        return [source]
    cuts = [0]
    step = len(data) / pieces
    for pos, marker in _markers(data, 1, len(data)):
        # a part starts with "---"; after "...", the next document starts a line later
        if marker == b"---" and pos >= step * len(cuts):
            cuts.append(pos)
            if len(cuts) == pieces:
                break
    if len(cuts) < 2:
        return [source]
    bounds = [*cuts, len(data)]
    parts: list[Source] = []
    line = 0
    for a, b in zip(bounds, bounds[1:]):
        parts.append(SourcePart(source, a, b, line))
        line += data.count(b"\n", a, b)
    return parts


def _read_part(part: SourcePart) -> Iterator[Loaded]:
    try:
        data = part.read_range(part.start, part.end - part.start)
    except OSError as exc:
        yield Problem("file-unreadable", f"cannot read: {exc.strerror or exc}", part.display, 0)
        return
    yield from _read_yaml_stream(part, data, iter(()), part.start, part.first_line)


def _read_yaml_stream(
    source: Source, first: bytes, chunks: Iterator[bytes], offset: int = 0, line: int = 0
) -> Iterator[Loaded]:
    buf = first
    buf_offset = offset  # offset of buf[0] in the source
    buf_line = line  # line number of buf[0] (0-based)
    searched = 1  # buf has no marker to cut at before this index (buf[0] starts a document)
    parts: list[bytes] = []  # chunks read but not yet added to buf
    waiting = 0  # their size
    eof = False
    while True:
        if not eof:
            nxt = next(chunks, None)
            if nxt is None:
                eof = True
            else:
                parts.append(nxt)
                waiting += len(nxt)
                # Gather at least a chunk, and at least as much as buf holds already: a
                # document far bigger than a chunk is then copied and searched a bounded
                # number of times per byte, not once per chunk.
                if waiting < CHUNK_SIZE or waiting < len(buf):
                    continue
        if parts:
            buf += b"".join(parts)
            parts, waiting = [], 0
        # look for markers only in complete lines until the end is reached
        limit = len(buf) if eof else buf.rfind(b"\n") + 1
        start = 0
        line = buf_line
        for pos, marker in _markers(buf, searched, limit):
            if pos == start:
                continue
            length = pos - start
            yield from _read_document(
                source,
                Document(source, 0, line, buf_offset + start, length),
                buf[start:pos],
            )
            line += buf.count(b"\n", start, pos)
            if marker == b"...":
                # the next document starts after the "..." line
                eol = buf.find(b"\n", pos)
                nstart = len(buf) if eol < 0 else eol + 1
                line += 1 if eol >= 0 else 0
                start = nstart
            else:
                start = pos
        if eof:
            if start < len(buf):
                yield from _read_document(
                    source,
                    Document(source, 0, line, buf_offset + start, len(buf) - start),
                    buf[start:],
                )
            return
        searched = max(1, limit - start)
        buf_offset += start
        buf_line = line
        buf = buf[start:]


def _markers(buf: bytes, start: int, end: int) -> Iterator[tuple[int, bytes]]:
    """The document markers in buf[start:end] (start >= 1), as (position, marker): ``---``
    or ``...`` at the start of a line, followed by a blank or the end. Found with
    bytes.find, which is many times faster on large inputs than a multi-line regex."""
    nexts = {}
    for marker in (b"---", b"..."):
        nexts[marker] = buf.find(b"\n" + marker, start - 1, end)
    while True:
        found = [(at, marker) for marker, at in nexts.items() if at >= 0]
        if not found:
            return
        at, marker = min(found)
        pos = at + 1
        after = buf[pos + 3 : pos + 4] if pos + 3 < end else b""  # the end counts as a blank
        if after in (b"", b" ", b"\t", b"\r", b"\n"):
            yield pos, marker
        nexts[marker] = buf.find(b"\n" + marker, at + 1, end)


def _read_document(
    source: Source, doc: Document, data: bytes, whole: bool = False
) -> Iterator[Loaded]:
    try:
        values, duplicates = decode(data)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = _error_position(data, mark)
        if "maximum nesting depth" in str(exc.problem):
            message = "YAML nested deeper than 1000 levels (libyaml's limit); refusing the document"
            yield Problem("yaml-limit-exceeded", message, source.display, doc.line + line, column)
            return
        yield Problem("yaml-syntax", _yaml_message(exc, data, mark), source.display, doc.line + line, column)
        return
    except yaml.reader.ReaderError as exc:
        yield _reader_problem(source, doc, data, exc)
        return
    except DecodeError as exc:
        rule = "yaml-limit-exceeded" if exc.limit else "yaml-syntax"
        yield Problem(rule, exc.message, source.display, doc.line + exc.line + 1, exc.column + 1)
        return
    except yaml.YAMLError as exc:  # pragma: no cover - every libyaml error is one of the above
        yield Problem("yaml-syntax", str(exc), source.display, doc.line + 1)
        return
    for line, column, key in duplicates:
        yield Problem(
            "yaml-duplicate-key",
            f"duplicate key {key!r}: Kubernetes keeps only the last value",
            source.display,
            doc.line + line + 1,
            column + 1,
        )
    for i, (value, node) in enumerate(values):
        # Document.index counts the documents parsed from the same bytes (several only
        # when a stream with directives is parsed whole)
        sub = Document(source, i, doc.line, doc.offset, doc.length) if whole else doc
        sub.node = node
        yield from _objects(source, sub, value, doc.line + node[0])
        sub.node = None  # the consumer is done with this document's objects


def read_value(value: object, display: str, line: int = 0) -> Iterator[Loaded]:
    """The objects of a document decoded elsewhere (a dict in memory, an API request body).

    ``line`` (1-based; 0: unknown) is where the object starts in ``display``, if it was
    written anywhere: findings then point there, since no YAML nodes place them further.
    Lists are expanded and what is not a Kubernetes object is Skipped, as for files.
    """
    source = Source(None, display, b"")
    doc = Document(source, 0, line - 1 if line > 0 else -1, 0, 0)
    yield from _objects(source, doc, value, doc.line)


def _objects(source: Source, doc: Document, value: object, line: int) -> Iterator[Loaded]:
    """Turn one decoded document into objects: expand Lists, skip what is not Kubernetes."""
    if value is None:
        return  # an empty document
    reason = _not_an_object(value)
    if reason:
        yield Skipped(source.display, line + 1, reason)
        return
    assert isinstance(value, dict)
    kind = value["kind"]
    items = value.get("items")
    if kind.endswith("List") and items is None and "items" in value:
        items = []  # `items: null`, as Go prints an empty slice it never made: no items
    if kind.endswith("List") and isinstance(items, list):
        if not items:
            yield Skipped(source.display, line + 1, f"an empty {kind}: no objects in it", empty_list=True)
            return
        for i, item in enumerate(items):
            item_line = _line_of(doc, ("items", i)) if doc.node is not None else line + 1
            reason = _not_an_object(item, "the item")
            if reason:
                yield Skipped(source.display, item_line, f"{kind} item {i}: {reason}")
            else:
                yield K8sObject(item, doc, ("items", i), item_line)
        return
    yield K8sObject(value, doc, (), line + 1)


def _line_of(doc: Document, path: tuple) -> int:
    from kubevet.loading.positions import PositionIndex

    return PositionIndex().locate(doc, path)[0]


def _not_an_object(value: object, what: str = "the document") -> str | None:
    if not isinstance(value, dict):
        if isinstance(value, list):
            kind = "a list"
        elif isinstance(value, str):
            kind = "a string"
        elif isinstance(value, bool):
            kind = "a boolean"
        elif isinstance(value, (int, float)):
            kind = "a number"
        else:
            kind = "null"
        return f"{what} is {kind}, not a Kubernetes object"
    missing = [k for k in ("apiVersion", "kind") if k not in value]
    if missing:
        return "no " + " or ".join(missing) + ": not a Kubernetes object"
    for key in ("apiVersion", "kind"):
        if not isinstance(value[key], str) or not value[key]:
            return f"{key} is not a non-empty string: not a Kubernetes object"
    return None


def _error_position(data: bytes, mark) -> tuple[int, int]:
    """1-based line and column of a syntax error in a document's bytes.

    An error libyaml finds only at the end of the document (an unclosed bracket or quote)
    is marked after its last line break, which is the line of the next document's
    ``---``: point at the end of the document's last written line instead.
    """
    if mark is None:
        return 1, 0
    line, column = mark.line, mark.column
    if column == 0 and line > 0 and line >= data.count(b"\n"):
        lines = data.rstrip().split(b"\n")
        if lines and line >= len(lines):
            last = lines[-1].rstrip(b"\r")
            return len(lines), len(last.decode("utf-8", "replace")) + 1
    return line + 1, column + 1


def _yaml_message(exc: yaml.MarkedYAMLError, data: bytes = b"", mark=None) -> str:
    parts = []
    if exc.context:
        parts.append(str(exc.context))
    if exc.problem:
        parts.append(str(exc.problem))
    message = "YAML syntax error: " + ", ".join(parts) if parts else "YAML syntax error"
    if mark is not None and "cannot start any token" in str(exc.problem):
        lines = data.split(b"\n")
        if mark.line < len(lines) and lines[mark.line].decode("utf-8", "replace")[mark.column : mark.column + 1] == "\t":
            message += " (a tab: YAML indents with spaces only)"
    return message


def _reader_problem(source: Source, doc: Document, data: bytes, exc: yaml.reader.ReaderError) -> Problem:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        start = err.start
        line = doc.line + data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        return Problem(
            "file-unreadable",
            f"not valid UTF-8 (byte 0x{data[start]:02X}); Kubernetes manifests must be UTF-8",
            source.display,
            line,
            column,
        )
    # the line of the character itself, not the document's first (exc.position counts characters)
    text = data.decode("utf-8", "replace")
    at = exc.position if 0 <= exc.position < len(text) and ord(text[exc.position]) == exc.character else -1
    if at < 0 and isinstance(exc.character, int):
        at = text.find(chr(exc.character))
    line, column = (doc.line + 1, 0) if at < 0 else (doc.line + text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1)
    return Problem(
        "file-unreadable",
        f"unacceptable character #x{exc.character:04x} in YAML ({exc.reason})",
        source.display,
        line,
        column,
    )


class _NotJSON(ValueError):
    """A number JSON cannot hold (NaN, Infinity, 1e999), which Go's encoding/json refuses."""

    def __init__(self, message: str, token: str) -> None:
        super().__init__(message)
        self.token = token


def _json_constant(name: str) -> object:
    raise _NotJSON(f"{name} is not a JSON value", name)


def _json_float(text: str) -> object:
    # kubectl decodes JSON into float64 and sends it re-encoded, as a YAML float arrives:
    # "1.0" becomes 1
    try:
        return _json_number(float(text))
    except ValueError:
        shown = text if len(text) <= 40 else f"{text[:20]}...{text[-4:]} (a number of {len(text):,} characters)"
        raise _NotJSON(f"{shown} is out of the range of a float64", text) from None


def _json_int(text: str) -> object:
    # encoding/json decodes a number into interface{} as a float64: an integer beyond
    # int64/uint64 is a float (as in YAML), and one of thousands of digits (beyond Python's
    # int-string limit too) is out of the range of a float64
    if len(text) <= 21:
        value = int(text)
        if -(1 << 63) <= value < (1 << 64):
            return value
    return _json_float(text)


_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _replace_surrogates(value: object) -> object:
    """Strings with a lone surrogate escape (``"\\ud800"``) as Go decodes them: U+FFFD.

    Python's json keeps the lone surrogate, which no UTF-8 writer can encode, so every
    report would fail while it is written."""
    def fix(s: str) -> str:
        return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace") if _SURROGATE.search(s) else s

    if isinstance(value, str):
        return fix(value)
    stack = [value]
    while stack:  # no recursion: the document may be deep
        node = stack.pop()
        if isinstance(node, dict):
            for key in list(node):
                item = node[key]
                if isinstance(item, str):
                    item = fix(item)
                else:
                    stack.append(item)
                new_key = fix(key)
                if new_key != key:
                    del node[key]
                node[new_key] = item
        elif isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, str):
                    node[i] = fix(item)
                else:
                    stack.append(item)
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_end(text: str, pos: int) -> int:
    """Where the JSON value starting at ``pos`` ends (its brackets balanced, strings
    skipped), for a document too deep for the decoder: the next one is still read."""
    depth = 0
    i, length = pos, len(text)
    brackets = re.compile(r'["\[\]{}]')
    string_end = re.compile(r'(?:[^"\\]|\\.)*"')
    while i < length:
        m = brackets.search(text, i)
        if m is None:
            return length
        ch = m.group()
        i = m.end()
        if ch == '"':
            s = string_end.match(text, i)
            if s is None:
                return length
            i = s.end()
        elif ch in "[{":
            depth += 1
        else:
            depth -= 1
            if depth <= 0:
                return i
    return length


def _token_position(text: str, pos: int, token: str) -> tuple[int, int]:
    """1-based line and column of the first ``token`` written as a value after ``pos``."""
    m = re.compile(r"[:\[,]\s*(" + re.escape(token) + r")(?![\w.])").search(text, pos)
    at = m.start(1) if m else pos
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def _read_json(source: Source, data: bytes) -> Iterator[Loaded]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        message = f"not valid UTF-8 (byte 0x{data[err.start]:02X}); Kubernetes manifests must be UTF-8"
        yield Problem("file-unreadable", message, source.display, line, column)
        return
    duplicates: list[str] = []

    def pairs_hook(pairs: list[tuple[str, object]]) -> dict:
        out: dict = {}
        for key, value in pairs:
            if key in out:
                duplicates.append(key)
            out[key] = value
        return out

    decoder = json.JSONDecoder(
        object_pairs_hook=pairs_hook, parse_constant=_json_constant, parse_float=_json_float, parse_int=_json_int
    )
    surrogates = _LONE_SURROGATE.search(text) is not None
    pos = 1 if text.startswith("\ufeff") else 0  # a UTF-8 byte-order mark
    length = len(text)
    while True:
        while pos < length and text[pos] in " \t\r\n":
            pos += 1
        if pos >= length:
            return
        line = text.count("\n", 0, pos)
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield Problem("yaml-syntax", f"JSON syntax error: {exc.msg}", source.display, exc.lineno, exc.colno)
            return
        except _NotJSON as exc:
            yield Problem("yaml-syntax", f"JSON syntax error: {exc}", source.display, *_token_position(text, pos, exc.token))
            return
        except RecursionError:
            message = "JSON nested too deeply for kubevet to read (thousands of levels); refusing the document"
            yield Problem("yaml-limit-exceeded", message, source.display, line + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1)
            duplicates.clear()
            pos = _json_end(text, pos)
            continue
        if surrogates:
            value = _replace_surrogates(value)
        byte_start = len(text[:pos].encode("utf-8"))
        byte_len = len(text[pos:end].encode("utf-8"))
        doc = Document(source, 0, line, byte_start, byte_len, json=True)
        if duplicates:
            yield from _json_duplicates(source, doc, duplicates)
            duplicates.clear()
        if isinstance(value, dict):
            # the position tree comes from the parser (JSON is YAML to libyaml): findings,
            # and a List's items, are placed from it
            doc.node = _json_node(doc)
        yield from _objects(source, doc, value, line)
        doc.node = None
        pos = end


def _json_node(doc: Document):
    """The position tree of a JSON document (JSON is YAML to libyaml)."""
    try:
        values, _ = decode(doc.read())
    except (yaml.YAMLError, DecodeError):
        return None
    return values[0][1] if values else None


def _json_duplicates(source: Source, doc: Document, keys: list[str]) -> Iterator[Problem]:
    """Duplicate keys of a JSON document, at their own lines when libyaml can tell."""
    try:
        found = decode(doc.read())[1]
    except (yaml.YAMLError, DecodeError):
        found = []
    if sorted(key for _, _, key in found) == sorted(keys):
        for line, column, key in found:
            yield Problem(
                "yaml-duplicate-key",
                f"duplicate key {key!r}: Kubernetes keeps only the last value",
                source.display,
                doc.line + line + 1,
                column + 1,
            )
        return
    for key in keys:
        yield Problem(
            "yaml-duplicate-key",
            f"duplicate key {key!r}: Kubernetes keeps only the last value",
            source.display,
            doc.line + 1,
        )
