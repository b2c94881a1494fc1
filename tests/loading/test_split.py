"""A large YAML file cut at document markers reads exactly as the whole file does.

Worker processes share one big file by reading parts of it (reader.split_source); every
object, problem and skipped document must come out with the data, line, column and offset
it has when the file is read whole, whatever the number of parts.
"""

from __future__ import annotations

import pytest
from conftest import REAL_FILES, real_corpus

from kubevet.loading.reader import SourcePart, read_source, split_source
from kubevet.model import K8sObject, Problem, Skipped, Source


def _items(sources) -> list[tuple]:
    out = []
    for source in sources:
        for item in read_source(source):
            if isinstance(item, K8sObject):
                out.append(("object", item.line, item.base, item.doc.line, item.doc.offset, item.doc.length, item.data))
            elif isinstance(item, Problem):
                out.append(("problem", item.rule, item.message, item.file, item.line, item.column))
            else:
                assert isinstance(item, Skipped)
                out.append(("skipped", item.file, item.line, item.reason))
    return out


@pytest.mark.parametrize("name", REAL_FILES)
@pytest.mark.parametrize("pieces", [2, 5])
def test_parts_of_a_real_file_read_as_the_whole(name: str, pieces: int):
    path = real_corpus() / name
    whole = Source(str(path), name)
    parts = split_source(whole, pieces)
    assert _items(parts) == _items([whole])


def test_a_broken_document_stays_where_it_is(tmp_path):
    docs = [f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata: {{k: v}}\n" for i in range(40)]
    docs[17] = "apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n"
    docs[23] = "# just a comment\n"
    text = "---\n".join(docs) + "...\n--- # trailing\nnot: kubernetes\n"
    path = tmp_path / "many.yaml"
    path.write_text(text)
    whole = Source(str(path), "many.yaml")
    expected = _items([whole])
    assert any(e[0] == "problem" for e in expected) and any(e[0] == "skipped" for e in expected)
    for pieces in (2, 3, 8, 50):
        parts = split_source(whole, pieces)
        assert len(parts) > 1 and all(isinstance(p, SourcePart) for p in parts)
        assert _items(parts) == expected, pieces


def test_stdin_data_is_split_too():
    text = b"".join(b"---\napiVersion: v1\nkind: Namespace\nmetadata: {name: n%d}\n" % i for i in range(10))
    whole = Source(None, "<stdin>", text)
    parts = split_source(whole, 3)
    assert len(parts) == 3
    assert _items(parts) == _items([whole])


@pytest.mark.parametrize(
    "text",
    [
        b'{"apiVersion": "v1", "kind": "List", "items": []}\n' * 3,
        b"%YAML 1.1\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\n",
        "apiVersion: v1\nkind: Namespace\n---\napiVersion: v1\nkind: Namespace\n".encode("utf-16"),
        b"apiVersion: v1\nkind: Namespace\nmetadata: {name: only-one}\n",
    ],
    ids=["json", "directive", "utf-16", "one document"],
)
def test_what_must_be_read_whole_is_not_split(text: bytes):
    source = Source(None, "x.yaml", text)
    assert split_source(source, 4) == [source]
