"""JSON for machines; the shape is described by docs/report.schema.json."""

from __future__ import annotations

import json

from kubevet import __version__
from kubevet.engine import ScanResult, summary
from kubevet.rules._base import Rule

SCHEMA_VERSION = 1


def render(result: ScanResult, rules: list[Rule], options) -> str:
    report = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "kubevet", "version": __version__},
        "findings": [f.to_json() for f in result.findings],
        "skipped": [s.to_json() for s in result.skipped],
        "summary": {
            "objects": result.objects,
            "files": result.sources,
            "findings": summary(result),
            "suppressed": sum(1 for f in result.findings if f.suppressed),
        },
    }
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
