"""SARIF 2.1.0 for code-scanning services (GitHub, GitLab, Azure DevOps).

- Paths given relative stay relative URIs with ``uriBaseId: %SRCROOT%``: the directory
  kubevet ran in. ``originalUriBaseIds`` defines that base only when the caller passes
  ``RenderOptions.source_root`` (the CLI passes its working directory, for SARIF viewers
  outside CI); without it the log is the same on every machine, and SARIF leaves the base
  to the consumer (GitHub takes the repository root).
- A finding with a line gets a region (``startLine``, ``startColumn`` when known, in
  Unicode code points as the loader counts them); a finding about a whole file (an
  unreadable path) gets no region rather than a made-up line.
- ``rules`` lists the rules that reported something, with their docs as help, then the
  groups (``kubevet.groups``) that joined findings of one cause into one result; such a
  result lists its rules' own findings under ``properties.members``.
- A suppressed finding is kept, with a ``suppressions`` entry; the others carry an empty
  ``suppressions`` list, which SARIF reads as "checked, not suppressed".
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kubevet.findings import Finding, Severity, format_path
from kubevet.output import RenderOptions, groups_used, ordered, rule_url, tool_version
from kubevet.result import ScanResult
from kubevet.rules import Rule

EXTENSION = "json"
SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_location(path: str) -> dict[str, Any]:
    """Where a reported path is, as a SARIF artifactLocation."""
    if not path or (path.startswith("<") and path.endswith(">")):
        # standard input or text given to the API: there is no file to point at
        return {"description": {"text": path or "<input>"}}
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    posix = path.replace(os.sep, "/")
    while posix.startswith("./"):
        posix = posix[2:]
    return {"uri": quote(posix), "uriBaseId": SRCROOT}


def base_uri(directory: str) -> str:
    uri = Path(directory).absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def rule_json(r: Rule) -> dict[str, Any]:
    return {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": " ".join(r.section("What it checks").split()) or r.title},
        "help": {"text": r.help or r.title, "markdown": r.doc_markdown()},
        "helpUri": rule_url(r),
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {"category": r.category, "tags": [r.category]},
    }


def result_json(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(f.file)}
    if f.line > 0:
        region = {"startLine": f.line}
        if f.column > 0:
            region["startColumn"] = f.column
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if f.obj:
        logical = {"fullyQualifiedName": str(f.obj), "kind": "object"}
        if f.obj.name:
            logical = {"name": f.obj.name, **logical}
        location["logicalLocations"] = [logical]
    res: dict[str, Any] = {"ruleId": f.code}
    if f.code in index:
        res["ruleIndex"] = index[f.code]
    res["level"] = _LEVEL[f.severity]
    res["message"] = {"text": f"{f.message} [{f.obj}]" if f.obj else f.message}
    res["locations"] = [location]
    res["suppressions"] = [_suppression(f)] if f.suppressed else []
    props: dict[str, Any] = {"rule": f.rule}
    if f.path:
        props["field"] = format_path(f.path)
    if f.origin:
        props["origin"] = f.origin
    if f.members:  # a finding joining several of one cause: the rules' own findings
        props["members"] = [
            {"rule": m.rule, "ruleId": m.code, "level": _LEVEL[m.severity], "message": m.message,
             **({"field": format_path(m.path)} if m.path else {}),
             **({"startLine": m.line} if m.line else {})}
            for m in f.members
        ]
    res["properties"] = props
    return res


def render(result: ScanResult, rules: Sequence[Rule], options: RenderOptions) -> str:
    findings = ordered(result, options)
    used = {f.code for f in findings}
    reported = [*sorted((r for r in rules if r.code in used), key=lambda r: r.code), *groups_used(findings)]
    index = {r.code: i for i, r in enumerate(reported)}
    invocation: dict[str, Any] = {"executionSuccessful": not result.crashes}
    if result.crashes:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": str(crash)}} for crash in result.crashes
        ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "kubevet",
                "version": tool_version(),
                "informationUri": "https://github.com/kubevet/kubevet",
                "rules": [rule_json(r) for r in reported],
            }
        },
    }
    if options.source_root is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": base_uri(options.source_root)}}
    run["columnKind"] = "unicodeCodePoints"
    run["results"] = [result_json(f, index) for f in findings]
    run["invocations"] = [invocation]
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _suppression(f: Finding) -> dict[str, str]:
    """An annotation is "inSource"; a configured exemption is "external"."""
    how = f.suppression or {}
    out = {"kind": how.get("kind", "inSource")}
    if how.get("reason"):
        out["justification"] = how["reason"]
    return out
