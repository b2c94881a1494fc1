"""Report formats: one module per format, each rendering a finished scan to a string.

A format module defines ``render(result, rules, options) -> str`` and may set
``NEEDS_CHECKS = True`` (the engine then records which rules judged each object, as JUnit
needs) and ``EXTENSION`` (the usual file suffix). Plugins register such a module, or a bare
render function, under the entry-point group ``kubevet.formatters``.

Formats render the whole scan at once rather than flake8's start/handle/stop stream: the
engine returns findings already sorted in a ``ScanResult``, and every structured format
needs the whole of it anyway (SARIF's rule table, JUnit's passing cases, the summary
counts). Every format is deterministic: findings in ``Finding.sort_key`` order, paths as
the user gave them, no timestamps and no machine-dependent value unless the caller passes
one in ``RenderOptions`` (``source_root``).

``Writer`` sends each report of a run (``--format X --output F``, repeatable) to its file
or to standard output, and decides per destination whether text is coloured.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import IO, TYPE_CHECKING

from kubevet.errors import UsageError

if TYPE_CHECKING:
    from kubevet.findings import Finding
    from kubevet.result import ScanResult
    from kubevet.rules import Rule

FORMATS = {
    "text": "kubevet.output.text",
    "json": "kubevet.output.json_format",
    "sarif": "kubevet.output.sarif",
    "junit": "kubevet.output.junit",
    "github": "kubevet.output.github",
    "gitlab": "kubevet.output.gitlab",
}
ENTRY_POINT_GROUP = "kubevet.formatters"
DOCS_URL = "https://github.com/kubevet/kubevet/blob/main/docs/rules.md"
COLOR_MODES = ("auto", "always", "never")


@dataclass
class RenderOptions:
    """What a format may need besides the findings."""

    color: bool = False
    verbose: bool = False
    # the directory that relative paths in the report are relative to (SARIF's
    # %SRCROOT%); None leaves it to the reader, which keeps a report machine-independent
    source_root: str | None = None
    # join the findings of one cause into one (kubevet.groups); False: one per rule
    group: bool = True


Render = Callable[["ScanResult", Sequence["Rule"], RenderOptions], str]


@dataclass(frozen=True)
class Format:
    """A report format: its render function and what the scan must provide for it."""

    name: str
    render: Render
    needs_checks: bool = False
    extension: str = "txt"


def available() -> list[str]:
    from importlib.metadata import entry_points

    names = set(FORMATS)
    names.update(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    return sorted(names)


def get(name: str) -> Format:
    """A format by name, built in or from a plugin; KeyError when there is none."""
    module_name = FORMATS.get(name)
    if module_name is not None:
        return _format(name, importlib.import_module(module_name))
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return _format(name, ep.load())
    raise KeyError(name)


def _format(name: str, target: ModuleType | Render) -> Format:
    if isinstance(target, ModuleType):
        return Format(
            name,
            target.render,
            bool(getattr(target, "NEEDS_CHECKS", False)),
            getattr(target, "EXTENSION", "txt"),
        )
    return Format(name, target, bool(getattr(target, "NEEDS_CHECKS", False)))


def rule_url(r: Rule) -> str:
    """Where a rule's documentation is published (docs/rules.md, one anchor per rule)."""
    from kubevet.docs import anchor

    return f"{DOCS_URL}#{anchor(r)}"


def ordered(result: ScanResult, options: RenderOptions | None = None) -> list[Finding]:
    """The findings in report order, whatever order a caller built the result in: joined
    by cause (``kubevet.groups``) when the options say so, else one per rule and place."""
    from kubevet.findings import Finding

    if options is not None and options.group:
        from kubevet.groups import group

        return group(result.findings)
    return sorted(result.findings, key=Finding.sort_key)


def groups_used(findings: Sequence[Finding]) -> list:
    """The groups (kubevet.groups.Group) that joined some of the findings, by code."""
    from kubevet.groups import BY_NAME

    return sorted((BY_NAME[name] for name in {f.rule for f in findings if f.members}), key=lambda g: g.code)


def tool_version() -> str:
    import kubevet

    return kubevet.__version__


def use_color(mode: str, stream: IO[str], environ: Mapping[str, str] | None = None) -> bool:
    """Whether text written to ``stream`` is coloured under ``--color mode``.

    ``auto`` colours only a terminal, and never when ``NO_COLOR`` is set to a non-empty
    value or ``TERM=dumb``; an explicit ``always`` wins over the environment, as
    https://no-color.org/ asks of command-line flags.
    """
    if mode == "always":
        return True
    if mode == "never":
        return False
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


@dataclass(frozen=True)
class Report:
    """One ``--format`` of a run and where it goes (``None``: standard output)."""

    format: Format
    path: str | None = None


def plan(pairs: Sequence[Sequence[str | None]]) -> list[Report]:
    """Reports for ``(format, file)`` pairs; UsageError for an unknown format, a file
    named twice, or two reports on standard output (they would be one unreadable stream).
    No pair means one text report on standard output."""
    reports: list[Report] = []
    seen: dict[str, str] = {}
    pairs = pairs or [("text", None)]
    refuse_two_on_stdout(pairs)
    for fmt, path in pairs:
        assert fmt is not None
        try:
            found = get(fmt)
        except KeyError:
            raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(available())})") from None
        if path is not None and path != "-":
            key = os.path.realpath(path)
            if key in seen:
                raise UsageError(f"{path} is the output of both --format {seen[key]} and --format {fmt}")
            seen[key] = fmt
        reports.append(Report(found, None if path == "-" else path))
    return reports


# formats made of independent lines for a CI log: GitHub's runner takes its workflow
# commands out of the log it shows, so annotations and the text report may share it
LOG_LINES = frozenset({"text", "github"})


def refuse_two_on_stdout(pairs: Sequence[Sequence[str | None]]) -> None:
    """UsageError when more than one (format, file) pair writes to standard output,
    unless all of them are line formats of a CI log (``-f github -f text``)."""
    on_stdout = [str(fmt) for fmt, path in pairs if path in (None, "-")]
    if len(on_stdout) > 1 and not set(on_stdout) <= LOG_LINES:
        both = " and ".join(f"--format {f}" for f in on_stdout)
        raise UsageError(f"{both} would {'both' if len(on_stdout) == 2 else 'all'} write to standard output; "
                         "give all but one an --output FILE")


class Writer:
    """Writes the reports of a run; a context manager that opens every file on entry.

    Files are opened (and truncated) before the scan, so a path that cannot be written
    fails at once with exit 2 rather than after a long scan, and no stale report of an
    earlier run survives a failed one.
    """

    def __init__(
        self,
        reports: Sequence[Report],
        *,
        color: str = "auto",
        verbose: bool = False,
        source_root: str | None = None,
        group: bool = True,
        stdout: IO[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if color not in COLOR_MODES:
            raise UsageError(f"unknown colour mode {color!r} (choose from {', '.join(COLOR_MODES)})")
        self.reports = list(reports)
        self.color = color
        self.verbose = verbose
        self.source_root = source_root
        self.group = group
        self._stdout = stdout
        self._environ = environ
        self._files: dict[int, IO[str]] = {}

    def __enter__(self) -> Writer:
        try:
            for i, report in enumerate(self.reports):
                if report.path is not None:
                    try:
                        self._files[i] = open(report.path, "w", encoding="utf-8", newline="\n")
                    except OSError as exc:
                        reason = exc.strerror or str(exc)
                        raise UsageError(
                            f"cannot write {report.format.name} report to {report.path}: {reason}"
                        ) from None
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        files, self._files = self._files, {}
        for fh in files.values():
            fh.close()

    def write(self, result: ScanResult, rules: Sequence[Rule]) -> None:
        """Render every report and write it to its destination."""
        stdout = self._stdout if self._stdout is not None else sys.stdout
        for i, report in enumerate(self.reports):
            stream = self._files.get(i, stdout)
            options = RenderOptions(
                color=use_color(self.color, stream, self._environ),
                verbose=self.verbose,
                source_root=self.source_root,
                group=self.group,
            )
            text = report.format.render(result, rules, options)
            try:
                stream.write(text)
                stream.flush()
            except OSError as exc:
                if stream is stdout:
                    raise
                reason = exc.strerror or str(exc)
                raise UsageError(f"cannot write {report.format.name} report to {report.path}: {reason}") from None
