"""Suppressions: annotations in the manifests, and exemptions in the configuration.

Annotations survive Helm and kustomize, so they are the inline form:

    metadata:
      annotations:
        kubevet.io/ignore: "cpu-limit-missing, SEC004"      # names or codes, or "all"
        kubevet.io/ignore-reason: "batch job, throttling accepted"
        kubevet.io/ignore.sidecar: "readiness-probe-missing"  # only container "sidecar"

on the object or on its pod template. A suppressed finding is kept, marked suppressed with
its reason, so JSON and SARIF still show it; text and annotations leave it out. The engine
reports a suppression that matches nothing (``suppression-unused``) and, when that rule is
enabled, one without a reason (``suppression-reason-missing``).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from kubevet.findings import Finding
from kubevet.groups import GROUP_OF
from kubevet.model import K8sObject

PREFIX = "kubevet.io/"
IGNORE = "kubevet.io/ignore"
REASON = "kubevet.io/ignore-reason"
ALL = "all"
_CONTAINER_SECTIONS = ("containers", "initContainers", "ephemeralContainers")


@dataclass
class Suppression:
    """One ``kubevet.io/ignore[.<container>]`` annotation."""

    rules: frozenset[str]  # rule names, or {"all"}
    container: str | None
    reason: str | None
    path: tuple  # of the annotation inside the object, for placing findings about it
    unknown: tuple[str, ...] = ()
    used: set[str] = field(default_factory=set)
    line: int = 0
    column: int = 0

    def covers(self, f: Finding, container: str | None) -> bool:
        if self.container is not None and self.container != container:
            return False
        return ALL in self.rules or _named(f.rule, self.rules) is not None


@dataclass
class ObjectSuppressions:
    """The suppressions written on one object, and the object they belong to."""

    obj_ref: Any
    file: str
    items: list[Suppression]

    def apply(self, f: Finding, container: str | None) -> None:
        for s in self.items:
            if s.covers(f, container):
                f.suppressed = True
                f.suppression = {"kind": "inSource", "reason": s.reason or ""}
                s.used.add(_named(f.rule, s.rules) or f.rule)
                return


def parse(obj: K8sObject, template_path: tuple | None, lookup) -> ObjectSuppressions | None:
    """The object's suppressions, or None when it has none (the common, fast case).

    ``lookup`` turns a rule name or code into a rule (KeyError for an unknown one).
    """
    places = [(("metadata", "annotations"), obj.annotations)]
    if template_path is not None:
        node: Any = obj.data
        for part in (*template_path, "metadata", "annotations"):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            places.append(((*template_path, "metadata", "annotations"), node))
    items: list[Suppression] = []
    for base, written in places:
        if not any(isinstance(k, str) and k.startswith(PREFIX) for k in written):
            continue
        reason = written.get(REASON)
        reason = reason.strip() if isinstance(reason, str) and reason.strip() else None
        for key, value in written.items():
            if not isinstance(key, str) or not (key == IGNORE or key.startswith(IGNORE + ".")):
                continue
            container = key[len(IGNORE) + 1 :] or None if key != IGNORE else None
            names, unknown = _rule_names(value, lookup)
            items.append(Suppression(frozenset(names), container, reason, (*base, key), tuple(unknown)))
    if not items:
        return None
    return ObjectSuppressions(obj.ref, obj.doc.source.display, items)


def _named(rule: str, names: frozenset[str]) -> str | None:
    """Which of the names covers a rule: the rule's own, or its group's (kubevet.groups)."""
    if rule in names:
        return rule
    group = GROUP_OF.get(rule)
    return group.name if group is not None and group.name in names else None


def _rule_names(value: Any, lookup) -> tuple[list[str], list[str]]:
    names, unknown = [], []
    text = value if isinstance(value, str) else ""
    for token in text.replace(",", " ").split():
        if token.lower() in (ALL, "*"):
            names.append(ALL)
            continue
        try:
            names.append(lookup(token).name)
        except KeyError:
            unknown.append(token)
    return names, unknown


def container_of(obj: K8sObject, template_path: tuple | None, path: tuple) -> str | None:
    """The name of the container a finding's path goes through, if any."""
    if template_path is None:
        return None
    spec = (*template_path, "spec")
    n = len(spec)
    if len(path) < n + 2 or path[:n] != spec or path[n] not in _CONTAINER_SECTIONS:
        return None
    node: Any = obj.data
    for part in path[: n + 2]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    name = node.get("name") if isinstance(node, dict) else None
    return name if isinstance(name, str) else None


@dataclass(frozen=True)
class Exemption:
    """A configured exemption: findings of these rules on matching objects are suppressed."""

    reason: str
    rules: frozenset[str] = frozenset()  # rule names; empty: every rule
    namespaces: tuple[str, ...] = ()  # glob patterns; empty: any
    kinds: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # glob patterns on metadata.name

    def covers(self, f: Finding) -> bool:
        if self.rules and _named(f.rule, self.rules) is None:
            return False
        obj = f.obj
        if obj is None:
            return not (self.namespaces or self.kinds or self.names)
        if self.kinds and obj.kind not in self.kinds:
            return False
        if self.namespaces and not any(fnmatch.fnmatchcase(obj.namespace or "", p) for p in self.namespaces):
            return False
        if self.names and not any(fnmatch.fnmatchcase(obj.name or "", p) for p in self.names):
            return False
        return True


def apply_exemptions(findings: list[Finding], exemptions: list[Exemption]) -> None:
    for f in findings:
        if f.suppressed:
            continue
        for e in exemptions:
            if e.covers(f):
                f.suppressed = True
                f.suppression = {"kind": "external", "reason": e.reason}
                break
