"""Shared by the triage tests: run a triage on the bundled outputs at a fixed time."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from kubevet.triage.run import triage

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 12, 3, 4, 10, tzinfo=timezone.utc)


def run(*names: str, at: datetime = AT, **kw):
    return triage([str(DATA / n) if not n.startswith("/") else n for n in names], at=at, **kw)


def by_name(result) -> dict:
    out: dict = {}
    for d in result.diagnoses:
        out.setdefault(d.name, []).append(d)
    return out


def lines(d) -> set[int]:
    """The evidence lines of a diagnosis (every input that showed the signal)."""
    return {loc.line for s in d.found.evidence for loc in [s.loc, *s.also]}
