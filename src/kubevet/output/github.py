"""GitHub Actions workflow commands: annotations on the lines of the pull request.

One line per unsuppressed finding: ``::error file=F,line=L,col=C,title=T::message``
(``warning`` and ``notice`` for the lower severities). Control characters (NUL, ESC ...)
from a manifest are written as their escapes (``\\x1b``), then values are escaped as the
Actions runner unescapes them: ``%``, CR and LF in the message; also ``:`` and ``,`` in
properties.
A finding about a whole file has no ``line``; internal errors are annotations without a
file.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubevet.findings import Severity
from kubevet.output import RenderOptions, ordered
from kubevet.output.escape import printable
from kubevet.result import ScanResult
from kubevet.rules import Rule

EXTENSION = "txt"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (after ``::``)."""
    # CR and LF have escapes of the runner's own (a message of several lines)
    return printable(text, keep="\r\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **props: str | int) -> str:
    """One workflow command line; properties with an empty value are left out."""
    parts = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v)
    return f"::{level}{' ' + parts if parts else ''}::{escape_data(message)}"


def render(result: ScanResult, rules: Sequence[Rule], options: RenderOptions) -> str:
    lines = []
    for f in ordered(result, options):
        if f.suppressed:
            continue
        obj = f" [{f.obj}]" if f.obj else ""
        lines.append(
            command(
                _LEVEL[f.severity],
                f.message + obj,
                file=f.file,
                line=f.line if f.line > 0 else 0,
                col=f.column if f.line > 0 and f.column > 0 else 0,
                title=f"{f.code} {f.rule}",
            )
        )
    for crash in result.crashes:
        lines.append(command("error", str(crash), title="kubevet internal error"))
    return "\n".join(lines) + ("\n" if lines else "")
