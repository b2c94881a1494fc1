"""Turn the paths a user gives into sources: files, directory trees and standard input."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from kubevet.model import Problem, Source

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def discover(
    paths: Sequence[str], stdin=None, helm=None, exclude: Sequence[str] = ()
) -> tuple[list[Source], list[Problem]]:
    """Sources for every path, in a stable order, and a Problem for each that cannot be read.

    Directories are walked recursively for .yaml, .yml and .json files; hidden directories
    and files (".git", ".github" ...) are skipped. ``-`` reads standard input once.
    Helm charts and kustomizations are rendered (``helm``: a ``HelmOptions``) rather than
    read; ``exclude`` globs leave out files, charts and kustomizations (see
    ``expand``).
    """
    sources: list[Source] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for path in paths:
        if path == "-":
            if "-" in seen:
                continue
            seen.add("-")
            stream = stdin if stdin is not None else sys.stdin.buffer
            sources.append(stdin_source(stream.read()))
            continue
        if excluded(path, exclude):
            continue
        if os.path.exists(path) and (os.path.isdir(path) or _renderable(path)):
            found, failed = expand(path, helm, exclude, seen, MANIFEST_SUFFIXES)
            sources.extend(found)
            problems.extend(failed)
        elif os.path.exists(path):
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                sources.append(Source(path, path))
        else:
            problems.append(Problem("file-unreadable", "no such file or directory", path, 0))
    return sources, problems


def _renderable(path: str) -> bool:
    """A file that stands for a chart or a kustomization (.tgz, Chart.yaml, kustomization.yaml).

    The names are spelled out here so that scanning plain files imports no renderer."""
    name = os.path.basename(path)
    if name.lower().endswith((".tgz", ".tar.gz")):
        return os.path.isfile(path)
    return name in ("Chart.yaml", "kustomization.yaml", "kustomization.yml", "Kustomization")


def excluded(path: str, patterns: Sequence[str], root: str | None = None) -> bool:
    """Whether ``--exclude`` patterns leave a path out.

    A pattern without "/" matches any one component of the path (``vendor``,
    ``*.tmpl.yaml``); a pattern with "/" matches the whole path, as given or relative to
    the directory being walked, or any directory above it (``charts/legacy`` leaves out
    everything under it). ``**/`` at the start also matches at the top.
    """
    if not patterns:
        return False
    import fnmatch

    forms = {_posix(path)}
    if root is not None:
        rel = os.path.relpath(path, root)
        if not rel.startswith(".."):
            forms.add(_posix(rel))
    for pattern in patterns:
        pat = _posix(pattern).rstrip("/")
        if not pat:
            continue
        if "/" not in pat:
            if any(fnmatch.fnmatch(part, pat) for form in forms for part in form.split("/")):
                return True
            continue
        pats = {pat, pat[3:]} if pat.startswith("**/") else {pat}
        for form in forms:
            parts = form.split("/")
            prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
            if any(fnmatch.fnmatch(pre, p) for pre in prefixes for p in pats):
                return True
    return False


def _posix(path: str) -> str:
    out = path.replace(os.sep, "/")
    while out.startswith("./"):
        out = out[2:]
    return out


def stdin_source(data: bytes) -> Source:
    """Standard input; ``helm template`` output (it has ``# Source:`` headers) is mapped
    back to its templates when the chart is found under the working directory."""
    if b"# Source: " not in data:
        return Source(None, "<stdin>", data)
    from kubevet.loading.helm import stdin_render
    from kubevet.loading.rendered import RenderedSource

    try:
        render = stdin_render(data)
    except Exception:  # noqa: BLE001 - mapping back is a nicety; stdin is scanned anyway
        render = None
    if render is None:
        return Source(None, "<stdin>", data)
    return RenderedSource("<stdin>", data, render)


def expand(path: str, helm, exclude: Sequence[str], seen: set[str], manifest_suffixes: tuple[str, ...]):
    """Sources for a directory or a file that may be a chart or a kustomization.

    A chart directory (Chart.yaml) or a packaged chart (.tgz) is rendered; a directory
    with a kustomization is built. Walking a directory tree: a chart directory is
    rendered and not walked further (its templates, values and subcharts are the
    chart's); a kustomization is built unless another kustomization of the same scan
    includes it (it is then a base, seen through the kustomization that uses it); the
    files a kustomization reads (resources, patches, generator inputs) and the
    kustomization file itself are not scanned as loose manifests. Everything else is
    scanned as files. ``exclude`` applies to files, charts and kustomizations alike.
    """
    found = _Expansion(helm, exclude, seen, manifest_suffixes)
    if not os.path.isdir(path):
        found.named_file(path)
    elif found.helm.is_chart_dir(path):
        found.chart(path)
    else:
        found.tree(path)
    return found.sources, found.problems


class _Expansion:
    """The sources one path expands to, each file, chart and kustomization taken once
    (``seen`` holds their real paths, across the paths of a scan)."""

    def __init__(self, helm_options, exclude: Sequence[str], seen: set[str], manifest_suffixes: tuple[str, ...]):
        from kubevet.loading import helm, kustomize

        self.helm, self.kustomize = helm, kustomize
        self.options = helm_options
        self.exclude = exclude
        self.seen = seen
        self.suffixes = manifest_suffixes
        self.sources: list[Source] = []
        self.problems: list = []

    def _first_time(self, path: str) -> bool:
        key = os.path.realpath(path)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def chart(self, chart: str) -> None:
        if self._first_time(chart):
            s, p = self.helm.render_chart(chart, self.options or self.helm.HelmOptions())
            self.sources.extend(s)
            self.problems.extend(p)

    def kustomization(self, directory: str) -> None:
        if self._first_time(directory):
            s, p = self.kustomize.build(directory, (self.options.helm_binary if self.options else None))
            self.sources.extend(s)
            self.problems.extend(p)

    def file(self, file: str, walked: bool = False) -> None:
        if self._first_time(file):
            self.sources.append(Source(file, file, walked=walked))

    def named_file(self, path: str) -> None:
        """A file named on the command line: a packaged chart, a Chart.yaml or a
        kustomization file stands for its chart or kustomization."""
        name = os.path.basename(path)
        if self.helm.is_chart_archive(path):
            self.chart(path)
        elif name == self.helm.CHART_FILE:
            self.chart(os.path.dirname(path) or ".")
        elif name in self.kustomize.KUSTOMIZATION_FILES:
            self.kustomization(os.path.dirname(path) or ".")
        else:
            self.file(path)

    def tree(self, path: str) -> None:
        """A directory: its charts, kustomizations and loose files, in a stable order."""
        kustomize = self.kustomize
        if kustomize.is_kustomization(path):
            # named on the command line: built even when it is another one's base
            self.kustomization(path)
            _, owned = kustomize.references(path)
            self.seen.update(owned)
            self.seen.add(os.path.realpath(kustomize.kustomization_file(path) or ""))
        items, kustomizations = self._walk(path)
        bases, owned = self._read_by(kustomizations)
        for kind, item in items:
            if kind == "chart":
                self.chart(item)
            elif kind == "kustomization":
                if os.path.realpath(item) not in bases:
                    self.kustomization(item)
            elif os.path.realpath(item) not in owned:
                self.file(item, walked=True)

    def _walk(self, path: str) -> tuple[list[tuple[str, str]], list[str]]:
        """(kind, path) of every chart, kustomization and manifest under ``path``, and the
        kustomizations (``path``'s own included); hidden and excluded entries left out."""
        items: list[tuple[str, str]] = []
        kustomizations: list[str] = []
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and not excluded(os.path.join(dirpath, d), self.exclude, path)
            )
            if dirpath != path and self.helm.is_chart_dir(dirpath):
                items.append(("chart", dirpath))
                dirnames[:] = []
                continue
            if self.kustomize.is_kustomization(dirpath):
                if dirpath != path:
                    items.append(("kustomization", dirpath))
                kustomizations.append(dirpath)
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                if name.startswith(".") or excluded(full, self.exclude, path):
                    continue
                if name.lower().endswith(self.suffixes):
                    items.append(("file", full))
        return items, kustomizations

    def _read_by(self, kustomizations: list[str]) -> tuple[set[str], set[str]]:
        """The directories (bases) and files the kustomizations read, as real paths."""
        bases: set[str] = set()
        owned: set[str] = set()
        for k in kustomizations:
            dirs, files = self.kustomize.references(k)
            bases |= dirs
            owned |= files
            owned.add(os.path.realpath(self.kustomize.kustomization_file(k) or ""))
        return bases, owned
