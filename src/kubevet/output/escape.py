"""Control characters shown, never sent: text that came from a manifest (names, values,
paths) may hold NUL, ESC or newlines, which would drive a terminal, forge a line of a CI
log or a workflow command. Every text format passes such text through ``printable``."""

from __future__ import annotations

import re

# C0 and C1 controls and DEL; \t and \n too, which would split or forge a line
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str, keep: str = "") -> str:
    """``text`` with each control character (but those in ``keep``) written as its Python
    escape (``\\x1b``, ``\\n``)."""
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else repr(m.group())[1:-1], text)


def printable_lines(text: str) -> str:
    """Each line of ``text`` made printable; the line breaks kept."""
    return "\n".join(printable(line) for line in text.split("\n"))


# colours for reports that paint: marks stand for the escape sequences while the report is
# assembled, so that the report can be made printable as a whole and the marks turned into
# the real sequences afterwards (text from a manifest that forges a mark gets a colour at most)
_MARK = re.compile("\uf8f0([0-9;]+)\uf8f1")


def paint(text: str, sgr: str) -> str:
    """``text`` in the colour of the SGR code ``sgr`` (``"31"``), as marks for ``colored``."""
    return f"\uf8f0{sgr}\uf8f1{text}\uf8f00\uf8f1"


def colored(text: str, color: bool) -> str:
    """A report assembled with ``paint``: printable, its marks as escape sequences (or
    dropped without ``color``)."""
    return _MARK.sub(lambda m: f"\033[{m.group(1)}m" if color else "", printable_lines(text))
