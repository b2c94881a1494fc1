"""What ``kubevet diff`` and ``kubevet gate`` decide, in one object every format renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubevet.diff.compare import Comparison
from kubevet.diff.findings import MarkedFindings
from kubevet.diff.risks import Risk
from kubevet.findings import Severity

EXIT_PASS, EXIT_BLOCK, EXIT_ERROR = 0, 1, 2
SCHEMA_VERSION = 1


@dataclass
class Override:
    """``--override-freeze REASON``: who overrode a change freeze, when, and why."""

    reason: str
    user: str
    time: str  # ISO 8601, UTC
    windows: list[str] = field(default_factory=list)  # the reasons of the windows overridden

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "user": self.user, "time": self.time, "windows": self.windows}


@dataclass
class DiffReport:
    command: str  # "diff" or "gate"
    comparison: Comparison | None
    risks: list[Risk] = field(default_factory=list)
    findings: MarkedFindings | None = None
    errors: list[str] = field(default_factory=list)  # what could not be read: exit 2
    notes: list[str] = field(default_factory=list)  # what could not be compared, and why
    fail_on: Severity = Severity.ERROR
    gate_existing: bool = False  # existing findings gate too (--fail-on-existing)
    freeze: Any = None  # kubevet.freeze.Status, for the gate and freeze-aware diffs
    override: Override | None = None
    command_line: list[str] = field(default_factory=list)  # the command after --, for gate

    # --- the verdict -------------------------------------------------------------------

    def blocking_risks(self) -> list[Risk]:
        return [r for r in self.risks if r.severity >= self.fail_on]

    def blocking_findings(self) -> list:
        if self.findings is None:
            return []
        return [f for f, is_new in self.findings.findings
                if (is_new or self.gate_existing) and not f.suppressed and f.severity >= self.fail_on]

    @property
    def frozen(self) -> bool:
        return bool(self.freeze is not None and self.freeze.frozen)

    def verdict(self) -> tuple[int, list[str]]:
        """The exit code and the reasons for it, in words."""
        if self.errors:
            return EXIT_ERROR, [f"{len(self.errors)} input error{'s' if len(self.errors) != 1 else ''}: the diff is incomplete"]
        if self.findings is not None and self.findings.crashes:
            return EXIT_ERROR, ["a rule crashed (internal error)"]
        reasons = []
        risks = self.blocking_risks()
        if risks:
            reasons.append(f"{len(risks)} risk{'s' if len(risks) != 1 else ''} at or above {self.fail_on}")
        found = self.blocking_findings()
        if found:
            what = "" if self.gate_existing else "new "
            reasons.append(f"{len(found)} {what}finding{'s' if len(found) != 1 else ''} at or above {self.fail_on}")
        if self.frozen:
            if self.override is None:
                reasons.append(f"change freeze: {self.freeze.reason_text()}")
        return (EXIT_BLOCK if reasons else EXIT_PASS), reasons

    def to_json(self) -> dict[str, Any]:
        code, reasons = self.verdict()
        c = self.comparison
        out: dict[str, Any] = {
            "schemaVersion": SCHEMA_VERSION,
            "tool": {"name": "kubevet", "version": _version()},
            "command": self.command,
            "old": c.old.display if c else None,
            "new": c.new.display if c else None,
            "verdict": {"exitCode": code, "pass": code == EXIT_PASS, "reasons": reasons, "failOn": str(self.fail_on)},
            "summary": c.counts() if c else {},
            "errors": self.errors,
            "notes": self.notes,
            "risks": [r.to_json() for r in self.risks],
            "findings": [] if self.findings is None else [_finding_json(f, is_new) for f, is_new in self.findings.findings],
            "fixedFindings": 0 if self.findings is None else self.findings.fixed,
            "objects": [d.to_json() for d in c.objects if d.status != "unchanged"] if c else [],
            "unchanged": [d.label for d in c.objects if d.status == "unchanged"] if c else [],
        }
        if self.freeze is not None:
            out["freeze"] = self.freeze.to_json()
        out["override"] = self.override.to_json() if self.override else None
        if self.command == "gate":
            out["run"] = self.command_line or None
        return out


def _finding_json(f, is_new: bool) -> dict[str, Any]:
    return {
        "new": is_new,
        "code": f.code,
        "rule": f.rule,
        "severity": str(f.severity),
        "message": f.message,
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "object": f.obj.to_json() if f.obj else None,
        "suppressed": f.suppressed,
    }


def _version() -> str:
    import kubevet

    return kubevet.__version__
