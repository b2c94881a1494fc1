"""A chart's files, from a directory or a packaged .tgz (nested subchart archives included), and reading YAML from them."""

from __future__ import annotations

import io
import os
import tarfile
from typing import Any

from kubevet.loading.helm.errors import ERROR_AT, RenderFailed

CHART_FILE = "Chart.yaml"


ARCHIVE_SUFFIXES = (".tgz", ".tar.gz")


def is_chart_dir(path: str) -> bool:
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, CHART_FILE))


def is_chart_archive(path: str) -> bool:
    return path.lower().endswith(ARCHIVE_SUFFIXES) and os.path.isfile(path)


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
            self._values = safe_yaml(self.read("values.yaml") or b"")
        return self._values

    def metadata(self) -> dict:
        data = self.read(CHART_FILE)
        if data is None:
            raise RenderFailed(f"{CHART_FILE} is missing", self.path)
        meta = load_yaml(data, self.display(CHART_FILE))
        if not isinstance(meta, dict):
            raise RenderFailed(f"{CHART_FILE} is not a map", self.display(CHART_FILE), 1)
        return meta

    def dependencies(self, meta: dict) -> list[dict]:
        deps = meta.get("dependencies")
        if deps is None and str(meta.get("apiVersion", "")) == "v1":
            req = self.read("requirements.yaml")
            if req is not None:
                loaded = load_yaml(req, self.display("requirements.yaml"))
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
                    names.add(str(chart_name(safe_yaml_file(os.path.join(full, CHART_FILE))) or entry))
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
                meta = safe_yaml(data)
                names.add(str(chart_name(meta) or rest.split("/")[0]))
            elif "/" not in rest and rest.lower().endswith(ARCHIVE_SUFFIXES):
                try:
                    names.add(_archive_chart_name(_untar(data, name)) or rest)
                except RenderFailed:
                    continue
        return names


def chart_name(meta: Any) -> str | None:
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
            return chart_name(safe_yaml(data)) or name.split("/")[0]
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


def load_yaml(data: bytes, where: str) -> Any:
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


def safe_yaml(data: bytes) -> Any:
    try:
        return load_yaml(data, "")
    except RenderFailed:
        return None


def safe_yaml_file(path: str) -> Any:
    try:
        with open(path, "rb") as fh:
            return safe_yaml(fh.read())
    except OSError:
        return None


def error_place(detail: str, files: ChartFiles) -> tuple[str, int, int]:
    """The template file and line a Helm error names, as a path of the scan."""
    for m in ERROR_AT.finditer(detail):
        named = m.group(1)
        if "/" in named:
            rel = named.split("/", 1)[1]
            return files.display(rel), int(m.group(2)), int(m.group(3) or 0)
    if "schema" in detail:
        return files.display("values.schema.json"), 0, 0
    return files.display(CHART_FILE), 0, 0
