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
"""

from __future__ import annotations

import difflib
import glob
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from kubevet.errors import KubevetError
from kubevet.findings import MISSING, value_at
from kubevet.loading.rendered import HelmOptions, Placement, Render, RenderedSource, json_equal  # noqa: F401 - HelmOptions lives there
from kubevet.model import Problem

CHART_FILE = "Chart.yaml"
ARCHIVE_SUFFIXES = (".tgz", ".tar.gz")
TEST_HOOKS = frozenset({"test", "test-success", "test-failure"})
INSTALL_HINT = (
    "pip install 'kubevet[helm]' (Helm's library, no helm binary needed), "
    "or pass --helm-binary PATH to use a helm executable"
)

_SOURCE_HEADER = re.compile(rb"^# Source: (.+?)\r?$", re.M)
_MARKER = re.compile(r"^---[ \t]*(?:#.*)?$", re.M)
# "parse error at (chart/templates/x.yaml:6)", "template: chart/templates/x.yaml:6:3: ..."
_ERROR_AT = re.compile(r"(?:at \(|template: |error calling \w+: )?([\w.@+-]+(?:/[\w.@+-]+)+\.\w+):(\d+)(?::(\d+))?")
_YAML_LINE = re.compile(r"\byaml: line (\d+)(?::(?: column (\d+))?)?")
_VALUES_REF = re.compile(r"\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
_ACTION = re.compile(r"\{\{.*?\}\}")
# the release namespace is rendered as a stand-in of the same length (so that `trunc` cuts
# alike), then replaced by it: an object whose metadata.namespace was the stand-in took its
# namespace from the release (.Release.Namespace) rather than writing it itself
_STAND_IN = "kvrelns" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2
_COMPARES_NAMESPACE = re.compile(
    rb"\{\{(?:(?!\}\}).)*\b(?:eq|ne|hasPrefix|hasSuffix|contains|regexMatch|mustRegexMatch|has|lt|gt)\b"
    rb"(?:(?!\}\}).)*\.Release\.Namespace|\{\{(?:(?!\}\}).)*\.Release\.Namespace(?:(?!\}\}).)*"
    rb"\b(?:eq|ne|hasPrefix|hasSuffix|contains|regexMatch|mustRegexMatch|has|lt|gt)\b",
    re.S,
)
_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


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


# --------------------------------------------------------------------------- detection


def is_chart_dir(path: str) -> bool:
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, CHART_FILE))


def is_chart_archive(path: str) -> bool:
    return path.lower().endswith(ARCHIVE_SUFFIXES) and os.path.isfile(path)


# --------------------------------------------------------------------------- chart files


class ChartFiles:
    """Read a chart's own files (Chart.yaml, values.yaml, templates) from a directory or a .tgz."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.archive = not os.path.isdir(path)
        self._tar: dict[str, bytes] | None = None
        self._top = ""

    def _members(self) -> dict[str, bytes]:
        if self._tar is None:
            self._tar = _read_tar(self.path)
            tops = {name.split("/", 1)[0] for name in self._tar if "/" in name}
            chart_tops = [t for t in tops if f"{t}/{CHART_FILE}" in self._tar]
            if len(chart_tops) != 1:
                raise RenderFailed(f"not a packaged Helm chart: no single <chart>/{CHART_FILE} inside", self.path)
            self._top = chart_tops[0]
        return self._tar

    def read(self, rel: str) -> bytes | None:
        """A file of the chart by its path inside the chart ("templates/x.yaml")."""
        if not self.archive:
            try:
                with open(os.path.join(self.path, rel), "rb") as fh:
                    return fh.read()
            except OSError:
                return _read_nested(os.path.join(self.path), rel)
        members = self._members()
        data = members.get(f"{self._top}/{rel}")
        if data is None:
            return _read_nested_members(members, self._top, rel)
        return data

    def display(self, rel: str) -> str:
        """The path findings use for a file of the chart."""
        if not self.archive:
            nested = _nested_archive(self.path, rel)
            if nested is not None:
                archive, inner = nested
                return f"{archive}/{inner}"
        return os.path.join(self.path, rel) if not self.archive else f"{self.path}/{rel}"

    def default_values(self) -> Any:
        """The chart's values.yaml, parsed once (only to name values keys)."""
        if not hasattr(self, "_values"):
            self._values = _safe_yaml(self.read("values.yaml") or b"")
        return self._values

    def metadata(self) -> dict:
        data = self.read(CHART_FILE)
        if data is None:
            raise RenderFailed(f"{CHART_FILE} is missing", self.path)
        meta = _yaml(data, self.display(CHART_FILE))
        if not isinstance(meta, dict):
            raise RenderFailed(f"{CHART_FILE} is not a map", self.display(CHART_FILE), 1)
        return meta

    def dependencies(self, meta: dict) -> list[dict]:
        deps = meta.get("dependencies")
        if deps is None and str(meta.get("apiVersion", "")) == "v1":
            req = self.read("requirements.yaml")
            if req is not None:
                loaded = _yaml(req, self.display("requirements.yaml"))
                deps = loaded.get("dependencies") if isinstance(loaded, dict) else None
        return [d for d in deps or [] if isinstance(d, dict) and isinstance(d.get("name"), str)]

    def vendored(self) -> set[str]:
        """Names of the charts under charts/ (directories and archives), as Helm loads them."""
        names: set[str] = set()
        if not self.archive:
            root = os.path.join(self.path, "charts")
            try:
                entries = sorted(os.listdir(root))
            except OSError:
                return names
            for entry in entries:
                full = os.path.join(root, entry)
                if os.path.isdir(full) and os.path.isfile(os.path.join(full, CHART_FILE)):
                    names.add(str(_name_of(_safe_yaml_file(os.path.join(full, CHART_FILE))) or entry))
                elif entry.lower().endswith(ARCHIVE_SUFFIXES):
                    try:
                        names.add(_archive_chart_name(_read_tar(full)) or entry)
                    except RenderFailed:
                        continue
            return names
        members = self._members()
        prefix = f"{self._top}/charts/"
        for name, data in members.items():
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix) :]
            if rest.count("/") == 1 and rest.endswith("/" + CHART_FILE):
                meta = _safe_yaml(data)
                names.add(str(_name_of(meta) or rest.split("/")[0]))
            elif "/" not in rest and rest.lower().endswith(ARCHIVE_SUFFIXES):
                try:
                    names.add(_archive_chart_name(_untar(data, name)) or rest)
                except RenderFailed:
                    continue
        return names


def _name_of(meta: Any) -> str | None:
    return meta.get("name") if isinstance(meta, dict) and isinstance(meta.get("name"), str) else None


def _read_tar(path: str) -> dict[str, bytes]:
    try:
        with open(path, "rb") as fh:
            return _untar(fh.read(), path)
    except OSError as exc:
        raise RenderFailed(f"cannot read chart archive: {exc.strerror or exc}", path) from None


def _untar(data: bytes, name: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for member in tar.getmembers():
                if member.isfile() and member.size < (64 << 20):
                    fh = tar.extractfile(member)
                    if fh is not None:
                        out[member.name.lstrip("./")] = fh.read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise RenderFailed(f"not a readable chart archive: {exc}", name) from None
    return out


def _archive_chart_name(members: dict[str, bytes]) -> str | None:
    for name, data in members.items():
        if name.count("/") == 1 and name.endswith("/" + CHART_FILE):
            return _name_of(_safe_yaml(data)) or name.split("/")[0]
    return None


def _nested_archive(chart_dir: str, rel: str) -> tuple[str, str] | None:
    """For "charts/sub/templates/x.yaml" of a subchart vendored as charts/sub-1.0.tgz:
    ("<chart>/charts/sub-1.0.tgz", "templates/x.yaml")."""
    parts = rel.split("/")
    if len(parts) < 3 or parts[0] != "charts" or os.path.isdir(os.path.join(chart_dir, "charts", parts[1])):
        return None
    root = os.path.join(chart_dir, "charts")
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return None
    for entry in entries:
        if entry.lower().endswith(ARCHIVE_SUFFIXES) and (entry == parts[1] or entry.startswith(parts[1] + "-")):
            return os.path.join(root, entry), "/".join(parts[2:])
    return None


def _read_nested(chart_dir: str, rel: str) -> bytes | None:
    nested = _nested_archive(chart_dir, rel)
    if nested is None:
        return None
    try:
        members = _read_tar(nested[0])
    except RenderFailed:
        return None
    top = rel.split("/")[1]
    return members.get(f"{top}/{nested[1]}")


def _read_nested_members(members: dict[str, bytes], top: str, rel: str) -> bytes | None:
    parts = rel.split("/")
    if len(parts) < 3 or parts[0] != "charts":
        return None
    for name, data in members.items():
        if name.startswith(f"{top}/charts/") and name.lower().endswith(ARCHIVE_SUFFIXES):
            try:
                inner = _untar(data, name)
            except RenderFailed:
                continue
            hit = inner.get(f"{parts[1]}/{'/'.join(parts[2:])}")
            if hit is not None:
                return hit
    return None


def _yaml(data: bytes, where: str) -> Any:
    import yaml

    try:
        return yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise RenderFailed(
            f"not valid YAML: {exc.problem or exc}", where, (mark.line + 1) if mark else 0, (mark.column + 1) if mark else 0
        ) from None
    except yaml.YAMLError as exc:
        raise RenderFailed(f"not valid YAML: {exc}", where) from None


def _safe_yaml(data: bytes) -> Any:
    try:
        return _yaml(data, "")
    except RenderFailed:
        return None


def _safe_yaml_file(path: str) -> Any:
    try:
        with open(path, "rb") as fh:
            return _safe_yaml(fh.read())
    except OSError:
        return None


# --------------------------------------------------------------------------- rendering


@dataclass
class Rendered:
    """One render's raw output: (template path as Helm names it, document text) in order."""

    documents: list[tuple[str, str]]
    values: dict  # the values the templates saw (.Values of the top chart), for key lookup
    value_files: list[tuple[str, Any]]  # (label, values) in merge order, chart defaults first


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
        _check_dependencies(files, meta)
    except RenderFailed as exc:
        return [], [exc.problem()]
    backend = None
    stand_in = _stand_in(options.namespace, files)
    render_options = replace(options, namespace=stand_in) if stand_in else options
    for values_file in runs:
        label = _label(path, values_file) if values_file else None
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
        data, index = _stream(rendered.documents, options.include_tests, from_release)
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
            data = _safe_yaml(text.encode("utf-8"))
            meta = data.get("metadata") if isinstance(data, dict) else None
            if isinstance(meta, dict) and meta.get("namespace") == stand_in:
                from_release.add(i)
            text = text.replace(stand_in, namespace)
        restored.append((template, text))
    return restored, from_release


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


def _label(chart: str, values_file: str) -> str:
    if os.path.isdir(chart):
        rel = os.path.relpath(values_file, chart)
        if not rel.startswith(".."):
            return rel.replace(os.sep, "/")
    return values_file


def _check_dependencies(files: ChartFiles, meta: dict) -> None:
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
    m = re.search(rb"^\s*-?\s*name:\s*['\"]?" + re.escape(missing[0]["name"].encode()) + rb"['\"]?\s*$", data, re.M)
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


def _backend(options: HelmOptions):
    if options.helm_binary:
        return _Binary(options.helm_binary)
    return _Library()


def _merge(base: dict, over: dict) -> dict:
    """Helm's mergeMaps: maps merge key by key, anything else is replaced."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


class _Library:
    """Helm v4 as a shared library, in-process (PyPI helm-python-sdk)."""

    def __init__(self) -> None:
        try:
            import helm_python  # noqa: F401 - imported here, and only when a chart is scanned
        except ImportError:
            raise HelmUnavailable(f"Helm charts have to be rendered, and Helm is not available: {INSTALL_HINT}") from None
        except OSError as exc:  # the bundled native library failed to load
            raise HelmUnavailable(f"Helm's library could not be loaded ({exc}): {INSTALL_HINT}") from None
        self.helm = helm_python

    def close(self) -> None:
        pass

    def render(self, path: str, files: ChartFiles, options: HelmOptions, matrix_file: str | None) -> Rendered:
        """One render, of a chart loaded for it alone: Helm's render changes the loaded
        chart (a dependency whose ``condition`` is false is removed from it for good), so
        a chart reused for the next values file of a matrix would render without that
        subchart, or fail. Each render equals a fresh ``helm template``."""
        helm = self.helm
        try:
            chart = helm.Chart.load(path)
        except helm.HelmError as exc:
            raise RenderFailed(f"Helm cannot load the chart: {_detail(exc)}", files.display(CHART_FILE)) from None
        try:
            return self._render_loaded(chart, files, options, matrix_file)
        finally:
            chart.close()

    def _render_loaded(self, chart, files: ChartFiles, options: HelmOptions, matrix_file: str | None) -> Rendered:
        helm = self.helm
        user: dict = {}
        sources: list[tuple[str, Any]] = [(files.display("values.yaml"), files.default_values())]
        for vf in [*options.values, *([matrix_file] if matrix_file else [])]:
            loaded = self._values_file(vf)
            sources.append((vf, loaded))
            user = _merge(user, loaded)
        for flag, parse, exprs in (
            ("--set", helm.parse_set_string, options.set),
            ("--set-string", helm.parse_set_string_values, options.set_string),
            ("--set-file", helm.parse_set_file, options.set_file),
        ):
            for expr in exprs:
                try:
                    parsed = parse(expr)
                except helm.HelmError as exc:
                    raise RenderFailed(f"{flag} {expr!r}: {_detail(exc)}", files.display(CHART_FILE)) from None
                sources.append((f"{flag} {expr}", parsed))
                user = _merge(user, parsed)
        manifests = self._render(chart, user, options, files)
        crds = chart.crds if options.include_crds else []
        try:
            values = chart.merge_values(user)
        except helm.HelmError:
            values = user
        documents: list[tuple[str, str]] = []
        for crd in crds:
            name = crd.get("filename") or crd.get("name") or "crds"
            documents.extend((name, doc) for doc in split_documents(crd.get("data", "")))
        for template in sorted(manifests):
            if template.endswith("NOTES.txt"):
                continue
            documents.extend((template, doc) for doc in split_documents(manifests[template]))
        return Rendered(documents, values, sources)

    def _values_file(self, path: str) -> dict:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise RenderFailed(f"values file cannot be read: {getattr(exc, 'strerror', None) or exc}", path) from None
        try:
            return self.helm.values_from_yaml(text)
        except self.helm.HelmError as exc:
            detail = _detail(exc)
            m = _YAML_LINE.search(detail)
            raise RenderFailed(
                f"values file is not valid: {detail}", path, int(m.group(1)) if m else 0, int(m.group(2) or 0) if m else 0
            ) from None

    def _render(self, chart, user: dict, options: HelmOptions, files: ChartFiles) -> dict[str, str]:
        helm = self.helm
        opts: dict[str, Any] = {
            "name": options.release_name,
            "namespace": options.namespace,
            "revision": 1,
            "is_install": True,
        }
        # Chart.render() does not pass these on, but the library's render options take them
        # (helm-c-sdk 0.2.2: kube_version, api_versions); older ones refuse unknown keys
        if options.kube_version:
            opts["kube_version"] = options.helm_kube_version()
        if options.api_versions:
            opts["api_versions"] = list(options.api_versions)
        try:
            try:
                from helm_python import _native

                call = _native.call_string
                handle = chart._raw()
            except (ImportError, AttributeError):
                # the library's internals moved: the public API, without capabilities
                if options.kube_version or options.api_versions:
                    raise HelmUnavailable(
                        "this version of Helm's library cannot set --kube-version / --api-versions; "
                        "pass --helm-binary PATH to render with a helm executable"
                    ) from None
                return chart.render(user, name=opts["name"], namespace=opts["namespace"], revision=1, is_install=True)
            return json.loads(call("helm_render", handle, json.dumps(user), json.dumps(opts)))
        except helm.HelmInvalidArgError as exc:
            detail = _detail(exc)
            if "unknown field" in detail and ("kube_version" in detail or "api_versions" in detail):
                raise HelmUnavailable(
                    "this version of Helm's library cannot set --kube-version / --api-versions; "
                    "pass --helm-binary PATH to render with a helm executable"
                ) from None
            raise RenderFailed(_render_message(detail), *_error_place(detail, files)) from None
        except helm.HelmError as exc:
            detail = _detail(exc)
            raise RenderFailed(_render_message(detail), *_error_place(detail, files)) from None


def _detail(exc: BaseException) -> str:
    return " ".join(str(getattr(exc, "detail", None) or exc).split())


def _render_message(detail: str) -> str:
    return f"Helm failed to render the chart: {detail}"


def _error_place(detail: str, files: ChartFiles) -> tuple[str, int, int]:
    """The template file and line a Helm error names, as a path of the scan."""
    for m in _ERROR_AT.finditer(detail):
        named = m.group(1)
        if "/" in named:
            rel = named.split("/", 1)[1]
            return files.display(rel), int(m.group(2)), int(m.group(3) or 0)
    if "schema" in detail:
        return files.display("values.schema.json"), 0, 0
    return files.display(CHART_FILE), 0, 0


class _Binary:
    """A helm executable, run as ``helm template``."""

    def __init__(self, binary: str) -> None:
        found = shutil.which(binary) if os.sep not in binary else (binary if os.access(binary, os.X_OK) else None)
        if not found:
            raise HelmUnavailable(f"--helm-binary {binary}: not an executable file")
        self.binary = found

    def close(self) -> None:
        pass

    def render(self, path: str, files: ChartFiles, options: HelmOptions, matrix_file: str | None) -> Rendered:
        cmd = [self.binary, "template", options.release_name, path, "--namespace", options.namespace]
        value_files = [*options.values, *([matrix_file] if matrix_file else [])]
        for vf in value_files:
            cmd += ["--values", vf]
        for flag, exprs in (("--set", options.set), ("--set-string", options.set_string), ("--set-file", options.set_file)):
            for expr in exprs:
                cmd += [flag, expr]
        if options.kube_version:
            cmd += ["--kube-version", options.helm_kube_version() or options.kube_version]
        for api in options.api_versions:
            cmd += ["--api-versions", api]
        if options.include_crds:
            cmd.append("--include-crds")
        if not options.include_tests:
            cmd.append("--skip-tests")
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RenderFailed(f"could not run {self.binary}: {exc}", files.display(CHART_FILE)) from None
        if proc.returncode != 0:
            detail = " ".join(proc.stderr.decode("utf-8", "replace").split()) or f"exit code {proc.returncode}"
            detail = detail.removeprefix("Error: ")
            for vf in value_files:
                if vf in detail:
                    m = _YAML_LINE.search(detail)
                    raise RenderFailed(
                        f"values file is not valid: {detail}", vf, int(m.group(1)) if m else 0, int(m.group(2) or 0) if m else 0
                    )
            raise RenderFailed(_render_message(detail), *_error_place(detail, files))
        documents = [(t, text) for t, text in parse_stream(proc.stdout)]
        # the values the templates saw, approximately (chart defaults and -f files merged;
        # only used to name a values key when a rendered value equals one exactly)
        sources: list[tuple[str, Any]] = [(files.display("values.yaml"), files.default_values())]
        values: dict = sources[0][1] if isinstance(sources[0][1], dict) else {}
        for vf in value_files:
            loaded = _safe_yaml_file(vf)
            if isinstance(loaded, dict):
                sources.append((vf, loaded))
                values = _merge(values, loaded)
        return Rendered(documents, values, sources)


# --------------------------------------------------------------------------- streams


def split_documents(text: str) -> list[str]:
    """A template's output cut into documents as Helm does: at ``---`` lines, trimmed,
    empty ones dropped."""
    docs = []
    for part in _MARKER.split(text):
        part = part.strip()
        if part:
            docs.append(part)
    return docs


def parse_stream(data: bytes) -> Iterator[tuple[str, str]]:
    """(template, document) for each document of ``helm template`` output."""
    for entry in index_stream(data):
        text = data[entry.offset : entry.end_offset].decode("utf-8", "replace").strip()
        if text:
            yield entry.template, text


@dataclass
class Entry:
    """One rendered document of a stream: its lines (0-based, content only) and template."""

    template: str  # as Helm names it: "<chart>/templates/x.yaml"
    document: int  # 1-based, among the documents of that template
    first: int  # first line of the content (after "# Source:")
    last: int  # last line of the content
    offset: int = 0
    end_offset: int = 0
    namespace_from_release: bool = False  # its metadata.namespace is .Release.Namespace


def index_stream(data: bytes) -> list[Entry]:
    """Find the ``# Source:`` headers of a rendered stream and the lines under each."""
    entries: list[Entry] = []
    headers = list(_SOURCE_HEADER.finditer(data))
    counts: dict[str, int] = {}
    for i, m in enumerate(headers):
        template = m.group(1).decode("utf-8", "replace").strip()
        start = data.find(b"\n", m.end())
        start = len(data) if start < 0 else start + 1
        stop = headers[i + 1].start() if i + 1 < len(headers) else len(data)
        # the document ends at the next column-0 "---"
        marker = re.compile(rb"^---(?=[ \t\r\n]|\Z)", re.M).search(data, start, stop)
        end = marker.start() if marker else stop
        counts[template] = counts.get(template, 0) + 1
        first = data.count(b"\n", 0, start)
        last = first + max(data.count(b"\n", start, end) - 1, 0)
        entries.append(Entry(template, counts[template], first, last, start, end))
    return entries


def _stream(
    documents: list[tuple[str, str]], include_tests: bool, from_release: set[int] = frozenset()  # type: ignore[assignment]
) -> tuple[bytes, list[Entry]]:
    """The render laid out as ``helm template`` prints it, and its index.

    Test hooks are left out unless asked for (as ``helm template --skip-tests``); their
    number is kept, so a document's number is the same with and without them.
    """
    parts: list[str] = []
    counts: dict[str, int] = {}
    entries: list[Entry] = []
    line = 0
    for position, (template, text) in enumerate(documents):
        counts[template] = counts.get(template, 0) + 1
        if not include_tests and is_test_hook(text):
            continue
        parts.append(f"---\n# Source: {template}\n{text}\n")
        n = text.count("\n") + 1
        entry = Entry(template, counts[template], line + 2, line + 2 + n - 1)
        entry.namespace_from_release = position in from_release
        entries.append(entry)
        line += n + 2
    return "".join(parts).encode("utf-8"), entries


_HOOK = re.compile(r"^\s+['\"]?helm\.sh/hook['\"]?\s*:\s*(.+)$", re.M)


def is_test_hook(text: str) -> bool:
    """Whether a rendered document is a Helm test (``helm.sh/hook: test``)."""
    m = _HOOK.search(text)
    if not m:
        return False
    words = {w.strip().strip("'\"") for w in m.group(1).split("#")[0].split(",")}
    if not words & TEST_HOOKS:
        return False
    meta = _safe_yaml(text.encode("utf-8"))
    if not isinstance(meta, dict):
        return False
    annotations = (meta.get("metadata") or {}).get("annotations") if isinstance(meta.get("metadata"), dict) else None
    hook = annotations.get("helm.sh/hook") if isinstance(annotations, dict) else None
    return isinstance(hook, str) and bool({w.strip() for w in hook.split(",")} & TEST_HOOKS)


# --------------------------------------------------------------------------- mapping back


class HelmRender(Render):
    """One render of a chart (or a ``helm template`` stream read from stdin)."""

    kind = "helm"

    def __init__(
        self,
        chart: str | None,
        chart_name: str,
        files: ChartFiles | None,
        index: list[Entry],
        values: dict | None = None,
        value_files: list[tuple[str, Any]] | None = None,
        label: str | None = None,
    ) -> None:
        self.chart = chart
        self.group = chart or ""
        self.chart_name = chart_name
        self.files = files
        self.index = index
        self.values = values or {}
        self.value_files = value_files or []
        self.label = label
        self._texts: dict[str, list[str] | None] = {}
        self._aligned: dict[int, dict[int, tuple[int, str]]] = {}
        self._docs: dict[int, Any] = {}

    # a render holds its chart files' texts lazily; keep pickling (worker processes) light
    def __getstate__(self):
        state = dict(self.__dict__)
        state["_texts"], state["_aligned"], state["_docs"] = {}, {}, {}
        return state

    def _entry(self, line0: int) -> tuple[int, Entry] | None:
        lo, hi = 0, len(self.index) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            e = self.index[mid]
            if line0 < e.first - 2:
                hi = mid - 1
            elif line0 > e.last:
                lo = mid + 1
            else:
                return mid, e
        return None

    def namespace_from_release(self, line: int) -> bool:
        hit = self._entry(line - 1) if line > 0 else None
        return hit is not None and hit[1].namespace_from_release

    def _rel(self, template: str) -> str:
        """"podinfo/templates/x.yaml" -> "templates/x.yaml" (the path inside the chart)."""
        return template.split("/", 1)[1] if "/" in template else template

    def template_file(self, template: str) -> str | None:
        if self.files is None:
            return None
        return self.files.display(self._rel(template))

    def place(self, source: RenderedSource, line: int, column: int, path: tuple = ()) -> Placement | None:
        if line <= 0:
            return None
        hit = self._entry(line - 1)
        if hit is None:
            return None
        i, entry = hit
        self.prepare(source, line)
        doc_line = line - 1 - entry.first + 1  # 1-based inside the document's content
        rendered: dict[str, Any] = {"kind": "helm", "group": self.group, "values": self.label}
        rel = self._rel(entry.template)
        rendered.update({"template": rel, "document": entry.document, "line": doc_line})
        if doc_line <= 0:  # the "---" or "# Source:" line itself
            doc_line = 1
        file = self.template_file(entry.template)
        origin = f"{entry.template if file is None else rel}: rendered document {entry.document}, line {doc_line}"
        if file is None:
            # stdin from `helm template`, chart not found here: keep the stream's position
            if self.label:
                origin += f" [values: {self.label}]"
            return Placement(source.display, line, column, origin, {"rendered": rendered})
        mapped = self._map_line(i, entry, doc_line - 1)
        tline, tcol, how = 0, 0, "none"
        if mapped is not None:
            tline0, how = mapped
            tline = tline0 + 1
            texts = self._template_lines(rel) or []
            rendered_text = self._doc_lines(source, entry)
            if how == "enclosing":
                tcol = _indent(texts[tline0]) + 1 if tline0 < len(texts) else 1
            elif column:
                shift = _indent(texts[tline0]) - _indent(rendered_text[doc_line - 1])
                tcol = max(column + shift, 1)
        rendered["templateLine"] = tline or None
        rendered["match"] = how
        extra: dict[str, Any] = {"rendered": rendered}
        if tline:
            origin = f"{rel}:{tline} ({how} match); rendered document {entry.document}, line {doc_line}"
        else:
            origin = f"{rel}: rendered document {entry.document}, line {doc_line} (no template line matched)"
        key = self._values_key(source, entry, doc_line - 1, mapped, path) if mapped is not None else None
        if key is not None:
            extra["valuesKey"] = key
            origin += f"; value of .Values.{key['key']}" + (f" ({key['file']})" if key.get("file") else "")
        if self.label:
            origin += f" [values: {self.label}]"
        return Placement(file, tline, tcol if tline else 0, origin, extra)

    # -- template text and alignment

    def describe(self, source: RenderedSource, line: int) -> str:
        hit = self._entry(line - 1)
        if hit is None:
            return source.display
        entry = hit[1]
        name = entry.template if self.files is None else self._rel(entry.template)
        text = f"{name}: rendered document {entry.document}, line {max(line - 1 - entry.first + 1, 1)}"
        return text + (f" [values: {self.label}]" if self.label else "")

    def _template_lines(self, rel: str) -> list[str] | None:
        if rel not in self._texts:
            data = self.files.read(rel) if self.files is not None else None
            self._texts[rel] = data.decode("utf-8", "replace").splitlines() if data is not None else None
        return self._texts[rel]

    def _doc_lines(self, source: RenderedSource, entry: Entry) -> list[str]:
        data = source.data or b""
        lines = data.split(b"\n")
        return [ln.decode("utf-8", "replace") for ln in lines[entry.first : entry.last + 1]]

    def _map_line(self, i: int, entry: Entry, j: int) -> tuple[int, str] | None:
        """The template line (0-based) and how it was found, for line j of a document."""
        aligned = self._aligned.get(i)
        if aligned is None:
            return None
        hit = aligned.get(j)
        if hit is not None:
            return hit
        # the nearest enclosing line that maps: the block the finding is in
        rendered = aligned.get(-1)  # type: ignore[assignment]
        lines: list[str] = rendered  # type: ignore[assignment]
        for parent in _parents(lines, j):
            hit = aligned.get(parent)
            if hit is not None:
                return hit[0], "enclosing"
        return None

    def prepare(self, source: RenderedSource, line: int) -> None:
        hit = self._entry(line - 1)
        if hit is None:
            return
        i, entry = hit
        if i in self._aligned:
            return
        template = self._template_lines(self._rel(entry.template))
        lines = self._doc_lines(source, entry)
        aligned: dict = align(template or [], lines) if template is not None else {}
        aligned[-1] = lines
        self._aligned[i] = aligned

    def _values_key(self, source, entry: Entry, j: int, mapped, path: tuple) -> dict | None:
        """The .Values key a value comes from, when the template line (or the lines right
        under it) reads .Values keys and exactly one of them holds the rendered value."""
        if not path or not self.values:
            return None
        template = self._template_lines(self._rel(entry.template)) or []
        refs = _region_refs(template, mapped[0])
        if not refs:
            return None
        scope = self._scope(entry.template)
        for depth in range(len(path), 0, -1):
            node = self._value_at(source, entry, path[:depth])
            if node is MISSING:
                continue
            if depth < len(path) and not isinstance(node, (dict, list)):
                continue
            hits = [r for r in refs if json_equal(_get(scope, r), node)]
            if len(hits) != 1:
                continue
            keys = [*self._prefix(entry.template), *hits[0].split(".")]
            full = ".".join(keys)
            for part in path[depth:]:
                full += f"[{part}]" if isinstance(part, int) else f".{part}"
            return {"key": full, "file": self._defined_in(keys)}
        return None

    def _value_at(self, source, entry: Entry, path: tuple):
        doc = self._docs.get(entry.first)
        if doc is None:
            from kubevet.loading.yaml_decode import decode

            lines = self._doc_lines(source, entry)
            data = "\n".join(lines).encode("utf-8")
            try:
                values, _ = decode(data)
                doc = values[0][0] if values else None
            except Exception:  # noqa: BLE001
                doc = None
            self._docs[entry.first] = doc
        return value_at(doc, path)

    def _prefix(self, template: str) -> list[str]:
        """Values path of a subchart: "parent/charts/sub/templates/x" -> ["sub"]."""
        parts = template.split("/")
        out = []
        for k in range(1, len(parts) - 1):
            if parts[k] == "charts" and k + 1 < len(parts):
                out.append(parts[k + 1])
        return out

    def _scope(self, template: str):
        scope: Any = self.values
        for name in self._prefix(template):
            scope = scope.get(name) if isinstance(scope, dict) else None
        return scope if isinstance(scope, dict) else {}

    def _defined_in(self, keys: list[str]) -> str | None:
        for label, values in reversed(self.value_files):
            if _get(values, ".".join(keys)) is not MISSING:
                return label
        return None




def _get(values: Any, dotted: str):
    """A values key written with dots (image.tag), or MISSING."""
    return value_at(values, dotted.split("."))


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _parents(lines: list[str], j: int) -> Iterator[int]:
    """The lines that enclose line j of a YAML block, innermost first."""
    if j >= len(lines):
        return
    cur = lines[j]
    indent = _indent(cur)
    item = cur.lstrip().startswith("- ")
    for k in range(j - 1, -1, -1):
        text = lines[k]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        ind = _indent(text)
        is_item = text.lstrip().startswith("- ")
        if ind < indent or (ind == indent and item and not is_item and text.rstrip().endswith(":")):
            yield k
            indent, item = ind, is_item
            if indent == 0 and not item:
                return


def align(template: list[str], rendered: list[str]) -> dict[int, tuple[int, str]]:
    """Map the lines of one rendered document to template lines: {line: (template line, how)}.

    The template is cut at its ``---`` lines, and the document is aligned with the part
    that shares the most literal lines with it (a part inside a ``range`` renders several
    documents). "exact": the part holds the line literally, in an order-preserving
    alignment of the two texts (difflib), and the match is a run of at least two lines or
    the line is unique in the part. "pattern": a template line with actions ({{ ... }})
    whose literal text matches the rendered line, the only such line between the exact
    matches around it. Comments count: Helm keeps them, and they are often unique.
    """
    def norm_t(i: int, text: str):
        s = text.strip()
        if not s or "{{" in s or s == "---":
            return ("t", i)
        return s

    def norm_r(j: int, text: str):
        s = text.strip()
        return ("r", j) if not s else s

    b = [norm_r(j, r) for j, r in enumerate(rendered)]
    bounds = [0] + [i + 1 for i, t in enumerate(template) if t.rstrip() == "---"] + [len(template) + 1]
    best: tuple[int, int, int, list] | None = None
    for start, stop in zip(bounds, bounds[1:]):
        stop = min(stop - 1, len(template)) if stop <= len(template) else len(template)
        part = [norm_t(i, template[i]) for i in range(start, stop)]
        matcher = difflib.SequenceMatcher(None, part, b, autojunk=False)
        blocks = [blk for blk in matcher.get_matching_blocks() if blk.size]
        score = sum(blk.size for blk in blocks)
        if best is None or score > best[0]:
            best = (score, start, stop, blocks)
    if best is None:
        return {}
    _, start, stop, blocks = best
    counts: dict[str, int] = {}
    for i in range(start, stop):
        x = norm_t(i, template[i])
        if isinstance(x, str):
            counts[x] = counts.get(x, 0) + 1
    out: dict[int, tuple[int, str]] = {}
    part = [norm_t(i, template[i]) for i in range(start, stop)]
    for blk in blocks:
        # a run of lines the template holds twice (two containers with the same probe) may
        # be the other one: difflib takes the first, so such a run is no anchor
        unique_run = blk.size >= 2 and _occurrences(part, part[blk.a : blk.a + blk.size]) == 1
        for k in range(blk.size):
            text = b[blk.b + k]
            if unique_run or counts.get(text, 0) == 1:  # type: ignore[arg-type]
                out[blk.b + k] = (start + blk.a + k, "exact")
    # templated lines between the exact anchors
    anchors = sorted(out.items())
    patterns: dict[int, re.Pattern | None] = {}
    for j, r in enumerate(rendered):
        if j in out or not r.strip():
            continue
        lo, hi = start - 1, stop
        for rj, (ti, _) in anchors:
            if rj < j:
                lo = max(lo, ti)
            elif rj > j:
                hi = min(hi, ti)
                break
        same = [i for i in range(lo + 1, hi) if template[i].rstrip() == r.rstrip()]
        if len(same) == 1:  # literal, and the only one at this indentation between the anchors
            out[j] = (same[0], "exact")
            continue
        text = r.strip()
        found = [
            i for i in range(lo + 1, hi)
            if "{{" in template[i] and _pattern(template[i], patterns, i) is not None and patterns[i].fullmatch(text)
        ]
        if len(found) == 1:
            out[j] = (found[0], "pattern")
    return out


def _occurrences(part: list, run: list) -> int:
    """How many times ``run`` occurs in ``part`` as consecutive lines."""
    n = len(run)
    first = run[0]
    return sum(1 for i in range(len(part) - n + 1) if part[i] == first and part[i : i + n] == run)


def _pattern(line: str, cache: dict, i: int):
    if i in cache:
        return cache[i]
    s = line.strip()
    literal = _ACTION.sub("", s)
    if "{{" in literal or len(literal.replace(" ", "")) < 3 or s.startswith("{{"):
        cache[i] = None
        return None
    parts = _ACTION.split(s)
    cache[i] = re.compile(".*?".join(re.escape(p) for p in parts))
    return cache[i]


def _region_refs(template: list[str], i: int) -> list[str]:
    """.Values keys read on template line i and on the lines that make up its value."""
    if i >= len(template):
        return []
    refs: list[str] = []
    base = _indent(template[i])
    region = [template[i]]
    for k in range(i + 1, min(len(template), i + 40)):
        text = template[k]
        s = text.strip()
        if not s:
            continue
        if _indent(text) > base or (s.startswith("{{") and s.endswith("}}") and not re.match(r"\{\{-?\s*(end|else)\b", s)):
            if re.match(r"\{\{-?\s*(end|else)\b", s):
                break
            region.append(text)
        else:
            break
    uses_dot = False
    for text in region:
        refs.extend(m.group(1)[1:] for m in _VALUES_REF.finditer(text))
        if re.search(r"\{\{-?\s*(toYaml|toJson)\s+\.\s", text) or re.search(r"\{\{-?\s*\.\s*(\||}})", text):
            uses_dot = True
    if uses_dot:
        # {{- with .Values.x }} just above the key: "." is .Values.x
        for k in range(i - 1, max(-1, i - 3), -1):
            m = re.match(r"\s*\{\{-?\s*with\s+\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", template[k])
            if m:
                refs.append(m.group(1)[1:])
                break
    return list(dict.fromkeys(refs))


# --------------------------------------------------------------------------- stdin


def stdin_render(data: bytes, cwd: str | None = None) -> HelmRender | None:
    """A render for ``helm template ... | kubevet scan -``: None when the input has no
    ``# Source:`` headers. The chart is looked for under the working directory (the first
    component of the header is the chart's name): ``./<name>/`` or ``.`` itself."""
    if not _SOURCE_HEADER.search(data):
        return None
    index = index_stream(data)
    if not index:
        return None
    name = index[0].template.split("/", 1)[0]
    cwd = cwd or os.getcwd()
    chart: str | None = None
    for candidate in (name, "."):
        full = os.path.join(cwd, candidate)
        if is_chart_dir(full) and _name_of(_safe_yaml_file(os.path.join(full, CHART_FILE))) == name:
            chart = os.path.normpath(candidate)
            break
    files = ChartFiles(chart) if chart is not None else None
    values = _safe_yaml(files.read("values.yaml") or b"") if files is not None else None
    value_files = [(files.display("values.yaml"), values)] if files is not None else []
    return HelmRender(chart, name, files, index, values if isinstance(values, dict) else {}, value_files)
