"""examples/incident: the committed report and postmortem are what kubevet triage prints today."""

from __future__ import annotations

import pytest
from triage_helpers import ROOT

ARGS = ["triage", "examples/incident/events.txt", "examples/incident/describe-catalog.txt",
        "examples/incident/describe-node.txt", "examples/incident/node-3.log", "--at", "2026-12-03T04:10:00Z",
        "--manifests", "examples/broken"]


@pytest.mark.parametrize(("fmt", "name"), [("text", "report.txt"), ("markdown", "postmortem.md")])
def test_example_report_is_current(run_cli, monkeypatch, fmt, name):
    monkeypatch.chdir(ROOT)
    r = run_cli(*ARGS, "-f", fmt)
    assert r.code == 1
    assert r.out == (ROOT / "examples/incident" / name).read_text(), \
        f"regenerate: kubevet {' '.join(ARGS)} -f {fmt} -o examples/incident/{name}"
