"""Turn the paths a user gives into sources: files, directory trees and standard input."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from kubevet.model import Problem, Source

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def discover(paths: Sequence[str], stdin=None) -> tuple[list[Source], list[Problem]]:
    """Sources for every path, in a stable order, and a Problem for each that cannot be read.

    Directories are walked recursively for .yaml, .yml and .json files; hidden directories
    and files (".git", ".github" ...) are skipped. ``-`` reads standard input once.
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
            sources.append(Source(None, "<stdin>", stream.read()))
            continue
        if os.path.isdir(path):
            for file in _walk(path):
                key = os.path.realpath(file)
                if key not in seen:
                    seen.add(key)
                    sources.append(Source(file, file))
        elif os.path.exists(path):
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                sources.append(Source(path, path))
        else:
            problems.append(Problem("file-unreadable", "no such file or directory", path, 0))
    return sources, problems


def _walk(root: str) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and name.lower().endswith(MANIFEST_SUFFIXES):
                found.append(os.path.join(dirpath, name))
    return found
