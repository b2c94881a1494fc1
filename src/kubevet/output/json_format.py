"""JSON for machines; docs/report.schema.json describes the report and a test holds it to it.

``version`` is the version of the report's shape, not of kubevet: it changes only when
a field is removed or changes meaning (adding a field does not change it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kubevet.findings import Finding, format_path
from kubevet.output import RenderOptions, groups_used, ordered, rule_url, tool_version
from kubevet.result import ScanResult, severity_counts, summary
from kubevet.rules import Rule

EXTENSION = "json"
SCHEMA_VERSION = 1


def finding_json(f: Finding) -> dict[str, Any]:
    """A finding as the report writes it; ``line`` and ``column`` are null when unknown."""
    data: dict[str, Any] = {
        "rule": f.rule,
        "code": f.code,
        "severity": str(f.severity),
        "message": f.message,
        "file": f.file,
        "line": f.line or None,
        "column": (f.column or None) if f.line else None,
        "field": format_path(f.path) if f.path else None,
        "object": f.obj.to_json() if f.obj else None,
        "suppressed": f.suppressed,
        "suppression": f.suppression,
        "origin": f.origin,
    }
    if f.extra:
        data["extra"] = f.extra
    if f.members:
        data["members"] = [finding_json(m) for m in f.members]
    return data


def rule_json(r: Rule) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "category": r.category,
        "title": r.title,
        "help": r.help or None,
        "helpUri": rule_url(r),
    }


def group_json(g) -> dict[str, Any]:
    """A group of rules (kubevet.groups.Group) as the report lists it beside the rules."""
    return {**rule_json(g), "members": list(g.members), "assumes": g.assumes}


def render(result: ScanResult, rules: Sequence[Rule], options: RenderOptions) -> str:
    findings = ordered(result, options)
    report = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "kubevet", "version": tool_version()},
        "findings": [finding_json(f) for f in findings],
        "rules": [rule_json(r) for r in sorted(rules, key=lambda r: r.code)]
        + [group_json(g) for g in groups_used(findings)],
        "skipped": [s.to_json() for s in result.skipped],
        "errors": [str(c) for c in result.crashes],
        "summary": {
            "files": result.sources,
            "objects": result.objects,
            "findings": severity_counts(findings),
            "ruleFindings": summary(result),
            "suppressed": sum(1 for f in findings if f.suppressed),
            "inputErrors": len(result.input_errors),
        },
    }
    return _dumps(report)


def _dumps(report: dict) -> str:
    """JSON indented by two spaces. orjson writes the same text as json.dumps(indent=2,
    ensure_ascii=False) many times faster (the standard library's C encoder does not
    indent); json is the fallback should orjson be missing."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a dependency
        return json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"
    return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE, default=str).decode()
