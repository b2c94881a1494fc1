"""Run the rules over sources: load, judge each object, judge the scan, place the findings.

The engine streams: a source is read document by document, object rules run as each
object arrives, and the source's findings are placed (file:line:column) while its bytes
are still at hand. Only the objects that cluster rules read are kept until the end.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kubevet.config import Config
from kubevet.errors import ConfigError
from kubevet.findings import Finding, ObjectRef, Severity
from kubevet.k8s.workloads import Workloads, parse_workload_kinds
from kubevet.loading.positions import PositionIndex
from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Problem, Skipped, Source
from kubevet.rules import all_rules
from kubevet.rules._base import WORKLOADS, Rule, RuleContext

# input problems that mean the scan did not see all of its input (exit 2)
INPUT_ERRORS = frozenset({"yaml-syntax", "file-unreadable", "yaml-limit-exceeded"})


@dataclass
class ScanResult:
    """What a scan found, and what it saw."""

    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    objects: int = 0
    sources: int = 0
    input_errors: int = 0
    crashes: list[str] = field(default_factory=list)
    # (object, file, line, names of the rules that judged it); filled for formats that
    # report passing checks too (JUnit), when the engine is asked to record them
    checked: list[tuple[ObjectRef, str, int, tuple[str, ...]]] = field(default_factory=list)

    def worst(self) -> Severity | None:
        active = [f.severity for f in self.findings if not f.suppressed]
        return max(active) if active else None


class Engine:
    """The rules a configuration selects, ready to judge sources."""

    def __init__(self, config: Config | None = None, record_checks: bool = False) -> None:
        self.config = config or Config()
        self.record_checks = record_checks
        self.config.validate()
        try:
            extra = parse_workload_kinds(self.config.workload_kinds)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        self.workloads = Workloads(extra)
        self.rules = [r for r in all_rules() if self.config.active(r)]
        self._input = {r.name: r for r in all_rules() if r.scope == "input"}
        self._active_input = {r.name for r in self.rules if r.scope == "input"}
        self._object: list[tuple[Rule, frozenset[str] | None, RuleContext]] = []
        self._cluster: list[Rule] = []
        retain: set[str] = set()
        self._retain_all = False
        for r in self.rules:
            if r.scope == "object":
                ctx = RuleContext(r, self.config.options_of(r), self.workloads)
                self._object.append((r, self._expand(r.kinds), ctx))
            elif r.scope == "cluster":
                self._cluster.append(r)
                kinds = self._expand(r.kinds)
                if kinds is None:
                    self._retain_all = True
                else:
                    retain |= kinds
        self._retain = frozenset(retain)
        self._dispatch: dict[str, list[tuple[Rule, RuleContext]]] = {}
        self._applicable: dict[str, tuple[str, ...]] = {}

    def _expand(self, kinds: frozenset[str] | str | None) -> frozenset[str] | None:
        if kinds is None:
            return None
        if kinds == WORKLOADS:
            return self.workloads.kinds
        assert isinstance(kinds, frozenset)
        if WORKLOADS in kinds:
            return (kinds - {WORKLOADS}) | self.workloads.kinds
        return kinds

    def _rules_for(self, kind: str) -> list[tuple[Rule, RuleContext]]:
        rules = self._dispatch.get(kind)
        if rules is None:
            rules = [(r, ctx) for r, kinds, ctx in self._object if kinds is None or kind in kinds]
            self._dispatch[kind] = rules
        return rules

    def _applicable_rules(self, kind: str) -> tuple[str, ...]:
        names = self._applicable.get(kind)
        if names is None:
            found = {r.name for r, _ in self._rules_for(kind)}
            for r in self._cluster:
                kinds = self._expand(r.kinds)
                if kinds is None or kind in kinds:
                    found.add(r.name)
            names = self._applicable[kind] = tuple(sorted(found))
        return names

    def scan(self, sources: Iterable[Source], problems: Iterable[Problem] = ()) -> ScanResult:
        """Judge every source; findings come back placed, with final severities, sorted.

        ``problems`` are inputs that failed before reading (a path that does not exist).
        """
        result = ScanResult()
        for problem in problems:
            result.findings.extend(self._problem(problem, result))
        retained: list[K8sObject] = []
        gc_was_enabled = gc.isenabled()
        gc.disable()  # the loader builds millions of acyclic containers: skip the GC passes
        try:
            for source in sources:
                result.sources += 1
                found = self._scan_source(source, result, retained)
                self._place(found)
                result.findings.extend(found)
            cluster = self._run_cluster(retained, result)
            self._place(cluster)
            result.findings.extend(cluster)
        finally:
            if gc_was_enabled:
                gc.enable()
        result.findings.sort(key=Finding.sort_key)
        return result

    def _scan_source(self, source: Source, result: ScanResult, retained: list[K8sObject]) -> list[Finding]:
        found: list[Finding] = []
        retain_all, retain = self._retain_all, self._retain
        for item in read_source(source):
            if item.__class__ is K8sObject:
                obj: K8sObject = item  # type: ignore[assignment]
                result.objects += 1
                for r, ctx in self._rules_for(obj.kind):
                    found.extend(self._run_object_rule(r, ctx, obj, result))
                if retain_all or obj.kind in retain:
                    retained.append(obj)
                if self.record_checks:
                    result.checked.append(
                        (obj.ref, source.display, obj.doc.line + 1, self._applicable_rules(obj.kind))
                    )
            elif item.__class__ is Problem:
                found.extend(self._problem(item, result))  # type: ignore[arg-type]
            else:
                result.skipped.append(item)  # type: ignore[arg-type]
        return found

    def _run_object_rule(self, r: Rule, ctx: RuleContext, obj: K8sObject, result: ScanResult) -> list[Finding]:
        try:
            findings = list(r.check(obj, ctx))  # type: ignore[misc]
        except Exception as exc:  # noqa: BLE001 - a rule bug must not end the scan
            result.crashes.append(_crash(r, obj, exc))
            return []
        for f in findings:
            f.target = obj
            self._stamp(f, r)
        return findings

    def _run_cluster(self, retained: list[K8sObject], result: ScanResult) -> list[Finding]:
        found: list[Finding] = []
        for r in self._cluster:
            ctx = RuleContext(r, self.config.options_of(r), self.workloads, retained)
            try:
                findings = list(r.check(ctx))  # type: ignore[misc]
            except Exception as exc:  # noqa: BLE001
                result.crashes.append(_crash(r, None, exc))
                continue
            for f in findings:
                self._stamp(f, r)
            found.extend(findings)
        return found

    def _stamp(self, f: Finding, r: Rule) -> None:
        f.rule = r.name
        f.code = r.code
        f.severity = self.config.severity_of(r)

    def _problem(self, problem: Problem, result: ScanResult) -> list[Finding]:
        if problem.rule in INPUT_ERRORS:
            result.input_errors += 1
        if problem.rule not in self._active_input:
            return []
        r = self._input[problem.rule]
        f = Finding(problem.message, file=problem.file, line=problem.line, column=problem.column)
        self._stamp(f, r)
        return [f]

    def _place(self, findings: list[Finding]) -> None:
        """Set file, line, column and object of findings about objects.

        Findings are placed document by document, so that only one document's nodes are
        held at a time.
        """
        index = PositionIndex()
        placed = [f for f in findings if f.target is not None]
        placed.sort(key=lambda f: (f.target.doc.source.display, f.target.doc.offset))
        current = None
        for f in placed:
            obj = f.target
            doc = obj.doc
            if doc is not current:
                if current is not None:
                    index.forget(current)
                current = doc
            f.obj = obj.ref
            f.file = doc.source.display
            f.line, f.column = index.locate(doc, (*obj.base, *f.path))
            origin = doc.source.origin_of
            if origin is not None:
                f.origin = origin(doc, f.line)
            f.target = None


def _crash(r: Rule, obj: K8sObject | None, exc: BaseException) -> str:
    where = f"{obj.doc.source.display}:{obj.doc.line + 1} {obj.ref}" if obj else "the scan"
    return f"rule {r.name} ({r.code}) crashed on {where}: {type(exc).__name__}: {exc}"


def lint_text(text: str | bytes, config: Config | None = None, name: str = "<text>") -> ScanResult:
    """Scan YAML given as a string: the entry point for tests, the docs and embedding."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return Engine(config).scan([Source(None, name, data)])


def summary(result: ScanResult) -> dict[str, Any]:
    counts = {str(s): 0 for s in sorted(Severity, reverse=True)}
    for f in result.findings:
        if not f.suppressed:
            counts[str(f.severity)] += 1
    return counts
