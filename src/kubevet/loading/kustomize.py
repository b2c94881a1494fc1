"""Kustomizations: build them with real kustomize and map findings back to their files.

A directory with a ``kustomization.yaml`` (``.yml``, or ``Kustomization``) is built with
``kustomize build`` or ``kubectl kustomize``, whichever is on PATH (``kustomize`` first),
and the output is judged as one ``RenderedSource``.

To know which file each object comes from, kustomize is run a second time on a throw-away
kustomization that includes the target and asks for origin annotations
(``buildMetadata: [originAnnotations]``); the annotation names the resource file (or the
generator) of every object. A finding is then placed in that file when the offending
field has the same value there as in the build (the overlay did not change it), at the
field's line; otherwise in the kustomization that was built.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any

from kubevet.errors import KubevetError
from kubevet.findings import MISSING, value_at
from kubevet.loading.rendered import Placement, RenderedSource, RenderMap, json_equal
from kubevet.model import Problem

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
INSTALL_HINT = "install kubectl (it includes kustomize) or kustomize, and put it on PATH"
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)", re.I)
_MARKER = re.compile(rb"^---(?=[ \t\r\n]|\Z)", re.M)
# keys of a kustomization whose entries name local files or directories
_PATH_LISTS = (
    "resources", "bases", "components", "crds", "patchesStrategicMerge", "configurations",
    "generators", "transformers", "validators",
)
_PATH_ITEMS = ("patches", "patchesJson6902", "replacements")
_GENERATORS = ("configMapGenerator", "secretGenerator")


class KustomizeUnavailable(KubevetError):
    """A kustomization has to be built and there is no kustomize to build it."""


def kustomization_file(directory: str) -> str | None:
    for name in KUSTOMIZATION_FILES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def is_kustomization(path: str) -> bool:
    return os.path.isdir(path) and kustomization_file(path) is not None


def references(directory: str) -> tuple[set[str], set[str]]:
    """The local directories and files a kustomization reads (real paths).

    Directories are its bases and components (kustomizations themselves); files are its
    resources, patches, generator inputs and the like. Remote references are left out.
    """
    dirs: set[str] = set()
    files: set[str] = set()
    path = kustomization_file(directory)
    if path is None:
        return dirs, files
    data = _load(path)
    if not isinstance(data, dict):
        return dirs, files
    entries: list[str] = []
    for key in _PATH_LISTS:
        value = data.get(key)
        if isinstance(value, list):
            entries.extend(v for v in value if isinstance(v, str) and "\n" not in v)
    for key in _PATH_ITEMS:
        value = data.get(key)
        if isinstance(value, list):
            entries.extend(v["path"] for v in value if isinstance(v, dict) and isinstance(v.get("path"), str))
    for key in _GENERATORS:
        value = data.get(key)
        if isinstance(value, list):
            for gen in value:
                if not isinstance(gen, dict):
                    continue
                for field in ("files", "envs"):
                    for item in gen.get(field) or []:
                        if isinstance(item, str):
                            entries.append(item.split("=", 1)[-1])
                if isinstance(gen.get("env"), str):
                    entries.append(gen["env"])
    for entry in entries:
        if _REMOTE.match(entry):
            continue
        full = os.path.realpath(os.path.join(directory, entry))
        if os.path.isdir(full):
            dirs.add(full)
        elif os.path.isfile(full):
            files.add(full)
    return dirs, files


def _load(path: str) -> Any:
    import yaml

    try:
        with open(path, "rb") as fh:
            return yaml.load(fh.read(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError):
        return None


def command() -> list[str]:
    """How to run kustomize here: ``kustomize build`` or ``kubectl kustomize``."""
    found = shutil.which("kustomize")
    if found:
        return [found, "build"]
    found = shutil.which("kubectl")
    if found:
        return [found, "kustomize"]
    raise KustomizeUnavailable(f"kustomizations have to be built, and neither kustomize nor kubectl is on PATH: {INSTALL_HINT}")


def build(directory: str, helm_binary: str | None = None) -> tuple[list[RenderedSource], list[Problem]]:
    """Build a kustomization: its output as a source, or a render-error problem."""
    kfile = kustomization_file(directory) or os.path.join(directory, KUSTOMIZATION_FILES[0])
    base_cmd = command()
    extra: list[str] = []
    text = _read_text(kfile)
    if re.search(r"^helmCharts\s*:", text, re.M):
        extra.append("--enable-helm")
        if helm_binary:
            extra += ["--helm-command", helm_binary]
    with tempfile.TemporaryDirectory(prefix="kubevet-kustomize-") as tmp:
        # the build that names origins runs beside the real one (see _origins)
        annotated = _start_annotated(base_cmd, directory, extra, tmp)
        try:
            proc = subprocess.run([*base_cmd, directory, *extra], capture_output=True, timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            _stop(annotated)
            return [], [Problem("render-error", f"could not run kustomize: {exc}", kfile, 0)]
        if proc.returncode != 0:
            _stop(annotated)
            detail = _error_text(proc.stderr)
            return [], [Problem("render-error", f"kustomize failed to build {directory}: {detail}", kfile, 0)]
        data = proc.stdout
        entries = _index(data)
        origins = _origins(annotated, tmp, entries)
    render = KustomizeRender(directory, kfile, entries, origins)
    return [RenderedSource(directory, data, render)], []


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def _error_text(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace")
    # kubectl wraps the message: E1125 ... run.go:72] "command failed" err="..."
    m = re.search(r'err="(.*)"\s*$', text, re.S)
    if m:
        text = m.group(1).replace('\\"', '"')
    text = text.strip().removeprefix("Error: ").removeprefix("error: ")
    return " ".join(text.split()) or "failed"


@dataclass
class _Doc:
    first: int  # 0-based first line of the document (after its "---")
    last: int
    offset: int
    end: int
    kind: str = ""
    name: str = ""
    namespace: str = ""


def _index(data: bytes) -> list[_Doc]:
    docs = []
    starts = [0] + [m.start() for m in _MARKER.finditer(data) if m.start() > 0]
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(data)
        body = start
        if data.startswith(b"---", start):
            nl = data.find(b"\n", start)
            body = end if nl < 0 else nl + 1
        first = data.count(b"\n", 0, body)
        last = first + max(data.count(b"\n", body, end) - 1, 0)
        doc = _Doc(first, last, body, end)
        head = data[body:end]
        doc.kind = _top(head, b"kind")
        m = re.search(rb"^metadata:\s*\n((?:[ \t]+.*\n?)*)", head, re.M)
        if m:
            doc.name = _field(m.group(1), b"name")
            doc.namespace = _field(m.group(1), b"namespace")
        docs.append(doc)
    return docs


def _top(text: bytes, key: bytes) -> str:
    m = re.search(rb"^" + key + rb":[ \t]*['\"]?([^'\"\n#]*?)['\"]?[ \t]*$", text, re.M)
    return m.group(1).decode("utf-8", "replace") if m else ""


def _field(block: bytes, key: bytes) -> str:
    m = re.search(rb"^  " + key + rb":[ \t]*['\"]?([^'\"\n#]*?)['\"]?[ \t]*$", block, re.M)
    return m.group(1).decode("utf-8", "replace") if m else ""


def _start_annotated(base_cmd: list[str], directory: str, extra: list[str], tmp: str):
    """Start a build that writes origin annotations, or None.

    kustomize writes them only when the kustomization asks (buildMetadata); the target is
    not ours to edit, so a throw-away kustomization in a temporary directory includes it
    (by a relative path: kustomize refuses absolute ones) and asks instead.
    """
    try:
        rel = os.path.relpath(os.path.realpath(directory), tmp)
        with open(os.path.join(tmp, "kustomization.yaml"), "w", encoding="utf-8") as fh:
            fh.write(f"resources:\n  - {rel}\nbuildMetadata: [originAnnotations]\n")
        return subprocess.Popen([*base_cmd, tmp, *extra], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except (OSError, ValueError):
        return None


def _stop(proc) -> None:
    if proc is not None:
        proc.kill()
        proc.communicate()


def _origins(proc, tmp: str, entries: list[_Doc]) -> list[dict | None]:
    """The origin annotation of each document of the build, in build order; all None when
    the annotated build failed or disagrees with the real one on the objects."""
    none: list[dict | None] = [None] * len(entries)
    if proc is None:
        return none
    try:
        out, _ = proc.communicate(timeout=300)
        if proc.returncode != 0:
            return none
        from kubevet.loading.yaml_decode import decode

        values, _ = decode(out)
        annotated = [v for v, _ in values if v is not None]
        if len(annotated) != len(entries):
            return none
        result: list[dict | None] = []
        for doc, obj in zip(entries, annotated):
            meta = obj.get("metadata") if isinstance(obj, dict) else None
            if not isinstance(meta, dict) or obj.get("kind") != doc.kind or meta.get("name") != doc.name:
                return none
            note = (meta.get("annotations") or {}).get("config.kubernetes.io/origin")
            origin = _load_text(note) if isinstance(note, str) else None
            if isinstance(origin, dict):
                for key in ("path", "configuredIn"):
                    if isinstance(origin.get(key), str) and not _REMOTE.match(origin[key]):
                        # relative to the throw-away kustomization: make it absolute
                        origin[key] = os.path.normpath(os.path.join(tmp, origin[key]))
            result.append(origin if isinstance(origin, dict) else None)
        return result
    except Exception:  # noqa: BLE001 - origins are a nicety; the build itself succeeded
        _stop(proc)
        return none


def _load_text(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


class KustomizeRender(RenderMap):
    kind = "kustomize"

    def __init__(self, directory: str, kfile: str, entries: list[_Doc], origins: list[dict | None]) -> None:
        self.directory = directory
        self.group = directory
        self.kfile = kfile
        self.entries = entries
        self.origins = origins
        self._files: dict[str, list | None] = {}
        self._built: dict[int, Any] = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_files"], state["_built"] = {}, {}
        return state

    def _show(self, path: str) -> str:
        return _display(path, self.directory)

    def _entry(self, line0: int) -> int | None:
        for k, e in enumerate(self.entries):
            if e.first - 1 <= line0 <= e.last:
                return k
        return None

    def describe(self, source: RenderedSource, line: int) -> str:
        k = self._entry(line - 1)
        origin = self.origins[k] if k is not None and k < len(self.origins) else None
        text = f"kustomize build {self.directory}, line {line}"
        if origin and origin.get("path"):
            text += f"; from {self._show(origin['path'])}"
        return text

    def place(self, source: RenderedSource, line: int, column: int, path: tuple = ()) -> Placement | None:
        if line <= 0:
            return None
        k = self._entry(line - 1)
        rendered: dict[str, Any] = {"kind": "kustomize", "group": self.directory, "values": None, "line": line}
        origin_text = f"kustomize build {self.directory}, line {line}"
        if k is None:
            return Placement(self._show(self.kfile), 0, 0, origin_text, {"rendered": rendered})
        rendered["document"] = k + 1
        origin = self.origins[k] if k < len(self.origins) else None
        if not origin:
            return Placement(self._show(self.kfile), 0, 0, origin_text, {"rendered": rendered})
        if origin.get("configuredIn"):
            # made by a generator (configMapGenerator ...): point at the kustomization that says so
            where = origin["configuredIn"]
            gen = origin.get("configuredBy") or {}
            rendered["base"] = {"file": self._show(where), "match": "generated"}
            line_no = _name_line(where, self._base_name(k))
            kind = gen.get("kind", "generator") if isinstance(gen, dict) else "generator"
            return Placement(self._show(where), line_no, 0, f"{origin_text}; generated by {kind} in {self._show(where)}", {"rendered": rendered})
        base = origin.get("path")
        if not isinstance(base, str) or _REMOTE.match(base):
            return Placement(self._show(self.kfile), 0, 0, origin_text, {"rendered": rendered})
        built = self._built_value(source, k)
        found = self._base_object(base, k)
        if found is None:
            rendered["base"] = {"file": self._show(base), "match": "not-found"}
            return Placement(self._show(self.kfile), 0, 0, f"{origin_text}; object from {self._show(base)}", {"rendered": rendered})
        value, node, line0 = found
        here = value_at(built, path)
        there = value_at(value, path)

        if here is not MISSING and there is not MISSING and json_equal(here, there):
            try:
                from kubevet.loading.positions import walk

                bline, bcol = walk(node, path, line0)
            except Exception:  # noqa: BLE001
                bline, bcol = line0 + node[0] + 1, 1
            rendered["base"] = {"file": self._show(base), "match": "unchanged"}
            return Placement(
                self._show(base), bline, bcol,
                f"{origin_text}; unchanged from {self._show(base)}", {"rendered": rendered},
            )
        rendered["base"] = {"file": self._show(base), "match": "changed"}
        patch = self._patch_with(path, here, k)
        if patch is not None:
            pfile, pline, pcol = patch
            rendered["patch"] = {"file": self._show(pfile)}
            return Placement(
                self._show(pfile), pline, pcol,
                f"{origin_text}; object from {self._show(base)}, this field set by {self._show(pfile)}",
                {"rendered": rendered},
            )
        return Placement(
            self._show(self.kfile), 0, 0,
            f"{origin_text}; object from {self._show(base)}, changed by the kustomization at this field",
            {"rendered": rendered},
        )

    def _patch_with(self, path: tuple, value: Any, k: int):
        """The one patch file of the kustomization that sets ``path`` of this object's kind
        to the built value: (file, line, column), or None."""
        if not path or value is MISSING:
            return None

        _, files = references(self.directory)
        hits = []
        for file in sorted(files):
            docs = self._file_docs(file)
            for obj, node, line0 in docs or ():
                if obj.get("kind") == self.entries[k].kind and json_equal(value_at(obj, path), value):
                    hits.append((file, node, line0))
        if len(hits) != 1:
            return None
        file, node, line0 = hits[0]
        try:
            from kubevet.loading.positions import walk

            line, col = walk(node, path, line0)
        except Exception:  # noqa: BLE001
            line, col = line0 + 1, 1
        return file, line, col

    def _base_name(self, k: int) -> str:
        return self.entries[k].name

    def _built_value(self, source: RenderedSource, k: int):
        if k not in self._built:
            from kubevet.loading.yaml_decode import decode

            e = self.entries[k]
            try:
                values, _ = decode((source.data or b"")[e.offset : e.end])
                self._built[k] = values[0][0] if values else None
            except Exception:  # noqa: BLE001
                self._built[k] = None
        return self._built[k]

    def _file_docs(self, path: str):
        """(object, node, first line) of each document of a file, or None."""
        if path not in self._files:
            docs = None
            try:
                from kubevet.loading.yaml_decode import decode

                with open(path, "rb") as fh:
                    data = fh.read()
                docs = []
                starts = [0] + [m.start() for m in _MARKER.finditer(data) if m.start() > 0]
                for i, start in enumerate(starts):
                    end = starts[i + 1] if i + 1 < len(starts) else len(data)
                    line0 = data.count(b"\n", 0, start)
                    for value, node in decode(data[start:end])[0]:
                        if isinstance(value, dict):
                            docs.append((value, node, line0))
            except Exception:  # noqa: BLE001
                docs = None
            self._files[path] = docs
        return self._files[path]

    def _base_object(self, path: str, k: int):
        """The object of a resource file that the k-th built object comes from: the one of
        its kind whose name the built name contains (namePrefix / nameSuffix)."""
        docs = self._file_docs(path)
        if not docs:
            return None
        entry = self.entries[k]
        same_kind = [d for d in docs if d[0].get("kind") == entry.kind]
        exact = [d for d in same_kind if _name(d[0]) == entry.name]
        if len(exact) == 1:
            return exact[0]
        inside = [d for d in same_kind if _name(d[0]) and _name(d[0]) in entry.name]
        if len(inside) == 1:
            return inside[0]
        if len(same_kind) == 1 and len(docs) == 1:
            return same_kind[0]
        return None


def _name(obj: dict) -> str:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else ""




def _name_line(path: str, built_name: str) -> int:
    """The line of the generator entry that makes ``built_name`` (name plus hash)."""
    text = _read_text(path)
    best = 0
    for m in re.finditer(r"^\s*-?\s*name:\s*['\"]?([\w.-]+)['\"]?\s*$", text, re.M):
        if m.group(1) and m.group(1) in built_name:
            if best:
                return 0  # ambiguous
            best = text.count("\n", 0, m.start()) + 1
    return best


def _display(path: str, directory: str | None = None) -> str:
    """A path as reports show it: in the form the user gave the kustomization in
    (relative or absolute), so that all paths of a report look alike."""
    if not os.path.isabs(path):
        return path
    if directory is not None:
        rel = os.path.relpath(path, os.path.realpath(directory))
        return os.path.normpath(os.path.join(directory, rel))
    rel = os.path.relpath(path, os.getcwd())
    return path if rel.startswith("..") else rel
