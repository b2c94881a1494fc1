"""How the diff formats write a value (kept apart from the format registry, which imports
the formats: a format importing the registry back would be a cycle)."""

from __future__ import annotations

import json
from typing import Any

from kubevet.diff.fields import MISSING


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
