"""Control characters shown, never sent: text that came from a manifest (names, values,
paths) may hold NUL, ESC or newlines, which would drive a terminal, forge a line of a CI
log or a workflow command. Every text format passes such text through ``printable``."""

from __future__ import annotations

import re

# C0 and C1 controls and DEL; \t and \n too, which would split or forge a line
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with each control character written as its Python escape (``\\x1b``, ``\\n``)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
