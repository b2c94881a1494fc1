"""Helm charts: render them as ``helm template`` would, and map findings back to templates.

A chart directory (it has a ``Chart.yaml``) or a packaged chart (``.tgz``) is rendered,
never read as YAML. Two renderers:

- Helm's own library, in-process, through the PyPI package ``helm-python-sdk``
  (``pip install 'kubevet[helm]'``). It is imported only when a chart is scanned.
- A ``helm`` executable (``--helm-binary PATH``), run as ``helm template``.

With neither, scanning a chart is an error (exit 2) with an install hint: a chart is never
skipped silently.

The rendered output becomes one ``RenderedSource`` per render, laid out as
``helm template`` prints it (``---`` and ``# Source: <chart>/templates/x.yaml`` before each
document). ``HelmRender.place`` maps a line of it back: the finding's file becomes the
template inside the chart, its line the template line when the rendered line can be found
in the template reliably (see docs/helm-kustomize.md), and the values key the offending
value comes from when that value is exactly a value of the chart's values.

The package, one concern a module: ``chart`` (a chart's files, archives included),
``values`` (values files, the matrix, dependencies), ``sdk`` and ``binary`` (the two
renderers), ``errors`` (what fails and how Helm words it), ``stream`` (the rendered
output, indexed by template), ``mapping`` (lines back to templates and values keys).
This module renders a chart with them and is the package's public face.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import replace

from kubevet.loading.helm.binary import Binary
from kubevet.loading.helm.chart import (
    ARCHIVE_SUFFIXES,
    CHART_FILE,
    ChartFiles,
    is_chart_archive,
    is_chart_dir,
    safe_yaml,
)
from kubevet.loading.helm.errors import INSTALL_HINT, HelmUnavailable, RenderFailed
from kubevet.loading.helm.mapping import HelmRender, align, stdin_render
from kubevet.loading.helm.sdk import Library
from kubevet.loading.helm.stream import (
    TEST_HOOKS,
    Entry,
    index_stream,
    is_test_hook,
    parse_stream,
    render_stream,
    split_documents,
)
from kubevet.loading.helm.values import check_dependencies, matrix_label, values_matrix
from kubevet.loading.rendered import HelmOptions, RenderedSource
from kubevet.model import Problem

__all__ = [
    "ARCHIVE_SUFFIXES",
    "CHART_FILE",
    "INSTALL_HINT",
    "TEST_HOOKS",
    "ChartFiles",
    "Entry",
    "HelmOptions",
    "HelmRender",
    "HelmUnavailable",
    "RenderFailed",
    "align",
    "index_stream",
    "is_chart_archive",
    "is_chart_dir",
    "is_test_hook",
    "parse_stream",
    "render_chart",
    "split_documents",
    "stdin_render",
    "values_matrix",
]

# the release namespace is rendered as a stand-in of the same length (so that `trunc` cuts
# alike), then replaced by it: an object whose metadata.namespace was the stand-in took its
# namespace from the release (.Release.Namespace) rather than writing it itself
_STAND_IN = "kvrelns" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2


_COMPARES_NAMESPACE = re.compile(
    rb"\{\{(?:(?!\}\}).)*\b(?:eq|ne|hasPrefix|hasSuffix|contains|regexMatch|mustRegexMatch|has|lt|gt)\b"
    rb"(?:(?!\}\}).)*\.Release\.Namespace|\{\{(?:(?!\}\}).)*\.Release\.Namespace(?:(?!\}\}).)*"
    rb"\b(?:eq|ne|hasPrefix|hasSuffix|contains|regexMatch|mustRegexMatch|has|lt|gt)\b",
    re.DOTALL,
)


_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def render_chart(path: str, options: HelmOptions) -> tuple[list[RenderedSource], list[Problem]]:
    """Render a chart once, or once per values file of ``--values-matrix``.

    Returns the renders as sources and, for each render that failed, a render-error
    problem (the other renders and charts go on).
    """
    if len(options.release_name) > 53 or not _RELEASE_NAME.match(options.release_name):
        from kubevet.errors import UsageError

        raise UsageError(f"--release-name {options.release_name!r}: Helm release names are DNS names of at most 53 characters")
    matrix = values_matrix(path, options.values_matrix) if options.values_matrix else []
    runs: list[str | None] = list(matrix) if matrix else [None]
    sources: list[RenderedSource] = []
    problems: list[Problem] = []
    files = ChartFiles(path)
    try:
        meta = files.metadata()
        check_dependencies(files, meta)
    except RenderFailed as exc:
        return [], [exc.problem()]
    backend = None
    stand_in = _stand_in(options.namespace, files)
    render_options = replace(options, namespace=stand_in) if stand_in else options
    for values_file in runs:
        label = matrix_label(path, values_file) if values_file else None
        if options.values_matrix and not matrix:
            label = "values.yaml"  # no --values-matrix file for this chart: its defaults, said so
        display = path if label is None else f"{path} [values: {label}]"
        try:
            backend = backend or _backend(options)
            rendered = backend.render(path, files, render_options, values_file)
        except RenderFailed as exc:
            if stand_in:
                exc.message = exc.message.replace(stand_in, options.namespace)
            if label is not None:
                exc.message = f"{exc.message} (render with values {label})"
            problems.append(exc.problem())
            continue
        from_release: set[int] = set()
        if stand_in:
            rendered.documents, from_release = _restore_namespace(rendered.documents, stand_in, options.namespace)
        data, index = render_stream(rendered.documents, options.include_tests, from_release)
        render = HelmRender(
            chart=path,
            chart_name=str(meta.get("name") or ""),
            files=files,
            index=index,
            values=rendered.values,
            value_files=rendered.value_files,
            label=label,
        )
        sources.append(RenderedSource(display, data, render))
    if backend is not None:
        backend.close()
    return sources, problems


def _stand_in(namespace: str, files: ChartFiles) -> str | None:
    """What to render as the release namespace so that objects taking theirs from the
    release can be told apart, or None to render it as it is: a namespace too short for a
    stand-in that nothing else could contain, or a chart whose templates compare the
    release namespace with something (``eq .Release.Namespace "kube-system"``) and may
    branch on it. Every render equals ``helm template`` with the real namespace."""
    if len(namespace) < 5 or len(namespace) > len(_STAND_IN):
        return None
    if any(_COMPARES_NAMESPACE.search(text) for text in _template_texts(files)):
        return None
    return _STAND_IN[: len(namespace)]


def _template_texts(files: ChartFiles) -> Iterator[bytes]:
    """The texts of the chart's (and its unpacked subcharts') templates and helpers."""
    if files.archive:
        try:
            members = files._members()
        except RenderFailed:
            return
        yield from (data for name, data in members.items() if "/templates/" in name)
        return
    for root, _dirs, names in os.walk(files.path):
        if f"{os.sep}templates" not in root[len(files.path):] and not root.endswith("templates"):
            continue
        for name in names:
            try:
                with open(os.path.join(root, name), "rb") as fh:
                    yield fh.read()
            except OSError:
                continue


def _restore_namespace(
    documents: list[tuple[str, str]], stand_in: str, namespace: str
) -> tuple[list[tuple[str, str]], set[int]]:
    """Put ``namespace`` back where the release namespace's stand-in was rendered; the
    positions of the documents whose own metadata.namespace was the stand-in."""
    restored: list[tuple[str, str]] = []
    from_release: set[int] = set()
    for i, (template, text) in enumerate(documents):
        if stand_in in text:
            data = safe_yaml(text.encode("utf-8"))
            meta = data.get("metadata") if isinstance(data, dict) else None
            if isinstance(meta, dict) and meta.get("namespace") == stand_in:
                from_release.add(i)
            text = text.replace(stand_in, namespace)
        restored.append((template, text))
    return restored, from_release


def _backend(options: HelmOptions):
    if options.helm_binary:
        return Binary(options.helm_binary)
    return Library()
