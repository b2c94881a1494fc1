"""Worker processes do not change a scan's result, one large file included.

With ``jobs`` > 1 the engine forks workers and cuts a file too large to balance into
parts at its document markers; the findings (file, line, column, everything), skipped
documents, input errors and counts must equal those of the serial scan.
"""

from __future__ import annotations

import pytest
from conftest import REAL_FILES, real_corpus

from kubevet import api
from kubevet.engine import _shares_of
from kubevet.loading.reader import SourcePart
from kubevet.model import Source
from kubevet.output.json_format import finding_json


def _report(paths: list[str], jobs: int) -> dict:
    config = api.load_config(no_config=True)
    result = api.scan_paths(paths, config=config, jobs=jobs)
    return {
        "findings": [finding_json(f) for f in result.findings],
        "skipped": [s.to_json() for s in result.skipped],
        "input_errors": [str(e) for e in result.input_errors],
        "crashes": [str(c) for c in result.crashes],
        "summary": {"objects": result.objects, "sources": result.sources},
    }


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """The real corpus as one file of several MB, with a broken document in the middle."""
    texts = [(real_corpus() / n).read_text(encoding="utf-8") for n in REAL_FILES]
    texts.insert(len(texts) // 2, "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n")
    path = tmp_path_factory.mktemp("big") / "everything.yaml"
    path.write_text("\n---\n".join(texts), encoding="utf-8")
    return path


def test_one_large_file_is_cut_for_the_workers(big_file):
    work = _shares_of([Source(str(big_file), "everything.yaml")], 2)
    assert len(work) >= 2 and all(isinstance(s, SourcePart) and order == 0 for order, s in work)


def test_a_large_file_scans_the_same_with_workers(big_file):
    serial = _report([str(big_file)], 1)
    parallel = _report([str(big_file)], 2)
    assert serial["summary"]["objects"] > 2000 and serial["summary"]["sources"] == 1
    assert len(serial["input_errors"]) == 1 and len(serial["findings"]) > 1000
    assert parallel == serial


def test_many_files_scan_the_same_with_workers(tmp_path):
    paths = [str(real_corpus() / n) for n in REAL_FILES[:6]]
    assert _report(paths, 3) == _report(paths, 1)


def test_shares_weigh_documents_besides_bytes(tmp_path, big_file):
    # rules run per object: one huge document is less work than many small ones of the same
    # size, and a part of a cut file counts only its own documents
    from kubevet.engine import _DOCUMENT_WEIGHT, _weight
    from kubevet.loading.reader import split_source

    one = tmp_path / "one.yaml"
    one.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  k: '" + "x" * 290_000 + "'\n")
    many = tmp_path / "many.yaml"
    many.write_text("\n---\n".join(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}" for i in range(5000)) + "\n")
    assert abs(one.stat().st_size - many.stat().st_size) < 10_000  # the same size on disk
    assert _weight(Source(str(one), "one.yaml")) == one.stat().st_size + _DOCUMENT_WEIGHT
    assert _weight(Source(str(many), "many.yaml")) == many.stat().st_size + 5000 * _DOCUMENT_WEIGHT
    assert _weight(Source(str(many), "many.yaml")) > 100 * _weight(Source(str(one), "one.yaml"))
    whole = Source(str(big_file), "everything.yaml")
    parts = split_source(whole, 4)
    assert len(parts) > 1
    assert sum(_weight(p) for p in parts) == _weight(whole)
    in_memory = Source(None, "many.yaml", many.read_bytes())
    assert _weight(in_memory) == _weight(Source(str(many), "many.yaml"))
