"""The help line a report shows for a finding: the rule's (the first paragraph of its Fix),
or, for the input rules whose findings have several causes, the one of the finding's cause
(a missing file is not told to save itself as UTF-8)."""

from __future__ import annotations

from collections.abc import Mapping

from kubevet.findings import Finding
from kubevet.rules.input import file_unreadable


def help_for(f: Finding, helps: Mapping[str, str]) -> str:
    """The help of ``f``; ``helps`` maps rule codes to their rules' help."""
    if f.rule == "file-unreadable":
        return file_unreadable.hint(f.message) or helps.get(f.code, "")
    return helps.get(f.code, "")
