"""What a scan returns: findings, what it skipped, what it could not read, and the verdict.

These are plain data types, below the engine, so that output formats, the baseline and
every front end can name them without importing the engine (``kubevet.api`` re-exports
them). The exit-code policy lives here too (``ScanResult.verdict``): the CLI, the webhook
and any other caller get the same answer to "does this input pass?".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubevet.findings import Finding, ObjectRef, Severity
from kubevet.model import Skipped

# input problems that mean the scan did not see all of its input (exit 2)
INPUT_ERRORS = frozenset({"yaml-syntax", "file-unreadable", "yaml-limit-exceeded", "render-error"})

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True, slots=True)
class InputError:
    """An input the scan could not read or parse, so part of it went unchecked (exit 2).

    ``rule`` is the input rule that reports it (``yaml-syntax``, ``file-unreadable`` ...);
    ``line`` is 0 when the whole file is concerned.
    """

    file: str
    line: int
    message: str
    rule: str = ""
    column: int = 0

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line or None, "column": self.column or None,
                "rule": self.rule, "message": self.message}


@dataclass(frozen=True, slots=True)
class RuleCrash:
    """A rule that raised instead of judging: a bug in kubevet, reported, never fatal to the scan.

    ``obj``, ``file`` and ``line`` say which object it crashed on (None / "" / 0 for a
    cluster rule, which judges the whole scan at once).
    """

    rule: str
    code: str
    error_type: str
    error: str
    obj: ObjectRef | None = None
    file: str = ""
    line: int = 0

    def __str__(self) -> str:
        where = f"{self.file}:{self.line} {self.obj}" if self.obj is not None else "the scan"
        return f"rule {self.rule} ({self.code}) crashed on {where}: {self.error_type}: {self.error}"

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "code": self.code, "errorType": self.error_type, "error": self.error,
                "object": self.obj.to_json() if self.obj else None, "file": self.file or None,
                "line": self.line or None}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of a scan as an exit code (0 clean, 1 findings at/above the fail level,
    2 input or internal error) and a one-line reason a person can read."""

    exit_code: int
    reason: str

    @property
    def passed(self) -> bool:
        return self.exit_code == EXIT_CLEAN


@dataclass
class ScanResult:
    """What a scan found, and what it saw."""

    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    objects: int = 0
    empty_lists: int = 0  # Lists without items: valid input holding no object
    sources: int = 0
    input_errors: list[InputError] = field(default_factory=list)
    suppressions: list = field(default_factory=list)  # suppress.ObjectSuppressions per annotated object
    crashes: list[RuleCrash] = field(default_factory=list)
    # (object, file, line, names of the rules that judged it); filled for formats that
    # report passing checks too (JUnit), when the engine is asked to record them
    checked: list[tuple[ObjectRef, str, int, tuple[str, ...]]] = field(default_factory=list)
    # the configuration's fail level, the default of verdict()
    fail_on: Severity = Severity.ERROR
    # the rules that ran (kubevet.rules._base.Rule), for the formats that list them
    rules: list = field(default_factory=list)

    @property
    def unreadable(self) -> list[str]:
        """The input errors as "file:line: why" lines."""
        return [str(e) for e in self.input_errors]

    def merge(self, other: ScanResult) -> None:
        self.findings.extend(other.findings)
        self.skipped.extend(other.skipped)
        self.objects += other.objects
        self.empty_lists += other.empty_lists
        self.sources += other.sources
        self.input_errors.extend(other.input_errors)
        self.suppressions.extend(other.suppressions)
        self.crashes.extend(other.crashes)
        self.checked.extend(other.checked)
        if not self.rules:
            self.rules = other.rules

    def worst(self) -> Severity | None:
        active = [f.severity for f in self.findings if not f.suppressed]
        return max(active) if active else None

    def failing(self, fail_on: Severity | str | None = None) -> list[Finding]:
        """The unsuppressed findings at or above ``fail_on`` (default: the configuration's)."""
        level = _level(fail_on, self.fail_on)
        return [f for f in self.findings if not f.suppressed and f.severity >= level]

    def verdict(
        self, fail_on: Severity | str | None = None, allow_no_objects: bool = False, exit_zero: bool = False
    ) -> Verdict:
        """Whether the scan passes, as the CLI's exit code and the reason for it.

        2 when an input could not be read or parsed, a rule crashed, or (unless
        ``allow_no_objects``) no Kubernetes object was found: the scan did not check
        everything it was given (an empty List, as ``kubectl get -o json`` prints one,
        is a valid input holding nothing, not nothing). Otherwise 1 when an unsuppressed finding is at or above
        ``fail_on`` (and not ``exit_zero``), else 0.
        """
        if self.input_errors:
            n = len(self.input_errors)
            return Verdict(EXIT_ERROR, f"{n} input{_s(n)} could not be read or parsed")
        if self.crashes:
            n = len(self.crashes)
            return Verdict(EXIT_ERROR, f"{n} rule crash{'es' if n != 1 else ''} (internal error)")
        if self.objects == 0 and not self.empty_lists and not allow_no_objects:
            return Verdict(EXIT_ERROR, "no Kubernetes objects found in the input; nothing was checked")
        level = _level(fail_on, self.fail_on)
        failing = self.failing(level)
        if failing and not exit_zero:
            n = len(failing)
            return Verdict(EXIT_FINDINGS, f"{n} finding{_s(n)} at or above {level}")
        if failing:
            return Verdict(EXIT_CLEAN, f"{len(failing)} finding{_s(len(failing))} at or above {level}, ignored (exit zero)")
        return Verdict(EXIT_CLEAN, f"no findings at or above {level}")


def summary(result: ScanResult) -> dict[str, Any]:
    """Unsuppressed findings per severity, worst first: {"error": 2, "warning": 0, "info": 1}."""
    return severity_counts(result.findings)


def severity_counts(findings: list[Finding]) -> dict[str, Any]:
    """``summary`` of any findings (a report's, joined by cause)."""
    counts = {str(s): 0 for s in sorted(Severity, reverse=True)}
    for f in findings:
        if not f.suppressed:
            counts[str(f.severity)] += 1
    return counts


def _level(fail_on: Severity | str | None, default: Severity) -> Severity:
    if fail_on is None:
        return default
    return fail_on if isinstance(fail_on, Severity) else Severity.parse(fail_on)


def _s(n: int) -> str:
    return "s" if n != 1 else ""
