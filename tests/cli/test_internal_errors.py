"""An internal error (a bug in kubevet) exits 2, never 1 (CI reads 1 as "findings"), with
one line saying it is a bug and where to report it; the traceback only with --debug.

The bug is a real one in a report format registered the way a plugin registers (by module
name in kubevet.output.FORMATS): its render() raises, as any code of kubevet might."""

from __future__ import annotations

import subprocess
import sys

import pytest
import tomllib
from conftest import ROOT

import kubevet
from kubevet import output

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers: [{name: c, image: nginx:1.25}]\n"


def render(result, rules, options):  # the buggy format
    return {}["no such key"]


@pytest.fixture
def pod(tmp_path, monkeypatch):
    monkeypatch.setitem(output.FORMATS, "buggy", __name__)
    path = tmp_path / "pod.yaml"
    path.write_text(POD)
    return path


def test_the_issues_url_is_the_projects(tmp_path):
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert kubevet.ISSUES_URL == urls["Issues"]


def test_an_internal_error_is_one_line_and_exit_2(pod, run_cli):
    r = run_cli("scan", "--no-config", "-f", "buggy", str(pod))
    assert r.code == 2, r
    assert "Traceback" not in r.err
    (line,) = r.err.strip().splitlines()
    assert line.startswith("kubevet: internal error (a bug in kubevet")
    assert "KeyError: 'no such key'" in line and kubevet.ISSUES_URL in line and "--debug" in line


@pytest.mark.parametrize("where", ["first", "last"])
def test_debug_adds_the_traceback(pod, run_cli, where):
    argv = ["scan", "--no-config", "-f", "buggy", str(pod)]
    r = run_cli(*(["--debug", *argv] if where == "first" else [*argv, "--debug"]))
    assert r.code == 2, r
    assert "Traceback (most recent call last)" in r.err and 'return {}["no such key"]' in r.err
    assert r.err.strip().splitlines()[-1].startswith("kubevet: internal error (a bug in kubevet")


def test_debug_after_a_double_dash_is_left_alone():
    from kubevet.cli import _debug_flag

    assert _debug_flag(["gate", "a", "b", "--", "run", "--debug"]) == (["gate", "a", "b", "--", "run", "--debug"], False)
    assert _debug_flag(["--debug", "rules"]) == (["rules"], True)


def test_the_command_exits_2_with_one_line(pod):
    """As installed: kubevet.cli.run() (which leaves with os._exit)."""
    code = (f"import sys; from kubevet import output, cli; sys.path.insert(0, {str(ROOT / 'tests' / 'cli')!r}); "
            f"output.FORMATS['buggy'] = {__name__!r}; sys.argv = ['kubevet'] + sys.argv[1:]; cli.run()")
    for debug in ([], ["--debug"]):
        p = subprocess.run([sys.executable, "-c", code, "scan", "--no-config", *debug, "-f", "buggy", str(pod)],
                           capture_output=True, text=True, timeout=60, cwd=ROOT / "tests")
        assert p.returncode == 2, p
        assert p.stdout == ""
        assert ("Traceback" in p.stderr) == bool(debug), p.stderr
        assert p.stderr.strip().splitlines()[-1].startswith("kubevet: internal error (a bug in kubevet")
