"""The text report: the verdict and the risks first, then the findings, then the diff per object."""

from __future__ import annotations

from kubevet.diff.compare import ADDED, CHANGED, REMOVED
from kubevet.diff.fields import MISSING
from kubevet.diff.output.values import value_text
from kubevet.findings import Severity
from kubevet.output.escape import colored
from kubevet.output.escape import paint as _paint

_COLORS = {"error": "31", "warning": "33", "info": "36", "+": "32", "-": "31", "~": "33", "bold": "1"}


def render(report, color: bool = False) -> str:
    """The report; names and values from the manifests with their control characters escaped."""

    def paint(text: str, what: str) -> str:
        return _paint(text, _COLORS[what])

    lines: list[str] = []
    c = report.comparison
    code, reasons = report.verdict()
    if c is not None:
        counts = c.counts()
        ignored = sum(len(d.ignored) for d in c.objects)
        lines.append(paint(f"kubevet {report.command}: {c.old.display} -> {c.new.display}", "bold"))
        lines.append(f"  {counts['changed']} changed, {counts['added']} added, {counts['removed']} removed, "
                     f"{counts['unchanged']} unchanged ({ignored} ignored difference{'s' if ignored != 1 else ''})")
    for e in report.errors:
        lines.append(paint(f"  error: {e}", "error"))
    for n in report.notes:
        lines.append(f"  note: {n}")
    if report.freeze is not None:
        lines.append("")
        lines.append(paint("Change freeze", "bold"))
        lines.extend(f"  {line}" for line in report.freeze.describe())
    if report.override is not None:
        o = report.override
        lines.append(paint(f"  OVERRIDDEN by {o.user} at {o.time}: {o.reason}", "warning"))
    if report.risks:
        by = {s: sum(1 for r in report.risks if r.severity == s) for s in Severity}
        lines.append("")
        counts = ", ".join(f"{by[s]} {s}{'s' if by[s] != 1 and s != Severity.INFO else ''}" for s in sorted(Severity, reverse=True))
        lines.append(paint(f"Risks ({counts})", "bold"))
        for r in report.risks:
            sev = str(r.severity)
            lines.append(f"  {paint(f'{sev:<7}', sev)} {r.risk_class:<12} {r.check:<28} {r.message}")
            where = f"{r.file}:{r.line}" if r.line else r.file
            evidence = ""
            if r.old is not MISSING or r.new is not MISSING:
                evidence = f"  {value_text(r.old, 60)} -> {value_text(r.new, 60)}"
            lines.append(f"          {where} ({r.side}){evidence}")
            if r.hint:
                lines.append(f"          hint: {r.hint}")
    elif c is not None and not report.errors:
        lines.append("")
        lines.append("No risky changes.")
    if report.findings is not None:
        new = report.findings.new_by_cause
        existing = sum(1 for f, n in report.findings.findings if not n and not f.suppressed)
        lines.append("")
        joined = f" ({len(report.findings.new)} rule findings, joined by cause)" if len(new) != len(report.findings.new) else ""
        lines.append(paint(f"Findings of NEW: {len(new)} new{joined}, {existing} existing, {report.findings.fixed} fixed", "bold"))
        for f in new:
            sev = str(f.severity)
            where = f"{f.file}:{f.line}:{f.column}" if f.line else f.file
            lines.append(f"  {where}  {paint(f'{sev:<7}', sev)} {f.rule:<32} {f.message}  [{f.obj}] (new)")
    if c is not None:
        shown = [d for d in c.objects if d.status != "unchanged"]
        if shown:
            lines.append("")
            lines.append(paint("Changes", "bold"))
        for d in shown:
            mark = {ADDED: "+", REMOVED: "-", CHANGED: "~"}[d.status]
            moved = ""
            if d.old is not None and d.new is not None and d.old.api_version != d.new.api_version:
                moved = f" (apiVersion {d.old.api_version} -> {d.new.api_version})"
            lines.append(paint(f"{mark} {d.label}{moved}", mark) + ("" if d.status == CHANGED else f" {d.status}"))
            for ch in d.changes:
                sign = {"added": "+", "removed": "-", "changed": "~"}[ch.op]
                if ch.redacted:
                    body = f"{ch.op} (value hidden: Secret)"
                elif ch.op == "added":
                    body = value_text(ch.new)
                elif ch.op == "removed":
                    body = f"was {value_text(ch.old)}"
                else:
                    body = f"{value_text(ch.old, 48)} -> {value_text(ch.new, 48)}"
                lines.append(f"    {paint(sign, sign)} {ch.dotted}: {body}")
    lines.append("")
    verdict = {0: "PASS", 1: "BLOCKED", 2: "ERROR"}[code]
    tail = f": {'; '.join(reasons)}" if reasons else ""
    lines.append(paint(f"{verdict} (exit {code}){tail}", "error" if code else "+"))
    return colored("\n".join(lines), color) + "\n"
