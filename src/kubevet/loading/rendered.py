"""Sources that kubevet rendered (a Helm chart, a kustomization) and mapping findings back.

A render becomes one ``RenderedSource``: the whole rendered stream, held in memory, under a
display name unique to the render. The engine judges it like any other source and places
findings at lines of that stream; ``move_to_origins`` then moves every finding, skipped document and
checked object of a rendered source to the file it really comes from (a chart's template,
a kustomization's base file), keeps the rendered position in ``Finding.extra``, and merges
the findings that several renders of one chart (``--values-matrix``) have in common.

Nothing here imports Helm or runs kustomize: the renderers live in ``helm`` and
``kustomize``; this module only knows the ``RenderMap`` interface they implement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kubevet.findings import MISSING
from kubevet.model import Document, Source


@dataclass
class HelmOptions:
    """What ``helm template`` is told: values, release, capabilities, what to include."""

    values: list[str] = field(default_factory=list)  # -f/--values, merged in order
    set: list[str] = field(default_factory=list)
    set_string: list[str] = field(default_factory=list)
    set_file: list[str] = field(default_factory=list)
    release_name: str = "release-name"
    namespace: str = "default"
    kube_version: str | None = None
    api_versions: list[str] = field(default_factory=list)
    include_crds: bool = False
    include_tests: bool = False
    helm_binary: str | None = None
    values_matrix: list[str] = field(default_factory=list)  # DIR or GLOB, one render per file

    def helm_kube_version(self) -> str | None:
        """The Kubernetes version as Helm parses it: "1.29" -> "v1.29.0"."""
        if not self.kube_version:
            return None
        v = self.kube_version.strip().lstrip("vV")
        parts = v.split(".")
        while len(parts) < 3:
            parts.append("0")
        return "v" + ".".join(parts)


@dataclass
class Placement:
    """Where a finding on a rendered object belongs in the user's files."""

    file: str
    line: int
    column: int = 0
    origin: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class RenderMap:
    """What a renderer knows about one render: how to map a line of its output back.

    ``group`` names the thing rendered (a chart path); renders of one group with
    different ``label`` s (values files) are compared by ``move_to_origins``.
    """

    kind = "render"
    group: str = ""
    label: str | None = None

    def place(self, source: RenderedSource, line: int, column: int, path: tuple = ()) -> Placement | None:
        raise NotImplementedError

    def describe(self, source: RenderedSource, line: int) -> str:
        placed = self.place(source, line, 0)
        return placed.origin if placed and placed.origin else source.display

    def namespace_from_release(self, line: int) -> bool:
        """Whether the object starting at ``line`` of the output took its namespace from the
        render's release (Helm's .Release.Namespace) rather than writing it itself."""
        return False


Render = RenderMap  # its former name


class RenderedSource(Source):
    """Rendered output held in memory, with the render that maps it back."""

    __slots__ = ("render",)

    def __init__(self, display: str, data: bytes, render: RenderMap) -> None:
        super().__init__(None, display, data)
        self.render = render
        # for callers that never call move_to_origins(): the engine still names the template
        self.origin_of = self._origin

    def namespace_from_release(self, line: int) -> bool:
        return self.render.namespace_from_release(line)

    def _origin(self, doc: Document, line: int) -> str:
        try:
            return self.render.describe(self, line)
        except Exception:  # noqa: BLE001 - mapping back must never break a scan
            return self.display


def move_to_origins(result, sources: Sequence[Source]) -> None:
    """Move what a scan reports about rendered sources to the files they come from.

    Findings, skipped documents and JUnit's checked objects keep their rule, message and
    object; only their place changes (and ``origin`` / ``extra`` say where in the render
    they were). Findings that every render of a ``--values-matrix`` share are reported
    once, with the list of renders. The result is sorted again.
    """
    from kubevet.findings import Finding
    from kubevet.model import Skipped

    rendered = {s.display: s for s in sources if isinstance(s, RenderedSource)}
    if not rendered:
        return
    for f in result.findings:
        source = rendered.get(f.file)
        if source is None:
            continue
        try:
            placed = source.render.place(source, f.line, f.column, tuple(f.path))
        except Exception:  # noqa: BLE001
            placed = None
        if placed is None:
            continue
        f.file, f.line, f.column = placed.file, placed.line, placed.column
        if placed.origin:
            f.origin = placed.origin
        if placed.extra:
            f.extra = {**f.extra, **placed.extra}
    skipped = []
    for s in result.skipped:
        source = rendered.get(s.file)
        placed = _place_quietly(source, s.line)
        if placed is not None:
            reason = s.reason if not placed.origin else f"{s.reason} ({placed.origin})"
            s = Skipped(placed.file, placed.line, reason)
        skipped.append(s)
    result.skipped = skipped
    checked = []
    for ref, file, line, names in result.checked:
        placed = _place_quietly(rendered.get(file), line)
        if placed is not None:
            file, line = placed.file, placed.line
        checked.append((ref, file, line, names))
    result.checked = checked
    errors = []
    for e in result.input_errors:
        placed = _place_quietly(rendered.get(e.file), e.line) if e.line else None
        if placed is not None:
            e = replace(e, file=placed.file, line=placed.line)
        errors.append(e)
    result.input_errors = errors
    _merge_renders(result, rendered.values())
    result.findings.sort(key=Finding.sort_key)
    result.skipped.sort(key=lambda s: (s.file, s.line))
    result.checked.sort(key=lambda c: (c[1], c[2]))


def _place_quietly(source: RenderedSource | None, line: int) -> Placement | None:
    if source is None:
        return None
    try:
        return source.render.place(source, line, 0)
    except Exception:  # noqa: BLE001
        return None


def _merge_renders(result, sources: Iterable[RenderedSource]) -> None:
    """One finding for what several renders of a chart report alike, listing the renders."""
    labels: dict[str, list[str]] = defaultdict(list)
    for s in sources:
        if s.render.label is not None and s.render.label not in labels[s.render.group]:
            labels[s.render.group].append(s.render.label)
    if not any(len(v) > 1 for v in labels.values()):
        return
    merged: dict[tuple, Any] = {}
    out = []
    for f in result.findings:
        render = f.extra.get("rendered") if f.extra else None
        if not render or len(labels.get(render.get("group", ""), ())) < 2:
            out.append(f)
            continue
        # the same complaint at the same template line (the field may differ a little:
        # "no CPU limit" points at resources in one render, at resources.limits in another)
        key = (render["group"], f.code, f.rule, f.file, f.line, f.message, f.obj, f.severity, f.suppressed)
        first = merged.get(key)
        if first is None:
            f.extra = {**f.extra, "renders": [render["values"]]}
            merged[key] = f
            out.append(f)
        elif render["values"] not in first.extra["renders"]:
            first.extra["renders"].append(render["values"])
    for f in merged.values():
        group = f.extra["rendered"]["group"]
        renders = f.extra["renders"]
        every = len(renders) == len(labels[group])
        f.extra["everyRender"] = every
        if len(renders) > 1:
            # the first render's position stays in "rendered"; the label moves to "renders"
            f.extra["rendered"] = {k: v for k, v in f.extra["rendered"].items() if k != "values"}
            where = f"every render ({len(renders)})" if every else f"{len(renders)} of {len(labels[group])} renders"
            base = f.origin or ""
            base = base.split(" [values: ", 1)[0]
            f.origin = f"{base} [{where}: {', '.join(renders)}]"
    result.findings = out


def json_equal(a: Any, b: Any) -> bool:
    """Equal as JSON values: true is not 1, 1 is 1.0 (how renderers match a value of their
    output to the value or template that produced it)."""
    if a is MISSING or b is MISSING:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    return a == b
