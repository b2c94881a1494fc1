"""The formats of ``kubevet diff`` and ``kubevet gate``: text, json, markdown, sarif.

Every format renders one ``DiffReport``; none prints a Secret's values (the diff never
keeps them), and every one carries the freeze state and a ``--override-freeze`` record.
"""

from __future__ import annotations

import json
from typing import Any

from kubevet.diff.fields import MISSING

FORMATS = ("text", "json", "markdown", "sarif")


def render(name: str, report, color: bool = False, limit: int = 0) -> str:
    if name == "text":
        from kubevet.diff.output.text import render as text

        return text(report, color=color)
    if name == "json":
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False, default=str) + "\n"
    if name == "markdown":
        from kubevet.diff.output.markdown import render as markdown

        return markdown(report, limit=limit)
    from kubevet.diff.output.sarif import render as sarif

    return sarif(report)


def value_text(value: Any, width: int = 100) -> str:
    """A value in one line: scalars as YAML would write them, the rest as compact JSON."""
    if value is MISSING:
        return "(unset)"
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, separators=(", ", ": "), ensure_ascii=False, default=str)
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 3] + "..."
