"""The one exception tree of kubevet; every error the CLI reports exits with 2."""

from __future__ import annotations


class KubevetError(Exception):
    """An error that stops kubevet with a message instead of a traceback."""

    exit_code = 2


class UsageError(KubevetError):
    """Bad command-line arguments or options."""


class ConfigError(KubevetError):
    """A configuration value or rule option that kubevet does not accept."""


class RuleCrashed(KubevetError):
    """A rule raised while checking an object: a bug in kubevet, reported with its context."""

    def __init__(self, rule: str, where: str, cause: BaseException) -> None:
        super().__init__(f"rule {rule} crashed on {where}: {type(cause).__name__}: {cause}")
        self.rule = rule
        self.where = where
        self.cause = cause
