"""The parsers on truncated and garbled outputs: never a crash, never a line dropped silently.

Bounded: a fixed seed and a fixed number of variants per input, so every run is the same.
"""

from __future__ import annotations

import random

import pytest
from triage_helpers import AT, DATA, ROOT

from kubevet.triage import report
from kubevet.triage.diagnoses import Diagnosis, Index, find_all
from kubevet.triage.parsers import detect
from kubevet.triage.run import Input, Triage

INPUTS = sorted(DATA.iterdir()) + sorted((ROOT / "examples/incident").glob("*.txt")) + [
    ROOT / "examples/incident/node-3.log"]
VARIANTS = 40
NOISE = ["", " ", "\t", "(x", ")", "{", "}", "[", "]", ":", '"', "Warning", "Normal", "Name:", "Events:", "-", "\x1b[31m",
         "é", "\ufffd", "0/3 nodes are available:", "oom-kill:", "Killed process 1 (", "apiVersion: v1", "- ", "  "]


def garble(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 8)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = rng.randrange(7)
        line = lines[i]
        if op == 0:  # truncated
            lines[i] = line[: rng.randint(0, len(line))]
        elif op == 1:  # a line lost
            del lines[i]
        elif op == 2:  # noise inserted
            at = rng.randint(0, len(line))
            lines[i] = line[:at] + rng.choice(NOISE) + line[at:]
        elif op == 3:  # whitespace collapsed or stripped
            lines[i] = " ".join(line.split()) if rng.random() < 0.5 else line.strip()
        elif op == 4:  # two lines swapped
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], line
        elif op == 5:  # a line repeated
            lines.insert(i, line)
        else:  # a line cut in two (a terminal wrapped it)
            at = rng.randint(0, len(line))
            lines[i : i + 1] = [line[:at], line[at:]]
    if rng.random() < 0.3:  # the whole output cut short
        lines = lines[: rng.randint(0, len(lines))]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_garbled_inputs_never_crash_and_every_line_is_accounted_for(path):
    rng = random.Random(f"kubevet-{path.name}")
    original = path.read_text()
    for _ in range(VARIANTS):
        text = garble(original, rng)
        parts = detect.parse(text, "fuzz.txt", AT)
        lines = text.split("\n")[:-1]
        covered = set()
        for p in parts:
            if p.kind != "unrecognised":
                covered.update(range(p.first_line, p.first_line + p.lines))
            covered.update(u.loc.line for u in p.unparsed)
            for s in p.signals:
                assert 1 <= s.loc.line <= len(lines), (s, text)
        for n, line in enumerate(lines, 1):
            if line.strip() and n not in covered:
                assert detect._CHATTER.match(line.strip()), (n, line, text)
        signals = [s for p in parts for s in p.signals]
        diagnoses = [Diagnosis(k, f) for k, f in find_all(Index(signals))]
        from kubevet.triage import chain

        chain.link(diagnoses)
        t = Triage(AT, [Input("fuzz.txt", AT, parts=parts)], signals, diagnoses, chain.roots(diagnoses))
        for fmt in report.FORMATS.values():
            assert fmt(t)


def test_truncated_json_is_reported_not_dropped():
    text = (DATA / "events-v1.json").read_text()
    for cut in range(10, len(text), max(1, len(text) // 25)):
        parts = detect.parse(text[:cut], "cut.json", AT)
        assert any(p.unparsed for p in parts) or any(p.signals for p in parts), cut
