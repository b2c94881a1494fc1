"""Text for people: findings grouped by file, a help line per rule, a summary at the end.

Colour (ANSI) is used only when the caller says so (``RenderOptions.color``; the CLI
decides it per destination with ``output.use_color``). Control characters in file names
and messages are shown escaped, so that a crafted manifest cannot drive the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from kubevet.findings import Finding, Severity
from kubevet.groups import ASSUMES, BY_NAME
from kubevet.output import RenderOptions, ordered
from kubevet.output.escape import printable
from kubevet.output.hints import help_for
from kubevet.result import ScanResult, severity_counts
from kubevet.rules import Rule

EXTENSION = "txt"

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"
_PLURAL = {"error": "errors", "warning": "warnings", "info": "info"}


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def render(result: ScanResult, rules: Sequence[Rule], options: RenderOptions) -> str:
    color = options.color
    helps = {r.code: r.help for r in rules}
    helps.update((g.code, g.help) for g in BY_NAME.values())
    assumes = {**ASSUMES, **{g.name: g.assumes for g in BY_NAME.values()}}

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    out: list[str] = []
    findings = ordered(result, options)
    shown = [f for f in findings if not f.suppressed]
    width = max([28, *(len(f.rule) for f in shown)])  # the rule column fits the longest name
    for file, group in groupby(shown, key=lambda f: f.file):
        out.append(paint(printable(file) or "<input>", _BOLD))
        helped: set[tuple[str, str]] = set()
        for f in group:
            out.append(_line(f, paint, width))
            if options.verbose:
                for m in f.members:  # the rules' own findings, under their group's
                    out.append(paint(f"{'':12}- {m.rule} ({m.severity}): {printable(m.message)}", _DIM))
            if f.origin:
                out.append(paint(f"{'':12}from: {printable(f.origin)}", _DIM))
            help_text = help_for(f, helps)  # the rule's, or its cause's (file-unreadable)
            if (f.code, help_text) not in helped:  # a help, and the defaults it assumes, once per file
                helped.add((f.code, help_text))
                if help_text:
                    out.append(paint(f"{'':12}help: {help_text}", _DIM))
                if assumes.get(f.rule):
                    out.append(paint(f"{'':12}assumes: {assumes[f.rule]}", _DIM))
        out.append("")
    if options.verbose and result.skipped:
        out.append(paint("Skipped (not Kubernetes objects, or not regular files):", _BOLD))
        for s in result.skipped:
            out.append(f"  {printable(s.file)}:{s.line}: {printable(s.reason)}")
        out.append("")

    by_severity = severity_counts(findings)
    total = sum(by_severity.values())
    scanned = f"{_count(result.objects, 'object')} in {_count(result.sources, 'file')}"
    if total:
        parts = ", ".join(_count(n, name, _PLURAL.get(name)) for name, n in by_severity.items())
        joined = sum(len(f.members) for f in shown)
        groups = sum(1 for f in shown if f.members)
        note = f"; {groups} of them join {joined} rule findings by cause (--ungrouped lists each)" if groups else ""
        out.append(paint(f"{_count(total, 'finding')} ({parts}){note}; {scanned}", _BOLD))
    elif result.objects == 0 and not result.empty_lists:  # exit 2: "No findings" would read as a pass
        out.append(paint(f"Nothing to scan: no Kubernetes objects in {_count(result.sources, 'file')}", _BOLD))
    else:
        out.append(paint(f"No findings; {scanned}", _BOLD))
    suppressed = len(findings) - len(shown)
    if suppressed:
        out.append(f"{_count(suppressed, 'suppressed finding')} not shown")
    if result.skipped and not options.verbose:
        out.append(f"{_count(len(result.skipped), 'document')} skipped (not Kubernetes objects); --verbose lists them")
    return "\n".join(out) + "\n"


def _line(f: Finding, paint, width: int) -> str:
    where = f"{f.line}:{f.column}" if f.line and f.column else str(f.line) if f.line else "-"
    sev = paint(f"{str(f.severity):<7}", _COLORS[f.severity])
    obj = f"  [{printable(str(f.obj))}]" if f.obj else ""
    return f"  {where:<9} {sev} {f.rule:<{width}} {printable(f.message)}{obj}"
