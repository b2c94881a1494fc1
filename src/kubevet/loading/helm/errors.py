"""Helm errors: Helm is missing, a chart could not be rendered, and how Helm's messages are worded."""

from __future__ import annotations

import re

from kubevet.errors import KubevetError
from kubevet.model import Problem

INSTALL_HINT = (
    "pip install 'kubevet[helm]' (Helm's library, no helm binary needed), "
    "or pass --helm-binary PATH to use a helm executable"
)


# "parse error at (chart/templates/x.yaml:6)", "template: chart/templates/x.yaml:6:3: ..."
ERROR_AT = re.compile(r"(?:at \(|template: |error calling \w+: )?([\w.@+-]+(?:/[\w.@+-]+)+\.\w+):(\d+)(?::(\d+))?")


YAML_LINE = re.compile(r"\byaml: line (\d+)(?::(?: column (\d+))?)?")


class HelmUnavailable(KubevetError):
    """A chart has to be rendered and there is nothing to render it with."""


class RenderFailed(Exception):
    """Rendering a chart failed: becomes a render-error finding at ``file:line``."""

    def __init__(self, message: str, file: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def problem(self) -> Problem:
        return Problem("render-error", self.message, self.file, self.line, self.column)


def error_detail(exc: BaseException) -> str:
    return " ".join(str(getattr(exc, "detail", None) or exc).split())


def render_message(detail: str) -> str:
    return f"Helm failed to render the chart: {detail}"
