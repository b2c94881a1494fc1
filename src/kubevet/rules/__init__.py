"""The rule registry: every module under kubevet.rules, plus plugins, sorted by code.

Nothing here is a hand-kept list: a rule exists because its module defines it with
``@rule``. Plugins register modules under the entry-point group ``kubevet.rules``.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from kubevet.rules._base import WORKLOADS, Option, Rule, RuleContext, registered, rule

__all__ = ["WORKLOADS", "Option", "Rule", "RuleContext", "all_rules", "lookup", "lookup_named", "rule"]

ENTRY_POINT_GROUP = "kubevet.rules"


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    """Every rule, built-in and plugin, sorted by code."""
    package = importlib.import_module(__name__)
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{__name__}."):
        if not info.name.rsplit(".", 1)[-1].startswith("_"):
            importlib.import_module(info.name)
    _load_plugins()
    return tuple(sorted(registered().values(), key=lambda r: r.code))


def _load_plugins() -> None:
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        ep.load()


def lookup(name_or_code: str) -> Rule:
    """A rule by its kebab-case name or its code (case-insensitive for codes)."""
    key = name_or_code.strip()
    for r in all_rules():
        if r.name == key or r.code == key.upper():
            return r
    raise KeyError(name_or_code)


def lookup_named(name_or_code: str):
    """A rule, or a group of rules (kubevet.groups.Group), by name or code: what a
    configuration, a suppression or ``--severity`` may name. KeyError for neither."""
    from kubevet.groups import lookup as group_lookup

    try:
        return lookup(name_or_code)
    except KeyError:
        g = group_lookup(name_or_code)
        if g is None:
            raise
        return g


def did_you_mean(name: str) -> str:
    """``"; did you mean pdb-missing?"`` for a near miss of a rule's name or code, else ""."""
    import difflib

    from kubevet.groups import GROUPS

    rules = [*all_rules(), *GROUPS]  # a group of rules may be named too
    key = name.strip().lower()
    candidates = {r.name: r.name for r in rules} | {r.code.lower(): r.code for r in rules}
    close = difflib.get_close_matches(key, list(candidates), n=3, cutoff=0.75)
    if not close and len(key) >= 4:  # a part of a name: cpu-limit
        close = [n for n in candidates if key in n][:3]
    return f"; did you mean {' or '.join(dict.fromkeys(candidates[c] for c in close))}?" if close else ""
