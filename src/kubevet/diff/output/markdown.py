"""Markdown for a pull-request comment: the verdict, a summary table, the risks, the new
findings, and the diff of each object folded in a ``<details>`` block.

GitHub refuses comments over 65,536 characters: the report stops adding object details at
``limit`` and says how many it left out (the risks and the verdict always fit first).
"""

from __future__ import annotations

from kubevet.diff.compare import ADDED, CHANGED, REMOVED
from kubevet.diff.fields import MISSING
from kubevet.diff.output.values import value_text
from kubevet.output.escape import printable

_ICON = {0: ":white_check_mark:", 1: ":no_entry:", 2: ":warning:"}


def _cell(text: str) -> str:
    return printable(text.replace("\n", " ")).replace("|", "\\|")


def render(report, limit: int = 60000) -> str:
    code, reasons = report.verdict()
    c = report.comparison
    head: list[str] = []
    verdict = {0: "passes", 1: "is blocked", 2: "could not be judged"}[code]
    head.append(f"### {_ICON[code]} kubevet {report.command}: this change {verdict}")
    head.append("")
    if reasons:
        head.extend(f"- {_cell(r)}" for r in reasons)
        head.append("")
    for e in report.errors:
        head.append(f"- **error**: {_cell(e)}")
    for n in report.notes:
        head.append(f"- note: {_cell(n)}")
    if report.freeze is not None:
        head.append("")
        head.append("**Change freeze**: " + _cell(" ".join(report.freeze.describe())))
    if report.override is not None:
        o = report.override
        head.append("")
        head.append(f"**Freeze overridden** by `{_cell(o.user)}` at {o.time}: {_cell(o.reason)}")
    if c is not None:
        counts = c.counts()
        head.append("")
        head.append("| changed | added | removed | unchanged | risks | new findings |")
        head.append("| ---: | ---: | ---: | ---: | ---: | ---: |")
        new = len(report.findings.new_by_cause) if report.findings is not None else "-"
        head.append(f"| {counts[CHANGED]} | {counts[ADDED]} | {counts[REMOVED]} | {counts['unchanged']} | {len(report.risks)} | {new} |")
    budget = limit - 400 - sum(len(line) + 1 for line in head)  # room for the tables and the notes of what was cut
    if report.risks:
        head.append("")
        head.append("| severity | class | check | object | change | where |")
        head.append("| --- | --- | --- | --- | --- | --- |")
        for i, r in enumerate(report.risks):
            evidence = "" if r.old is MISSING and r.new is MISSING else f"`{_cell(value_text(r.old, 40))}` → `{_cell(value_text(r.new, 40))}`"
            row = (f"| {r.severity} | {r.risk_class} | `{r.check}` | {_cell(r.object)} | {_cell(r.message)} {evidence} | "
                   f"`{_cell(r.file)}:{r.line}` |")
            if len(row) + 1 > budget * 0.7:
                head.append("")
                head.append(f"_{len(report.risks) - i} more risks not shown (comment length limit), the least severe; "
                            "the JSON report has them all._")
                break
            budget -= len(row) + 1
            head.append(row)
    if report.findings is not None and report.findings.new:
        head.append("")
        head.append("**New findings**")
        head.append("")
        new = report.findings.new_by_cause
        for i, f in enumerate(new):
            row = f"- {f.severity} `{f.rule}` {_cell(f.message)} ({_cell(str(f.obj))}, `{_cell(f.file)}:{f.line}`)"
            if len(row) + 1 > budget * 0.7:
                head.append(f"- _{len(new) - i} more new findings not shown (comment length limit)_")
                break
            budget -= len(row) + 1
            head.append(row)
    text = "\n".join(head) + "\n"
    if c is None:
        return text
    details = [d for d in c.objects if d.status != "unchanged"]
    left = 0
    parts = []
    budget = limit - len(text) - 200
    for i, d in enumerate(details):
        block = _details(d)
        if len(block) > budget:
            left = len(details) - i
            break
        budget -= len(block)
        parts.append(block)
    if parts:
        text += "\n" + "".join(parts)
    if left:
        text += f"\n_{left} more changed object{'s' if left != 1 else ''} not shown (comment length limit); " \
                "the JSON report has them all._\n"
    return text


def _details(d) -> str:
    mark = {ADDED: "+", REMOVED: "-", CHANGED: "~"}[d.status]
    lines = [f"<details><summary><code>{mark} {d.label}</code> {d.status}</summary>", "", "```diff"]
    if d.status == CHANGED:
        for ch in d.changes:
            if ch.redacted:
                lines.append(f"! {ch.dotted}: {ch.op} (value hidden: Secret)")
            elif ch.op == "added":
                lines.append(f"+ {ch.dotted}: {value_text(ch.new)}")
            elif ch.op == "removed":
                lines.append(f"- {ch.dotted}: {value_text(ch.old)}")
            else:
                lines.append(f"- {ch.dotted}: {value_text(ch.old)}")
                lines.append(f"+ {ch.dotted}: {value_text(ch.new)}")
    else:
        lines.append(f"{mark} {d.label}")
    lines += ["```", "", "</details>", ""]
    return "\n".join(printable(line.replace("```", "'''")) if i not in (2, len(lines) - 4) else line for i, line in enumerate(lines)) + "\n"
