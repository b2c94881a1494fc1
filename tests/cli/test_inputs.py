"""What ``kubevet scan`` reads: files, JSON, Lists, directories, standard input, bad paths.

A test-only rule, ``object-seen``, reports every object it is given at the object's own
position, so each test can tell exactly which objects were scanned, from which file and
line. Every run is checked for a traceback.
"""

from __future__ import annotations

import json

import pytest

from kubevet import config as kubevet_config
from kubevet import engine as kubevet_engine
from kubevet.findings import Finding, Severity
from kubevet.rules._base import Rule


def _object_seen(obj, ctx):
    yield Finding(f"seen {obj.kind} {obj.name}")


SEEN = Rule(
    "TST901", "object-seen", "test", Severity.INFO, None, "object", _object_seen,
    "Every object.\n\n## What it checks\nTest only.\n\n## Fix\nNothing.\n",
)


@pytest.fixture
def kubevet(run_cli, monkeypatch, tmp_path):
    """Run ``kubevet scan ARGS`` in a temporary directory with object-seen selected."""
    builtin = kubevet_engine.all_rules
    monkeypatch.setattr(kubevet_engine, "all_rules", lambda: (*builtin(), SEEN))
    monkeypatch.setattr(kubevet_config, "all_rules", lambda: (*builtin(), SEEN))
    monkeypatch.chdir(tmp_path)

    def run(*args: str, stdin: bytes | None = None, fmt: str = "json", select: str = "INP,TST901"):
        r = run_cli("scan", *args, "--select", select, "-f", fmt, stdin=stdin)
        assert "Traceback" not in r.out + r.err, r.err
        r.report = json.loads(r.out) if fmt == "json" else None
        return r

    return run


def write(path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)


def seen(report) -> list[tuple[str, str, int]]:
    return [(f["file"], f["message"][5:], f["line"]) for f in report["findings"] if f["rule"] == "object-seen"]


def inputs(report) -> list[tuple[str, str, int | None]]:
    return [(f["rule"], f["file"], f["line"]) for f in report["findings"] if f["code"].startswith("INP")]


def cm(name: str, extra: str = "") -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{extra}"


# --- JSON --------------------------------------------------------------------------------------


def test_json_file(kubevet, tmp_path):
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}, "data": {"n": "1"}}
    write(tmp_path / "cm.json", json.dumps(obj, indent=2) + "\n" + json.dumps(obj | {"metadata": {"name": "k"}}))
    r = kubevet("cm.json")
    assert r.code == 0
    assert seen(r.report) == [("cm.json", "ConfigMap j", 1), ("cm.json", "ConfigMap k", 11)]


def test_json_list_expands_with_item_lines(kubevet, tmp_path):
    items = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n}} for n in ("a", "b")]
    write(tmp_path / "list.json", json.dumps({"apiVersion": "v1", "kind": "List", "items": items}, indent=1))
    r = kubevet("list.json")
    assert r.code == 0
    assert seen(r.report) == [("list.json", "ConfigMap a", 5), ("list.json", "ConfigMap b", 12)]


def test_json_on_stdin(kubevet):
    body = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}})
    r = kubevet("-", stdin=body.encode())
    assert r.code == 0
    assert seen(r.report) == [("<stdin>", "Secret s", 1)]


def test_json_syntax_error_names_line_and_column(kubevet, tmp_path):
    write(tmp_path / "bad.json", '{"apiVersion": "v1",\n "kind": "ConfigMap",\n "metadata": {"name": "x",}}')
    r = kubevet("bad.json")
    assert r.code == 2
    assert [(f["rule"], f["line"], f["column"]) for f in r.report["findings"]] == [("yaml-syntax", 3, 27)]
    assert "bad.json:3" in r.err


def test_json_duplicate_key_at_its_line(kubevet, tmp_path):
    write(tmp_path / "dup.json", '{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "a",\n  "name": "b"}}')
    r = kubevet("dup.json")
    assert inputs(r.report) == [("yaml-duplicate-key", "dup.json", 3)]
    assert seen(r.report) == [("dup.json", "ConfigMap b", 1)]  # the last value wins, as in Kubernetes


# --- Lists -------------------------------------------------------------------------------------


def test_list_kinds_expand_with_item_positions(kubevet, tmp_path):
    write(
        tmp_path / "lists.yaml",
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: one}\n"
        "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: two}\n"
        "---\napiVersion: v1\nkind: ServiceList\nmetadata: {resourceVersion: ''}\nitems:\n"
        "  - apiVersion: v1\n    kind: Service\n    metadata: {name: three}\n"
        "---\napiVersion: v1\nkind: List\nitems: []\n",
    )
    r = kubevet("lists.yaml")
    assert r.code == 0
    assert seen(r.report) == [
        ("lists.yaml", "ConfigMap one", 4),
        ("lists.yaml", "Deployment two", 7),
        ("lists.yaml", "Service three", 15),
    ]


# --- what is not a Kubernetes object ---------------------------------------------------------

NOT_OBJECTS = (
    cm("real")
    + "---\n# helm values, say\nreplicaCount: 2\nimage: {tag: v1}\n"
    + "---\n- a\n- b\n"
    + "---\napiVersion: v1\nkind: List\nitems: [5, {kind: ConfigMap}]\n"
    + "---\njust text\n"
)
SKIPPED = [
    (7, "no apiVersion or kind: not a Kubernetes object"),
    (10, "the document is a list, not a Kubernetes object"),
    (15, "List item 0: the item is a number, not a Kubernetes object"),
    (15, "List item 1: no apiVersion: not a Kubernetes object"),
    (17, "the document is a string, not a Kubernetes object"),
]


def test_non_kubernetes_yaml_is_reported_as_skipped_in_json(kubevet, tmp_path):
    write(tmp_path / "mixed.yaml", NOT_OBJECTS)
    r = kubevet("mixed.yaml")
    assert r.code == 0
    assert seen(r.report) == [("mixed.yaml", "ConfigMap real", 1)]
    assert [(s["line"], s["reason"]) for s in r.report["skipped"]] == SKIPPED
    assert {s["file"] for s in r.report["skipped"]} == {"mixed.yaml"}


def test_non_kubernetes_yaml_is_listed_by_verbose_text_and_counted_without(kubevet, tmp_path):
    write(tmp_path / "mixed.yaml", NOT_OBJECTS)
    verbose = kubevet("mixed.yaml", "-v", fmt="text")
    for line, reason in SKIPPED:
        assert f"mixed.yaml:{line}: {reason}" in verbose.out
    quiet = kubevet("mixed.yaml", fmt="text")
    assert "5 documents skipped" in quiet.out and "--verbose" in quiet.out
    assert "List item 0" not in quiet.out


def test_no_objects_at_all(kubevet, tmp_path):
    write(tmp_path / "values.yaml", "replicaCount: 1\n")
    write(tmp_path / "empty.yaml", "")
    write(tmp_path / "comments.yaml", "# nothing\n---\n# still nothing\n")
    r = kubevet("values.yaml", "empty.yaml", "comments.yaml")
    assert r.code == 2
    assert r.report["findings"] == []
    assert "no Kubernetes objects" in r.err


# --- paths -------------------------------------------------------------------------------------


def test_missing_path_is_an_error_and_the_others_are_scanned(kubevet, tmp_path):
    write(tmp_path / "a.yaml", cm("a"))
    write(tmp_path / "b.yaml", cm("b"))
    r = kubevet("a.yaml", "nope.yaml", "b.yaml")
    assert r.code == 2
    assert inputs(r.report) == [("file-unreadable", "nope.yaml", None)]
    assert [s[1] for s in seen(r.report)] == ["ConfigMap a", "ConfigMap b"]
    assert "nope.yaml" in r.err


def test_directory_walk_skips_hidden_and_non_manifest_files(kubevet, tmp_path):
    tree = {
        "manifests/app.yaml": cm("app"),
        "manifests/db.yml": cm("db"),
        "manifests/extra.JSON": json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "extra"}}),
        "manifests/nested/deeper/svc.yaml": cm("nested"),
        "manifests/README.md": cm("readme"),
        "manifests/notes.txt": cm("txt"),
        "manifests/app.yaml.bak": cm("backup"),
        "manifests/.hidden.yaml": cm("hidden-file"),
        "manifests/.git/config.yaml": cm("git"),
        "manifests/.github/workflows/ci.yaml": "on: push\njobs: {}\n",
        "manifests/nested/.cache/x.yaml": cm("cache"),
        "manifests/image.png.yaml": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
    }
    for name, text in tree.items():
        write(tmp_path / name, text)
    r = kubevet("manifests")
    assert sorted((f, n) for f, n, _ in seen(r.report)) == [
        ("manifests/app.yaml", "ConfigMap app"),
        ("manifests/db.yml", "ConfigMap db"),
        ("manifests/extra.JSON", "ConfigMap extra"),
        ("manifests/nested/deeper/svc.yaml", "ConfigMap nested"),
    ]
    # a manifest-named file is read, and reported when it is not text
    assert inputs(r.report) == [("file-unreadable", "manifests/image.png.yaml", None)]
    assert r.code == 2


def test_same_file_twice_is_scanned_once(kubevet, tmp_path):
    write(tmp_path / "d/a.yaml", cm("a"))
    r = kubevet("d", "d/a.yaml", "./d/a.yaml")
    assert [s[1] for s in seen(r.report)] == ["ConfigMap a"]


def test_stdin(kubevet, tmp_path):
    write(tmp_path / "f.yaml", cm("file"))
    text = cm("piped") + "---\n" + cm("second")
    r = kubevet("f.yaml", "-", "-", stdin=text.encode())
    assert r.code == 0
    assert seen(r.report) == [("<stdin>", "ConfigMap piped", 1), ("<stdin>", "ConfigMap second", 6), ("f.yaml", "ConfigMap file", 1)]


def test_stdin_syntax_error_names_stdin_and_line(kubevet):
    r = kubevet("-", stdin=(cm("ok") + "---\n" + cm("bad", "data: {a: [\n")).encode())
    assert r.code == 2
    assert inputs(r.report) == [("yaml-syntax", "<stdin>", 10)]
    assert seen(r.report) == [("<stdin>", "ConfigMap ok", 1)]
    assert "<stdin>:10" in r.err


def test_stdin_binary_and_utf16(kubevet):
    r = kubevet("-", stdin=b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03")
    assert r.code == 2 and inputs(r.report) == [("file-unreadable", "<stdin>", None)]
    r = kubevet("-", stdin=cm("wide").encode("utf-16"))
    assert r.code == 0 and seen(r.report) == [("<stdin>", "ConfigMap wide", 1)]
