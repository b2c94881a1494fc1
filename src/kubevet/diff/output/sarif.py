"""SARIF 2.1.0: each risk (rule id ``diff/<check>``) and each new finding (its rule's code)
is a result at its place in NEW (or in OLD for a removal); existing findings are left out,
as a pull request is judged by what it adds. The freeze state and an override are in the
run's ``properties`` and in the invocation."""

from __future__ import annotations

import json
from typing import Any

from kubevet.diff.fields import MISSING
from kubevet.diff.output.values import value_text
from kubevet.diff.risks import CHECKS
from kubevet.findings import Severity
from kubevet.output.sarif import SCHEMA_URI, artifact_location

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
DOCS = "https://github.com/kubevet/kubevet/blob/main/docs/diff-gate.md"


def _location(file: str, line: int, name: str) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(file)}
    if line > 0:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical, "logicalLocations": [{"fullyQualifiedName": name, "kind": "object"}]}


def render(report) -> str:
    checks = {c.name: c for c in CHECKS}
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results: list[dict[str, Any]] = []

    def rule_index(rule_id: str, make) -> int:
        if rule_id not in index:
            index[rule_id] = len(rules)
            rules.append(make())
        return index[rule_id]

    for r in report.risks:
        c = checks[r.check]
        rid = f"diff/{r.check}"
        i = rule_index(rid, lambda c=c, rid=rid: {
            "id": rid, "name": c.name, "shortDescription": {"text": c.doc.splitlines()[0] if c.doc else c.name},
            "help": {"text": c.hint}, "helpUri": f"{DOCS}#{c.name}",
            "defaultConfiguration": {"level": _LEVEL[c.severity]}, "properties": {"class": c.risk_class}})
        text = r.message
        if r.old is not MISSING or r.new is not MISSING:
            text += f" ({value_text(r.old, 60)} -> {value_text(r.new, 60)})"
        results.append({"ruleId": rid, "ruleIndex": i, "level": _LEVEL[r.severity], "message": {"text": text},
                        "locations": [_location(r.file, r.line, r.object)],
                        "properties": {"class": r.risk_class, "side": r.side, "hint": r.hint}})
    if report.findings is not None:
        for f in report.findings.new_by_cause:
            i = rule_index(f.code, lambda f=f: {"id": f.code, "name": f.rule, "shortDescription": {"text": f.rule}})
            results.append({"ruleId": f.code, "ruleIndex": i, "level": _LEVEL[f.severity],
                            "message": {"text": f"{f.message} [{f.obj}]"},
                            "locations": [_location(f.file, f.line, str(f.obj))], "properties": {"new": True, "rule": f.rule}})
    code, reasons = report.verdict()
    invocation: dict[str, Any] = {"executionSuccessful": code != 2, "exitCode": code,
                                  "properties": {"verdict": reasons}}
    if report.errors:
        invocation["toolExecutionNotifications"] = [{"level": "error", "message": {"text": e}} for e in report.errors]
    props: dict[str, Any] = {"command": report.command}
    if report.freeze is not None:
        props["freeze"] = report.freeze.to_json()
    if report.override is not None:
        props["override"] = report.override.to_json()
        invocation["properties"]["override"] = report.override.to_json()
    run = {
        "tool": {"driver": {"name": "kubevet", "version": report.to_json()["tool"]["version"],
                            "informationUri": "https://github.com/kubevet/kubevet", "rules": rules}},
        "results": results,
        "invocations": [invocation],
        "properties": props,
    }
    return json.dumps({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False, default=str) + "\n"
