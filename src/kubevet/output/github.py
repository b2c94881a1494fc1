"""GitHub Actions workflow commands: annotations on the lines of the pull request."""

from __future__ import annotations

from kubevet.engine import ScanResult
from kubevet.findings import Severity
from kubevet.rules._base import Rule

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: ScanResult, rules: list[Rule], options) -> str:
    lines = []
    for f in result.findings:
        if f.suppressed:
            continue
        props = [f"file={_prop(f.file)}"]
        if f.line:
            props.append(f"line={f.line}")
            if f.column:
                props.append(f"col={f.column}")
        props.append(f"title={_prop(f'{f.code} {f.rule}')}")
        obj = f" [{f.obj}]" if f.obj else ""
        lines.append(f"::{_LEVEL[f.severity]} {','.join(props)}::{_data(f.message + obj)}")
    return "\n".join(lines) + ("\n" if lines else "")
