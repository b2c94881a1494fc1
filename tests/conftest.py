"""Shared test helpers: lint YAML text, run the CLI as a user would."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from kubevet.cli import main
from kubevet.config import Config
from kubevet.engine import lint_text

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


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
