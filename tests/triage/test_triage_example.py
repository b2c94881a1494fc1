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


def test_the_readme_shows_this_command_and_an_excerpt_of_its_report():
    """The README's triage section runs the example's command, and every line of its excerpt
    is a line of the committed report (a line ending in "..." is a line's beginning)."""
    section = (ROOT / "README.md").read_text().split("## Incident triage", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    command = [w for w in block.split("#", 1)[0].split() if w != "\\"]
    inputs = command[2].removeprefix("examples/incident/{").removesuffix("}").split(",")
    assert command[:2] == ["kubevet", "triage"]
    assert ["triage", *(f"examples/incident/{n}" for n in inputs), *command[3:]] == ARGS
    report = (ROOT / "examples/incident/report.txt").read_text().splitlines()
    excerpt = section.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    assert len([line for line in excerpt if line.strip()]) >= 8
    for line in excerpt:
        if line.strip() == "...":
            continue
        if line.endswith(" ..."):
            assert any(r.startswith(line[:-4]) for r in report), line
        else:
            assert line in report, line
