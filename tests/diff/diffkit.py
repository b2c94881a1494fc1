"""Fixtures of the diff, gate and freeze tests (imported by name: tests/conftest.py is the only conftest)."""

import json
import os

import pytest

from kubevet.cli import main

PAIRS = os.path.join(os.path.dirname(__file__), "pairs")


@pytest.fixture
def kubevet(capsys):
    """Run the CLI in-process: (exit code, stdout, stderr)."""

    def run(*argv):
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def diff_json(kubevet):
    """`kubevet diff ... -f json` as (exit code, report)."""

    def run(*argv):
        code, out, err = kubevet("diff", *argv, "-f", "json")
        assert out, err
        return code, json.loads(out)

    return run


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def write():
    """write(path, text) -> path, making the directories."""
    return _write
