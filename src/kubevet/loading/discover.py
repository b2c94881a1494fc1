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
    ``kubevet.loading.rendered.expand``).
    """
    from kubevet.loading.rendered import excluded, expand, stdin_source

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
