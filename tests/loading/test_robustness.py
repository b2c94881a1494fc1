"""The loader on hostile and unusual input, through the CLI as a user runs it.

Every case checks the exit code, that the finding names the file and the right line (and
column where there is one), that the documents around a broken one are still scanned, and
that no traceback reaches the user. Two test-only rules make what was scanned visible:
``object-seen`` reports every object at its own position, and ``liveness-probe-seen`` the
liveness probe of every container, so positions are checked through the engine's own
placement of findings.
"""

from __future__ import annotations

import codecs
import gzip
import json
import struct
import tracemalloc
import zlib
from pathlib import Path

import pytest
from conftest import real_corpus

import kubevet.config
import kubevet.engine
from kubevet.findings import Finding, Severity
from kubevet.loading import reader
from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Problem, Skipped, Source
from kubevet.rules._base import Rule


def _object_seen(obj, ctx):
    yield Finding(f"seen {obj.kind} {obj.name}")


def _liveness_seen(obj, ctx):
    spec = obj.spec.get("template", {}).get("spec", {}) if obj.kind != "Pod" else obj.spec
    prefix = ("spec", "template", "spec") if obj.kind != "Pod" else ("spec",)
    for i, c in enumerate(spec.get("containers") or []):
        if "livenessProbe" in c:
            yield Finding(f"liveness probe of {c.get('name')}", (*prefix, "containers", i, "livenessProbe"))


_DOC = "## What it checks\nTest only.\n\n## Fix\nNothing.\n"
TEST_RULES = (
    Rule("TST901", "object-seen", "test", Severity.INFO, None, "object", _object_seen, "Every object.\n\n" + _DOC),
    Rule("TST902", "liveness-probe-seen", "test", Severity.INFO, None, "object", _liveness_seen, "Probes.\n\n" + _DOC),
)


@pytest.fixture
def scan(run_cli, monkeypatch, tmp_path):
    """Run ``kubevet scan`` on files written from {name: content}; returns (code, report, err)."""
    builtin = kubevet.engine.all_rules
    monkeypatch.setattr(kubevet.engine, "all_rules", lambda: (*builtin(), *TEST_RULES))
    monkeypatch.setattr(kubevet.config, "all_rules", lambda: (*builtin(), *TEST_RULES))
    monkeypatch.chdir(tmp_path)

    def run(files: dict[str, str | bytes], *paths: str, flags: tuple = (), select: str = "INP,TST901"):
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (tmp_path / name).write_bytes(data)
        r = run_cli("scan", *(paths or files), *flags, "--select", select, "-f", "json")
        assert "Traceback" not in r.out + r.err, r.err
        return r.code, json.loads(r.out), r.err

    return run


def seen(report) -> list[tuple[str, int, int]]:
    return [(f["message"][5:], f["line"], f["column"]) for f in report["findings"] if f["rule"] == "object-seen"]


def problems(report) -> list[tuple[str, str, int, int]]:
    return [(f["rule"], f["file"], f["line"], f["column"]) for f in report["findings"] if f["code"].startswith("INP")]


def message(report) -> str:
    (text,) = [f["message"] for f in report["findings"] if f["code"].startswith("INP")]
    return text


def cm(name: str, extra: str = "") -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{extra}"


def load(data: bytes, name: str = "x.yaml") -> list:
    return list(read_source(Source(None, name, data)))


# --- syntax errors stay in their document -----------------------------------------------------


def test_syntax_error_in_the_middle_document(scan):
    text = cm("one") + "---\n" + cm("two", "data:\n  a: [b, c\n") + "---\n" + cm("three")
    code, report, err = scan({"three.yaml": text})
    assert code == 2
    # the unclosed bracket is reported at the end of its own document (line 11), not at the
    # next document's --- (line 12) where libyaml notices it
    assert problems(report) == [("yaml-syntax", "three.yaml", 11, 11)]
    assert "did not find expected" in message(report)
    assert seen(report) == [("ConfigMap one", 1, 1), ("ConfigMap three", 13, 1)]
    assert "three.yaml:11" in err


def test_tab_used_for_indentation(scan):
    code, report, err = scan({"tab.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n"})
    assert code == 2
    assert problems(report) == [("yaml-syntax", "tab.yaml", 4, 1)]
    assert "tab" in message(report)
    assert "tab.yaml:4" in err


def test_trailing_tab_is_accepted_as_kubernetes_accepts_it():
    # libyaml and go-yaml both end a plain scalar before trailing white space, tabs included
    (obj,) = load(cm("x\t", "data:\n  a: b\t\n").encode())
    assert obj.name == "x" and obj.data["data"] == {"a": "b"}


# --- encodings ---------------------------------------------------------------------------------


def test_utf8_bom(scan):
    text = "\ufeff" + cm("bom") + "---\n" + cm("second", "data: [\n")
    code, report, _ = scan({"bom.yaml": text})
    assert code == 2
    assert seen(report) == [("ConfigMap bom", 1, 1)]
    assert problems(report) == [("yaml-syntax", "bom.yaml", 10, 8)]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(scan, encoding):
    text = cm("first", "data:\n  greeting: café\n") + "---\n" + cm("second", "data: [\n")
    data = text.encode(encoding)
    if encoding != "utf-16":
        data = (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + data
    code, report, _ = scan({"u16.yaml": data})
    assert code == 2
    assert seen(report) == [("ConfigMap first", 1, 1)]
    assert problems(report) == [("yaml-syntax", "u16.yaml", 12, 8)]
    objs = [o for o in load(data) if isinstance(o, K8sObject)]
    assert objs[0].data["data"] == {"greeting": "café"}


def test_crlf_line_endings_keep_lines_right(scan):
    text = cm("one", "data:\n  a: |\n    x\n    y\n") + "---\n" + cm("two") + "---\n" + cm("three", "data: {a: [\n")
    code, report, _ = scan({"crlf.yaml": text.replace("\n", "\r\n")})
    assert code == 2
    assert seen(report) == [("ConfigMap one", 1, 1), ("ConfigMap two", 10, 1)]
    assert problems(report) == [("yaml-syntax", "crlf.yaml", 19, 12)]
    (one, *_) = load(text.replace("\n", "\r\n").encode())
    assert one.data["data"] == {"a": "x\ny\n"}  # no carriage returns left in values


def test_not_utf8_names_file_line_and_column(scan):
    data = (cm("ok") + "---\n" + cm("latin", "data:\n  greeting: caf")).encode() + b"\xe9\n---\n" + cm("after").encode()
    code, report, err = scan({"latin1.yaml": data})
    assert code == 2
    assert problems(report) == [("file-unreadable", "latin1.yaml", 11, 16)]
    assert "0xE9" in message(report) and "UTF-8" in message(report)
    assert seen(report) == [("ConfigMap ok", 1, 1), ("ConfigMap after", 13, 1)]
    assert "latin1.yaml:11" in err


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "data",
    [_png(), gzip.compress(cm("zipped").encode()), b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"],
    ids=["png", "gzip", "elf"],
)
def test_binary_file(scan, data):
    code, report, err = scan({"blob.yaml": data, "good.yaml": cm("good")}, "blob.yaml", "good.yaml")
    assert code == 2
    assert problems(report) == [("file-unreadable", "blob.yaml", None, None)]  # the whole file
    assert "binary" in message(report)
    assert seen(report) == [("ConfigMap good", 1, 1)]
    assert "blob.yaml" in err


# --- limits ------------------------------------------------------------------------------------


def _alias_bomb(levels: int = 9) -> str:
    text = cm("lol", "data:\n") + "  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for prev, name in zip("abcdefghijk", "bcdefghijkl"[: levels - 1]):
        text += f"  {name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    return text


def test_alias_bomb_is_refused_with_bounded_memory(scan):
    bomb = _alias_bomb()  # 9**9 = 387,420,489 strings if it were expanded
    tracemalloc.start()
    try:
        items = load(bomb.encode())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [type(i) for i in items] == [Problem]
    assert items[0].rule == "yaml-limit-exceeded"
    assert peak < 64 << 20, f"{peak / 2**20:.0f} MiB to refuse an alias bomb"
    code, report, _ = scan({"bomb.yaml": bomb + "---\n" + cm("after")})
    assert code == 2
    rule, file, line, _ = problems(report)[0]
    assert (rule, file) == ("yaml-limit-exceeded", "bomb.yaml")
    assert line == 11  # "g": the first level whose expansion passes 1,000,000 nodes
    assert seen(report) == [("ConfigMap after", 16, 1)]


def test_merge_key_bomb_is_refused():
    text = cm("lol", "data:\n") + "  a: &a {x: [lol, lol, lol, lol, lol, lol, lol, lol, lol]}\n"
    prev = "a"
    for name in "bcdefghij":
        text += f"  {name}: &{name} " + "{" + ", ".join(f"k{i}: *{prev}" for i in range(9)) + ", <<: *" + prev + "}\n"
        prev = name
    (item,) = load(text.encode())
    assert isinstance(item, Problem) and item.rule == "yaml-limit-exceeded"


def _nested(depth: int, flow: bool) -> str:
    if flow:
        return cm("deep", "x: " + "[" * depth + "]" * depth + "\n")
    return cm("deep", "x:\n" + "".join(" " * (i + 1) + "k:\n" for i in range(depth)))


@pytest.mark.parametrize("flow", [True, False], ids=["flow", "block"])
def test_nesting_of_500_levels_scans(scan, flow):
    code, report, _ = scan({"deep.yaml": _nested(500, flow)})
    assert code == 0 and problems(report) == []
    assert seen(report) == [("ConfigMap deep", 1, 1)]
    (obj,) = load(_nested(500, flow).encode())
    depth, value = 0, obj.data["x"]
    while value:
        value = value[0] if flow else value["k"]
        depth += 1
    assert depth == (499 if flow else 500)


@pytest.mark.parametrize("flow", [True, False], ids=["flow", "block"])
def test_nesting_of_5000_levels_is_refused_clearly(scan, flow):
    code, report, err = scan({"deep.yaml": _nested(5000, flow) + "---\n" + cm("after")})
    assert code == 2
    ((rule, file, line, _),) = problems(report)
    assert (rule, file) == ("yaml-limit-exceeded", "deep.yaml")
    assert line == (5 if flow else 1004)  # where libyaml's depth limit is reached
    assert "1000 levels" in message(report)
    assert seen(report)[-1][0] == "ConfigMap after"
    assert "deep.yaml" in err


# --- document markers --------------------------------------------------------------------------


MARKERS = """\
# a comment-only document
---
---
# another one
...
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: script
data:
  run.sh: |
    echo start
    ---
    ...
    echo end
  folded: >
    ---
...
---
apiVersion: v1
kind: ConfigMap
metadata: {name: after-end}
...
# trailing comment, then an explicit empty document
---
...
--- |
  a bare string document
--- {apiVersion: v1, kind: ConfigMap, metadata: {name: same-line}}
"""


def test_markers_in_block_scalars_end_markers_and_empty_documents(scan):
    code, report, _ = scan({"markers.yaml": MARKERS}, flags=("-v",))
    assert code == 0 and problems(report) == []
    assert seen(report) == [("ConfigMap script", 7, 1), ("ConfigMap after-end", 21, 1), ("ConfigMap same-line", 30, 5)]
    assert report["skipped"] == [
        {"file": "markers.yaml", "line": 28, "reason": "the document is a string, not a Kubernetes object"}
    ]
    script = next(o for o in load(MARKERS.encode()) if isinstance(o, K8sObject))
    assert script.data["data"] == {"run.sh": "echo start\n---\n...\necho end\n", "folded": "---\n"}


# --- chunked streaming -------------------------------------------------------------------------


def _snapshot(items) -> list:
    out = []
    for item in items:
        if isinstance(item, K8sObject):
            out.append(("object", item.line, item.doc.line, item.doc.offset, item.doc.length, item.base, item.data))
        elif isinstance(item, Problem):
            out.append(("problem", item.rule, item.line, item.column, item.message))
        else:
            assert isinstance(item, Skipped)
            out.append(("skipped", item.line, item.reason))
    return out


def _streamed(path: Path, chunk: int | None, monkeypatch) -> list:
    if chunk is not None:
        monkeypatch.setattr(reader, "CHUNK_SIZE", chunk)
    try:
        return _snapshot(read_source(Source(str(path), path.name)))
    finally:
        monkeypatch.undo()


STREAM_SAMPLE = (
    "\ufeff# leading comment\n"
    + cm("a", "data:\n  s: |\n    ---\n    text\n")
    + "---\n---\n"
    + cm("b", "data: {k: [\n")  # broken
    + "---\n"
    + cm("c\u00e9", "data:\n  long: " + "x" * 300 + "\n")
    + "...\n"
    + "---\napiVersion: v1\nkind: List\nitems:\n- " + cm("d").replace("\n", "\n  ").rstrip() + "\n"
    + "--- \n- not an object\n"
    + "---\n" + cm("e", "dup: 1\ndup: 2\n")
)


@pytest.mark.parametrize("chunk", [1, 7, 64, 4096])
def test_chunked_streaming_is_identical(tmp_path, monkeypatch, chunk):
    for newline in ("\n", "\r\n"):
        path = tmp_path / "stream.yaml"
        path.write_bytes(STREAM_SAMPLE.replace("\n", newline).encode())
        whole = _streamed(path, None, monkeypatch)
        assert [s[0] for s in whole] == ["object", "problem", "object", "object", "skipped", "problem", "object"]
        assert _streamed(path, chunk, monkeypatch) == whole


@pytest.mark.parametrize("name", ["kube-prometheus.yaml", "kubernetes-examples.yaml", "metrics-server.yaml"])
def test_chunked_streaming_of_real_files(monkeypatch, name):
    whole = _streamed(real_corpus() / name, None, monkeypatch)
    assert _streamed(real_corpus() / name, 64, monkeypatch) == whole
    assert sum(1 for s in whole if s[0] == "object") > 5


class _CountingMarkers:
    """reader._markers, counting the bytes searched for document markers."""

    def __init__(self, find) -> None:
        self.find, self.searched = find, 0

    def __call__(self, buf, start, end):
        self.searched += max(0, end - start)
        return self.find(buf, start, end)


def test_a_document_bigger_than_the_chunks_is_searched_once(tmp_path, monkeypatch):
    # one 1.2 MB document read in 64-byte chunks: the reader used to search (and copy) all
    # of it again for every chunk, 20,000 times over
    path = tmp_path / "big.yaml"
    path.write_bytes((cm("big", "data:\n") + "".join(f"  k{i}: {'v' * 50}\n" for i in range(20000)) + "---\n" + cm("next")).encode())
    counter = _CountingMarkers(reader._markers)
    monkeypatch.setattr(reader, "_markers", counter)
    monkeypatch.setattr(reader, "CHUNK_SIZE", 64)
    items = list(read_source(Source(str(path), "big.yaml")))
    assert [i.name for i in items] == ["big", "next"]
    assert counter.searched <= 2 * path.stat().st_size


# --- positions -----------------------------------------------------------------------------------

CONTAINERS = """\
      containers:
        - name: app
          image: example/app:1.0
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
        - name: sidecar
          image: example/sidecar:1.0
          # the second container's probe
          livenessProbe:
            exec:
              command: [true]
"""

DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n" + CONTAINERS
)


def probes(report) -> list[tuple[str, int, int, str]]:
    return [
        (f["message"].split()[-1], f["line"], f["column"], f["field"])
        for f in report["findings"]
        if f["rule"] == "liveness-probe-seen"
    ]


def test_position_of_the_second_containers_liveness_probe(scan):
    text = cm("first") + "---\n" + DEPLOYMENT
    _, report, _ = scan({"deploy.yaml": text}, select="TST902")
    assert probes(report) == [
        ("app", 16, 11, "spec.template.spec.containers[0].livenessProbe"),
        ("sidecar", 21, 11, "spec.template.spec.containers[1].livenessProbe"),
    ]
    lines = text.splitlines()
    assert lines[20].index("livenessProbe:") == 10


def test_position_inside_a_list_item(scan):
    item = DEPLOYMENT.replace("\n", "\n    ").rstrip()
    text = "apiVersion: v1\nkind: List\nitems:\n  - " + cm("x").replace("\n", "\n    ").rstrip() + "\n  - " + item + "\n"
    _, report, _ = scan({"list.yaml": text}, select="TST902,TST901")
    assert seen(report) == [("ConfigMap x", 4, 5), ("Deployment web", 8, 5)]
    lines = text.splitlines()
    (app, sidecar) = probes(report)
    # the field is named from the item, the position is in the List's file
    assert sidecar[0] == "sidecar" and sidecar[3] == "spec.template.spec.containers[1].livenessProbe"
    assert lines[sidecar[1] - 1][sidecar[2] - 1 :].startswith("livenessProbe:")
    assert sidecar[1] == 23 and app[1] == 18


def test_position_in_a_json_file(scan):
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [
            {"name": "app", "livenessProbe": {"exec": {"command": ["true"]}}},
            {"name": "sidecar", "image": "x", "livenessProbe": {"exec": {"command": ["true"]}}},
        ]}}},
    }
    text = "\ufeff" + json.dumps(obj, indent=2)
    _, report, _ = scan({"deploy.json": text}, select="TST902")
    lines = text.splitlines()
    (_, (name, line, column, field)) = probes(report)
    assert name == "sidecar" and field == "spec.template.spec.containers[1].livenessProbe"
    assert lines[line - 1][column - 1 :].startswith('"livenessProbe"')
    assert line == next(i for i, l in enumerate(lines, 1) if '"sidecar"' in l) + 2


def test_document_markers_are_found_as_yaml_defines_them():
    # reader._markers finds markers with bytes.find; the definition, as a regular expression,
    # is the oracle: "---" or "..." at the start of a line, then a blank or the end
    import random
    import re

    definition = re.compile(rb"^(?:---|\.\.\.)(?=[ \t\r\n]|\Z)", re.M)
    rng = random.Random(7)
    alphabet = [b"-", b".", b"\n", b" ", b"a", b"\t", b"\r", b"#"]
    for _ in range(20000):
        buf = b"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        start = rng.randint(1, len(buf))
        end = rng.randint(start, len(buf))
        expected = [(m.start(), m.group()) for m in definition.finditer(buf, start, end)]
        assert list(reader._markers(buf, start, end)) == expected, (buf, start, end)


def test_json_workload_judged_by_cluster_rules_is_placed():
    """A JSON document has no parser nodes to sketch: cluster rules (pdb-missing) still
    report on it, at the position found on demand (this crashed the scan once)."""
    data = json.dumps({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]}}},
    }, indent=1)
    result = kubevet.engine.lint_text(data, name="web.json")
    assert not result.crashes
    pdb = [f for f in result.findings if f.rule == "pdb-missing"]
    assert len(pdb) == 1 and pdb[0].file == "web.json" and pdb[0].line >= 1
