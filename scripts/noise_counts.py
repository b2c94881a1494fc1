"""Print the table of docs/grouping.md: findings per rule and per cause, on the incident's
example and on each third-party chart of tests/data/charts.

Each input is scanned as a new user would scan it (``kubevet scan PATH``, the default
rules, no configuration file). "per rule" counts one finding per rule and place, as
``kubevet scan --ungrouped`` reports them; "per cause" counts them as the report shows
them, the findings of one cause joined (kubevet.groups). tests/test_grouping.py checks
that docs/grouping.md holds exactly what this prints.

    python scripts/noise_counts.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from kubevet import api
from kubevet.groups import group

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ["examples/broken", *sorted(f"tests/data/charts/{p.name}" for p in (ROOT / "tests/data/charts").iterdir() if p.is_dir())]


def counts(path: str) -> tuple[int, int, int]:
    """(objects, findings per rule, findings per cause) of a scan of one path."""
    result = api.scan_paths([str(ROOT / path)], api.load_config(no_config=True))
    if result.input_errors or result.crashes:
        raise SystemExit(f"{path}: {result.verdict().reason}")
    active = [f for f in result.findings if not f.suppressed]
    return result.objects, len(active), len(group(active))


def table() -> str:
    lines = ["| input | objects | findings per rule | findings per cause | fewer |", "| --- | ---: | ---: | ---: | ---: |"]
    total_rule = total_cause = 0
    for path in INPUTS:
        objects, per_rule, per_cause = counts(path)
        total_rule += per_rule
        total_cause += per_cause
        fewer = f"{100 * (per_rule - per_cause) / per_rule:.0f}%" if per_rule else "-"
        lines.append(f"| `{path}` | {objects} | {per_rule} | {per_cause} | {fewer} |")
    lines.append(f"| all | | {total_rule} | {total_cause} | {100 * (total_rule - total_cause) / total_rule:.0f}% |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table())
