"""Report formats. Each module renders a finished scan; they are imported only when used."""

from __future__ import annotations

import importlib
from typing import Protocol

from kubevet.engine import ScanResult
from kubevet.rules._base import Rule

FORMATS = {
    "text": "kubevet.output.text",
    "json": "kubevet.output.json_format",
    "sarif": "kubevet.output.sarif",
    "junit": "kubevet.output.junit",
    "github": "kubevet.output.github",
}
ENTRY_POINT_GROUP = "kubevet.formatters"


class Formatter(Protocol):
    def __call__(self, result: ScanResult, rules: list[Rule], options: "RenderOptions") -> str: ...


class RenderOptions:
    """What a format may need besides the findings."""

    def __init__(self, color: bool = False, verbose: bool = False) -> None:
        self.color = color
        self.verbose = verbose


def available() -> list[str]:
    names = set(FORMATS)
    from importlib.metadata import entry_points

    names.update(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    return sorted(names)


def get(name: str) -> Formatter:
    """The render function of a format, built in or from a plugin."""
    module = FORMATS.get(name)
    if module is not None:
        return importlib.import_module(module).render
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return ep.load()
    raise KeyError(name)
