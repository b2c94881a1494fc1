"""The formats of ``kubevet diff`` and ``kubevet gate``: text, json, markdown, sarif.

Every format renders one ``DiffReport``; none prints a Secret's values (the diff never
keeps them), and every one carries the freeze state and a ``--override-freeze`` record.
"""

from __future__ import annotations

import json

from kubevet.diff.output.values import value_text  # noqa: F401 - the formats' shared helper

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
