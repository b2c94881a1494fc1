"""Values: the files of ``--values-matrix``, merging values as Helm does, and the dependencies a chart needs."""

from __future__ import annotations

import glob
import os
import re

from kubevet.loading.helm.chart import CHART_FILE, ChartFiles
from kubevet.loading.helm.errors import RenderFailed


def values_matrix(chart: str, patterns: list[str]) -> list[str]:
    """The values files of ``--values-matrix`` for one chart: each DIR's *.yaml / *.yml, or
    each GLOB's files. A relative DIR or GLOB is looked up in the chart first, then in the
    working directory, so ``--values-matrix ci`` takes every chart's own ci/ files."""
    found: list[str] = []
    if not os.path.isdir(chart):
        bases = [""]
    else:
        bases = [chart, ""]
    for pattern in patterns:
        for base in bases:
            if base and os.path.isabs(pattern):
                continue
            full = os.path.join(base, pattern) if base else pattern
            if os.path.isdir(full):
                hits = sorted(
                    os.path.join(full, n) for n in os.listdir(full) if n.lower().endswith((".yaml", ".yml"))
                )
            else:
                hits = sorted(h for h in glob.glob(full, recursive=True) if os.path.isfile(h))
            if hits:
                for h in hits:
                    if h not in found:
                        found.append(h)
                break
    return found


def matrix_label(chart: str, values_file: str) -> str:
    if os.path.isdir(chart):
        rel = os.path.relpath(values_file, chart)
        if not rel.startswith(".."):
            return rel.replace(os.sep, "/")
    return values_file


def merge_values(base: dict, over: dict) -> dict:
    """Helm's mergeMaps: maps merge key by key, anything else is replaced."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge_values(out[k], v)
        else:
            out[k] = v
    return out


def check_dependencies(files: ChartFiles, meta: dict) -> None:
    """Fail like ``helm template`` when a dependency of Chart.yaml is not in charts/.

    Helm's library renders such a chart without the dependency and without a word; the
    helm binary refuses it. kubevet refuses it too, naming what to vendor.
    """
    declared = files.dependencies(meta)
    if not declared:
        return
    have = files.vendored()
    missing = [d for d in declared if d["name"] not in have]
    if not missing:
        return
    names = ", ".join(
        f"{d['name']}" + (f" {d['version']}" if d.get("version") else "") + (f" from {d['repository']}" if d.get("repository") else "")
        for d in missing
    )
    line = 0
    data = files.read(CHART_FILE) or b""
    m = re.search(rb"^\s*-?\s*name:\s*['\"]?" + re.escape(missing[0]["name"].encode()) + rb"['\"]?\s*$", data, re.MULTILINE)
    if m:
        line = data.count(b"\n", 0, m.start()) + 1
    n = len(missing)
    raise RenderFailed(
        f"{n} dependenc{'y' if n == 1 else 'ies'} of {CHART_FILE} not found in charts/: {names}; "
        "run `helm dependency build` (Helm's library would render the chart without "
        f"{'it' if n == 1 else 'them'})",
        files.display(CHART_FILE),
        line,
    )
