"""Build ValidatingAdmissionPolicy + ValidatingAdmissionPolicyBinding objects
(admissionregistration.k8s.io/v1, GA since Kubernetes 1.30) from kubevet rules.

One policy per rule, named ``kubevet-<code>-<name>``, matching the kinds the rule judges
on CREATE and UPDATE. The configuration decides what the API server does:

- severity (as configured): error -> a binding with ``validationActions: [Deny]`` for
  namespaces in enforce mode and one with ``[Warn, Audit]`` for namespaces labelled
  ``kubevet.io/mode=warn``; warning -> ``[Warn, Audit]``; info -> ``[Audit]``. Namespaces
  labelled ``kubevet.io/mode=off`` and kube-system are left alone, as by the webhook.
- exemptions of the configuration that cover the rule become ``matchConditions`` (kinds,
  namespace and name glob patterns, turned into RE2 expressions);
- ``kubevet.io/ignore`` annotations naming the rule (its name, code, or ``all``) on the
  object or its pod template become a matchCondition, and container-level ones
  (``kubevet.io/ignore.<container>``) leave that container out of the check, unless the
  configuration turns inline suppressions off.

Messages name the rule, the containers at fault and the fix (``messageExpression``).
"""

from __future__ import annotations

import re
from typing import Any

from kubevet.config import Config
from kubevet.findings import Severity
from kubevet.policy.catalog import CATALOG, GENERIC, POD_VARIABLES, REASONS, RESOURCES, CelRule, Check
from kubevet.rules import Rule, all_rules, lookup

API_VERSION = "admissionregistration.k8s.io/v1"
IGNORE = "kubevet.io/ignore"
MODE_LABEL = "kubevet.io/mode"


def exportable(r: Rule) -> tuple[bool, str]:
    """(exported, why not) for a rule."""
    if r.name in CATALOG:
        return True, ""
    if r.scope == "cluster":
        return False, "cross-object: it needs other objects of the cluster (context), which a policy cannot read"
    if r.scope == "input":
        return False, "about the manifests' text (YAML, suppressions), not about objects"
    return False, REASONS.get(r.name, GENERIC)


def select(config: Config, names: list[str] | None) -> list[Rule]:
    """The rules to export: those named (each must be exportable), else every exportable
    rule the configuration enables. Raises ValueError naming a rule that cannot be."""
    if names:
        chosen = []
        for name in names:
            try:
                r = lookup(name)
            except KeyError:
                raise ValueError(f"unknown rule {name!r}; `kubevet policy --list` lists them") from None
            ok, why = exportable(r)
            if not ok:
                raise ValueError(f"{r.name} ({r.code}) cannot be exported: {why}")
            chosen.append(r)
        return chosen
    _ensure_consistent()
    return [r for r in all_rules() if exportable(r)[0] and config.active(r)]


def policy_name(r: Rule) -> str:
    return f"kubevet-{r.code.lower()}-{r.name}"


def build(config: Config, rules: list[Rule]) -> list[dict]:
    """The policy and binding(s) of every rule, in rule order."""
    out: list[dict] = []
    for r in rules:
        policy = _policy(r, CATALOG[r.name], config)
        out.append(policy)
        out.extend(_bindings(r, config.severity_of(r)))
    return out


def _labels(r: Rule) -> dict:
    return {"app.kubernetes.io/part-of": "kubevet", "kubevet.io/rule": r.name}


def _policy(r: Rule, cel: CelRule, config: Config) -> dict:
    by_group: dict[tuple[str, str], list[str]] = {}
    for kind in cel.kinds:
        group, version, resource = RESOURCES[kind]
        by_group.setdefault((group, version), []).append(resource)
    resource_rules = [
        {"apiGroups": [g], "apiVersions": [v], "resources": sorted(res), "operations": ["CREATE", "UPDATE"], "scope": "Namespaced"}
        for (g, v), res in sorted(by_group.items())
    ]
    conditions = []
    if config.inline_suppressions:
        maps = ["object.metadata"] + (["variablesPodMeta"] if cel.pod_variables else [])
        suppressed = " || ".join(_names_rule(_annotations(m), f"'{IGNORE}'", r) for m in maps)
        conditions.append({"name": "not-suppressed-by-annotation", "expression": f"!({suppressed})"})
    for i, e in enumerate(x for x in config.exemptions if not x.rules or r.name in x.rules):
        conditions.append({"name": f"exemption-{i}", "expression": f"!({_exemption(e)})"})
    variables = [{"name": n, "expression": e} for n, e in POD_VARIABLES] if cel.pod_variables else []
    validations = [_validation(r, check, cel, config) for check in cel.checks]
    spec: dict[str, Any] = {
        "failurePolicy": "Fail",
        "matchConstraints": {"resourceRules": resource_rules},
    }
    if conditions:
        spec["matchConditions"] = conditions
    if variables:
        spec["variables"] = variables
    spec["validations"] = validations
    # matchConditions cannot read variables: the pod template's metadata is spelled out there
    for c in conditions:
        c["expression"] = c["expression"].replace("variablesPodMeta", _POD_META_INLINE)
    return {
        "apiVersion": API_VERSION,
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": policy_name(r), "labels": _labels(r),
                     "annotations": {"kubevet.io/rule-code": r.code, "kubevet.io/title": r.title}},
        "spec": spec,
    }


_POD_META_INLINE = "(" + next(e for n, e in POD_VARIABLES if n == "podMeta") + ")"


def _annotations(meta: str) -> str:
    return f"(has({meta}.annotations) ? {meta}.annotations : {{}})"


def _names_rule(annotations: str, key: str, r: Rule) -> str:
    """CEL: the annotation ``key`` of the map lists the rule (name, code) or all, as
    kubevet.suppress reads it: names and codes separated by commas or blanks."""
    tokens = f"{annotations}[{key}].replace(',', ' ').replace('\\t', ' ').replace('\\n', ' ').split(' ')"
    return (
        f"({key} in {annotations} && {tokens}.exists(t, t == '{r.name}' || t.upperAscii() == '{r.code}'"
        f" || t.lowerAscii() == 'all' || t == '*'))"
    )


def _container_suppressed(r: Rule) -> str:
    key = f"'{IGNORE}.' + c.name"
    guard = "has(c.name) && type(c.name) == string && "
    return "(" + guard + "(" + " || ".join(
        _names_rule(_annotations(m), key, r) for m in ("object.metadata", "variables.podMeta")
    ) + "))"


def _validation(r: Rule, check: Check, cel: CelRule, config: Config) -> dict:
    fix = r.help
    head = f"{r.code} {r.name}: "
    tail = f" (fix: {fix})" if fix else ""
    if check.pod is not None:
        expression = check.pod if check.unless is None else f"({check.unless}) || ({check.pod})"
        return {"expression": expression, "message": head + check.message + tail, "reason": "Forbidden"}
    assert check.bad is not None
    bad = check.bad
    flagged = f"({bad})"
    if check.suppressible and config.inline_suppressions:
        flagged = f"({bad}) && !{_container_suppressed(r)}"
    containers = f"variables.{check.containers}"
    expression = f"{containers}.all(c, !({flagged}))"
    if check.unless is not None:
        expression = f"({check.unless}) || {expression}"
    names = f"{containers}.filter(c, {flagged}).map(c, has(c.name) ? string(c.name) : '?').join(', ')"
    return {
        "expression": expression,
        "messageExpression": f"'{head}container(s) ' + {names} + ' {_quote(check.message)}{_quote(tail)}'",
        "message": head + "a container " + check.message + tail,
        "reason": "Forbidden",
    }


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _exemption(e) -> str:
    parts = []
    if e.kinds:
        parts.append("object.kind in [" + ", ".join(f"'{_quote(k)}'" for k in e.kinds) + "]")
    if e.namespaces:
        ns = "(has(object.metadata.namespace) ? object.metadata.namespace : request.namespace)"
        parts.append(f"{ns}.matches('{_quote(glob_regex(e.namespaces))}')")
    if e.names:
        name = "(has(object.metadata.name) ? object.metadata.name : '')"
        parts.append(f"{name}.matches('{_quote(glob_regex(e.names))}')")
    return " && ".join(parts) or "true"


def glob_regex(patterns) -> str:
    """fnmatch-style globs (``*``, ``?``, ``[...]``) as one anchored RE2 expression."""
    alternatives = []
    for p in patterns:
        out, i = [], 0
        while i < len(p):
            ch = p[i]
            if ch == "*":
                out.append(".*")
            elif ch == "?":
                out.append(".")
            elif ch == "[" and "]" in p[i + 1:]:
                end = p.index("]", i + 2 if p[i + 1:i + 2] in ("!", "]") else i + 1)
                body = p[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
            else:
                out.append(re.escape(ch))
            i += 1
        alternatives.append("".join(out))
    return "^(?:" + "|".join(alternatives) + ")$"


def _bindings(r: Rule, severity: Severity) -> list[dict]:
    name = policy_name(r)

    def binding(suffix: str, actions: list[str], modes: tuple[str, str]) -> dict:
        operator, values = modes
        return {
            "apiVersion": API_VERSION,
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": name + suffix, "labels": _labels(r)},
            "spec": {
                "policyName": name,
                "validationActions": actions,
                "matchResources": {"namespaceSelector": {"matchExpressions": [
                    {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]},
                    {"key": MODE_LABEL, "operator": operator, "values": values},
                ]}},
            },
        }

    if severity >= Severity.ERROR:
        return [binding("", ["Deny"], ("NotIn", ["off", "warn"])), binding("-warn", ["Warn", "Audit"], ("In", ["warn"]))]
    if severity >= Severity.WARNING:
        return [binding("", ["Warn", "Audit"], ("NotIn", ["off"]))]
    return [binding("", ["Audit"], ("NotIn", ["off"]))]


def listing() -> list[tuple[Rule, bool, str]]:
    return [(r, *exportable(r)) for r in all_rules()]


def _ensure_consistent() -> None:
    """Every catalog entry names a rule (checked when the module is used)."""
    known = {r.name for r in all_rules()}
    missing = sorted(set(CATALOG) - known)
    if missing:
        raise RuntimeError(f"policy catalog names unknown rules: {missing}")
