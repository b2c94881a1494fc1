"""The one exception tree of kubevet; every error the CLI reports exits with 2."""

from __future__ import annotations


class KubevetError(Exception):
    """An error that stops kubevet with a message instead of a traceback."""

    exit_code = 2


class UsageError(KubevetError):
    """Bad command-line arguments or options."""


class ConfigError(KubevetError):
    """A configuration value or rule option that kubevet does not accept."""
