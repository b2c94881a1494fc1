"""Shared test helpers: lint YAML text, run the CLI as a user would."""

from __future__ import annotations

import atexit
import functools
import io
import lzma
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# the real control plane of tests/apiserver (session scope, started on first use)
from apiserver.fixtures import control_plane, kube, new_namespace  # noqa: F401

from kubevet.cli import main
from kubevet.config import Config
from kubevet.engine import lint_text

ROOT = Path(__file__).resolve().parent.parent
# third-party data the tests read, carried in the repository (sources and licences:
# tests/data/README.md), never a directory beside the clone: a clone alone runs the suite
DATA = ROOT / "tests" / "data"
CHARTS = DATA / "charts"  # five real Helm charts
CONFORMANCE = DATA / "conformance"  # peer linters' own test fixtures
SARIF_SCHEMA = DATA / "schemas" / "sarif-schema-2.1.0.json"
REAL_CORPUS_XZ = DATA / "corpus" / "real"
REAL_FILES = sorted(p.name.removesuffix(".xz") for p in REAL_CORPUS_XZ.glob("*.yaml.xz"))


@functools.cache
def real_corpus() -> Path:
    """The directory of the 17 real install manifests (``REAL_FILES``), byte-identical to upstream.

    They are 20 MB as text and 0.7 MB as xz, so the repository carries them compressed and
    the first test that needs them decompresses them, once per test session, into a
    temporary directory (removed at exit): the files' line numbers are the upstream ones.
    """
    out = Path(tempfile.mkdtemp(prefix="kubevet-real-corpus-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    for name in REAL_FILES:
        (out / name).write_bytes(lzma.decompress((REAL_CORPUS_XZ / f"{name}.xz").read_bytes()))
    return out


def lint(text: str | bytes, *rules: str, options: dict | None = None):
    """Findings of ``text`` with only ``rules`` selected (all default rules when none)."""
    config = Config(select=list(rules), options=options or {})
    return lint_text(text, config).findings


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out[:500]!r}, err={self.err[:500]!r})"


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """Call kubevet's main() in-process; stdin may be given as bytes."""

    def run(*argv: str, stdin: bytes | None = None) -> CliResult:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = main(list(argv))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
