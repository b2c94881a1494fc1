"""GitLab code quality report: the JSON array that ``artifacts:reports:codequality`` reads.

Each unsuppressed finding is one issue with the fields GitLab documents:

- ``description``: the message and the object, ``container 'web' has no CPU limit
  [Deployment shop/web]``;
- ``check_name``: the rule's name (``cpu-limit-missing``);
- ``fingerprint``: the finding's baseline fingerprint (see ``kubevet.baseline``), so an
  issue keeps its identity when lines move; a second identical finding gets a
  fingerprint derived from the first, because GitLab shows only one issue per
  fingerprint;
- ``severity``: error -> ``critical``, warning -> ``major``, info -> ``info``, and
  ``blocker`` for input that could not be read or parsed (part of the input was never
  checked);
- ``location.path``: relative to the directory kubevet ran in (the repository root in a
  GitLab job), ``/`` separators, no leading ``./``; ``location.lines.begin``: the line
  (1 for a finding about a whole file, which has none).

Also ``type: "issue"``, ``categories`` and ``engine_name`` from the Code Climate spec
that GitLab's format is a subset of (GitLab ignores them). Suppressed findings (by
annotation, configuration or baseline) are left out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kubevet.findings import Finding, Severity
from kubevet.output import RenderOptions, ordered
from kubevet.output.escape import printable
from kubevet.result import INPUT_ERRORS, ScanResult
from kubevet.rules import Rule

EXTENSION = "json"
SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}
INPUT_ERROR_SEVERITY = "blocker"
# Code Climate categories by kubevet category; anything else is "Bug Risk"
_CATEGORIES = {
    "security": "Security",
    "host": "Security",
    "identity": "Security",
    "network": "Security",
    "namespace": "Security",
    "api": "Compatibility",
    "schema": "Compatibility",
    "resources": "Performance",
    "hygiene": "Style",
    "suppression": "Clarity",
}


def severity(f: Finding) -> str:
    if f.rule in INPUT_ERRORS:
        return INPUT_ERROR_SEVERITY
    return SEVERITY[f.severity]


def issue(f: Finding, fingerprint: str, path: str, category: str | None) -> dict[str, Any]:
    return {
        "type": "issue",
        "description": printable(f"{f.message} [{f.obj}]" if f.obj else f.message),
        "check_name": f.rule,
        "fingerprint": fingerprint,
        "severity": severity(f),
        "categories": [_CATEGORIES.get(category or "", "Bug Risk")],
        "location": {"path": path, "lines": {"begin": f.line if f.line > 0 else 1}},
        "engine_name": "kubevet",
    }


def render(result: ScanResult, rules: Sequence[Rule], options: RenderOptions) -> str:
    from kubevet import baseline

    findings = [f for f in ordered(result, options) if not f.suppressed]
    identities = dict(baseline.identities_of(result, options.source_root))
    for f in findings:  # a joined finding (kubevet.groups) is identified by its group and place
        if f.members:
            identities[id(f)] = baseline.identity(f, options.source_root)
    fingerprints = baseline.occurrence_fingerprints(findings, identities)
    categories = {r.name: r.category for r in rules}
    issues = []
    for f in findings:
        path = identities[id(f)].file
        issues.append(issue(f, fingerprints[id(f)], path, categories.get(f.rule)))
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
