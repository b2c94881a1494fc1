"""Text for people: findings grouped by file, a help line each, a summary at the end."""

from __future__ import annotations

from itertools import groupby

from kubevet.engine import ScanResult, summary
from kubevet.findings import Severity
from kubevet.rules._base import Rule

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def render(result: ScanResult, rules: list[Rule], options) -> str:
    color = options.color
    helps = {r.code: r.help for r in rules}

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    out: list[str] = []
    shown = [f for f in result.findings if not f.suppressed]
    for file, group in groupby(shown, key=lambda f: f.file):
        out.append(paint(file or "<input>", _BOLD))
        helped: set[str] = set()  # a rule's help is shown once per file
        for f in group:
            where = f"{f.line}:{f.column}" if f.line else "-"
            sev = paint(f"{str(f.severity):<7}", _COLORS[f.severity])
            obj = f"  [{f.obj}]" if f.obj else ""
            out.append(f"  {where:<9} {sev} {f.rule:<28} {f.message}{obj}")
            if f.origin:
                out.append(paint(f"{'':12}from: {f.origin}", _DIM))
            help_text = helps.get(f.code)
            if help_text and f.code not in helped:
                helped.add(f.code)
                out.append(paint(f"{'':12}help: {help_text}", _DIM))
        out.append("")
    if options.verbose and result.skipped:
        out.append(paint("Skipped (not Kubernetes objects):", _BOLD))
        for s in result.skipped:
            out.append(f"  {s.file}:{s.line}: {s.reason}")
        out.append("")
    counts = summary(result)
    total = sum(counts.values())
    files = result.sources
    parts = ", ".join(f"{n} {name}" for name, n in counts.items())
    scanned = f"{result.objects} object{'s' if result.objects != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    if total:
        out.append(paint(f"{total} finding{'s' if total != 1 else ''} ({parts}); {scanned}", _BOLD))
    else:
        out.append(paint(f"No findings; {scanned}", _BOLD))
    suppressed = len(result.findings) - len(shown)
    if suppressed:
        out.append(f"{suppressed} suppressed finding{'s' if suppressed != 1 else ''} not shown")
    if result.skipped and not options.verbose:
        n = len(result.skipped)
        out.append(f"{n} document{'s' if n != 1 else ''} skipped (not Kubernetes objects); --verbose lists them")
    return "\n".join(out) + "\n"
