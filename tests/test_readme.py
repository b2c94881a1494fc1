"""The README's set-up commands are what CI runs, and its examples behave as it says."""

from __future__ import annotations

import re

from conftest import ROOT


def setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)


def test_ci_runs_exactly_the_readme_test_command():
    install_and_run, tests = setup_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci == tests
    assert "pytest" in tests and "kubevet scan examples" in install_and_run


def test_the_examples_behave_as_the_readme_says(run_cli):
    assert run_cli("scan", "--no-config", str(ROOT / "examples" / "fixed")).code == 0
    broken = run_cli("scan", "--no-config", str(ROOT / "examples" / "broken"))
    assert broken.code == 1
    for rule in ("cpu-request-missing", "memory-limit-missing", "probes-identical", "pdb-missing",
                 "cluster-admin-bound", "namespace-default-deny-missing", "namespace-quota-missing"):
        assert rule in broken.out, rule
