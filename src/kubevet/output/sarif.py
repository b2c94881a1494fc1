"""SARIF 2.1.0 for code-scanning services (GitHub, GitLab, Azure DevOps)."""

from __future__ import annotations

import json
import os
from pathlib import PurePosixPath
from urllib.parse import quote

from kubevet import __version__
from kubevet.engine import ScanResult
from kubevet.findings import Severity
from kubevet.rules._base import Rule

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
DOCS_URL = "https://github.com/kubevet/kubevet/blob/main/docs/rules.md"


def _uri(path: str) -> tuple[str, bool]:
    """A URI for a reported path, and whether it is relative to the source root."""
    if os.path.isabs(path):
        return PurePosixPath(path).as_uri(), False
    posix = path.replace(os.sep, "/")
    while posix.startswith("./"):
        posix = posix[2:]
    return quote(posix), True


def _rule_json(r: Rule) -> dict:
    return {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": " ".join(r.section("What it checks").split()) or r.title},
        "help": {"text": r.help or r.title, "markdown": r.doc_markdown()},
        "helpUri": f"{DOCS_URL}#{r.code.lower()}-{r.name}",
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {"category": r.category, "tags": [r.category]},
    }


def render(result: ScanResult, rules: list[Rule], options) -> str:
    used = sorted({f.code for f in result.findings})
    by_code = {r.code: r for r in rules}
    reported = [by_code[c] for c in used if c in by_code]
    index = {r.code: i for i, r in enumerate(reported)}
    results = []
    for f in result.findings:
        uri, relative = _uri(f.file)
        physical: dict = {"artifactLocation": {"uri": uri}}
        if relative:
            physical["artifactLocation"]["uriBaseId"] = "%SRCROOT%"
        if f.line:
            region = {"startLine": f.line}
            if f.column:
                region["startColumn"] = f.column
            physical["region"] = region
        location: dict = {"physicalLocation": physical}
        if f.obj:
            location["logicalLocations"] = [
                {"fullyQualifiedName": str(f.obj), "kind": "object"}
            ]
        res: dict = {
            "ruleId": f.code,
            "level": _LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [location],
        }
        if f.code in index:
            res["ruleIndex"] = index[f.code]
        if f.suppressed:
            res["suppressions"] = [{"kind": "inSource"}]
        props = {"rule": f.rule}
        if f.origin:
            props["origin"] = f.origin
        res["properties"] = props
        results.append(res)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kubevet",
                        "version": __version__,
                        "informationUri": "https://github.com/kubevet/kubevet",
                        "rules": [_rule_json(r) for r in reported],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": _cwd_uri()}},
                "results": results,
                "invocations": [{"executionSuccessful": not result.crashes}],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _cwd_uri() -> str:
    uri = PurePosixPath(os.getcwd()).as_uri()
    return uri if uri.endswith("/") else uri + "/"
