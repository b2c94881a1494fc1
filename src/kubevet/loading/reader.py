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
import re
from collections.abc import Iterator

import yaml

from kubevet.loading.yaml_decode import DecodeError, decode
from kubevet.model import Document, K8sObject, Problem, Skipped, Source

CHUNK_SIZE = 16 << 20
_MARKER = re.compile(rb"^(?:---|\.\.\.)(?=[ \t\r\n]|\Z)", re.M)
_DIRECTIVE = re.compile(rb"^%", re.M)
_BINARY_SNIFF = 8192

Loaded = K8sObject | Problem | Skipped


def read_source(source: Source, json_hint: bool = False) -> Iterator[Loaded]:
    """Yield the objects of a source, and a Problem or Skipped for what is not one."""
    try:
        if source.data is not None:
            chunks: Iterator[bytes] = iter((source.data,))
            fh = None
        else:
            assert source.path is not None
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
    if _DIRECTIVE.search(first):
        # %YAML / %TAG directives belong to the document after them: parse the stream whole
        data = first + b"".join(chunks)
        yield from _read_document(source, Document(source, 0, 0, 0, len(data)), data, whole=True)
        return
    yield from _read_yaml_stream(source, first, chunks)


def _read_yaml_stream(source: Source, first: bytes, chunks: Iterator[bytes]) -> Iterator[Loaded]:
    buf = first
    buf_offset = 0  # offset of buf[0] in the source
    buf_line = 0  # line number of buf[0] (0-based)
    eof = False
    while True:
        if not eof:
            nxt = next(chunks, None)
            if nxt is None:
                eof = True
            else:
                buf += nxt
                # look for markers only in complete lines until the end is reached
                if len(buf) < CHUNK_SIZE * 2:
                    continue
        limit = len(buf) if eof else buf.rfind(b"\n") + 1
        start = 0
        line = buf_line
        for m in _MARKER.finditer(buf, 1, limit):
            pos = m.start()
            if pos == start:
                continue
            length = pos - start
            yield from _read_document(
                source,
                Document(source, 0, line, buf_offset + start, length),
                buf[start:pos],
            )
            line += buf.count(b"\n", start, pos)
            if m.group() == b"...":
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
        buf_offset += start
        buf_line = line
        buf = buf[start:]


def _read_document(
    source: Source, doc: Document, data: bytes, whole: bool = False
) -> Iterator[Loaded]:
    try:
        values, duplicates = decode(data)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = doc.line + (mark.line if mark else 0) + 1
        column = (mark.column + 1) if mark else 0
        rule = "yaml-limit-exceeded" if "maximum nesting depth" in str(exc.problem) else "yaml-syntax"
        yield Problem(rule, _yaml_message(exc), source.display, line, column)
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
        yield from _objects(source, sub, value, doc.line + node.start_mark.line)
        sub.node = None  # the consumer is done with this document's objects


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
    if kind.endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            item_line = _line_of(doc, ("items", i)) if doc.node is not None else line + 1
            reason = _not_an_object(item)
            if reason:
                yield Skipped(source.display, item_line, f"{kind} item {i}: {reason}")
            else:
                yield K8sObject(item, doc, ("items", i), item_line)
        return
    yield K8sObject(value, doc, (), line + 1)


def _line_of(doc: Document, path: tuple) -> int:
    from kubevet.loading.positions import PositionIndex

    return PositionIndex().locate(doc, path)[0]


def _not_an_object(value: object) -> str | None:
    if not isinstance(value, dict):
        kind = "list" if isinstance(value, list) else type(value).__name__
        if isinstance(value, str):
            kind = "string"
        return f"the document is a {kind}, not a Kubernetes object"
    missing = [k for k in ("apiVersion", "kind") if k not in value]
    if missing:
        return "no " + " or ".join(missing) + ": not a Kubernetes object"
    for key in ("apiVersion", "kind"):
        if not isinstance(value[key], str) or not value[key]:
            return f"{key} is not a non-empty string: not a Kubernetes object"
    return None


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = []
    if exc.context:
        parts.append(str(exc.context))
    if exc.problem:
        parts.append(str(exc.problem))
    return "YAML syntax error: " + ", ".join(parts) if parts else "YAML syntax error"


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
    return Problem(
        "file-unreadable",
        f"unacceptable character #x{exc.character:04x} in YAML ({exc.reason})",
        source.display,
        doc.line + 1,
    )


def _read_json(source: Source, data: bytes) -> Iterator[Loaded]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        yield Problem("file-unreadable", "not valid UTF-8", source.display, line)
        return
    duplicates: list[str] = []

    def pairs_hook(pairs: list[tuple[str, object]]) -> dict:
        out: dict = {}
        for key, value in pairs:
            if key in out:
                duplicates.append(key)
            out[key] = value
        return out

    decoder = json.JSONDecoder(object_pairs_hook=pairs_hook)
    pos = 0
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
        byte_start = len(text[:pos].encode("utf-8"))
        byte_len = len(text[pos:end].encode("utf-8"))
        doc = Document(source, 0, line, byte_start, byte_len, json=True)
        for key in duplicates:
            yield Problem(
                "yaml-duplicate-key",
                f"duplicate key {key!r}: Kubernetes keeps only the last value",
                source.display,
                line + 1,
            )
        duplicates.clear()
        yield from _objects(source, doc, value, line)
        pos = end
