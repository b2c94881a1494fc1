"""Where objects come from (sources and documents) and the object wrapper rules see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubevet.findings import ObjectRef, Path


class Source:
    """A file, or standard input, that kubevet reads manifests from.

    ``data`` holds the bytes only for input that cannot be read again (stdin, rendered
    output); files are re-read on demand so that memory does not grow with the scan.
    """

    __slots__ = ("path", "display", "data", "origin_of", "walked")

    def __init__(self, path: str | None, display: str, data: bytes | None = None, walked: bool = False) -> None:
        self.path = path
        self.display = display
        self.data = data
        # found by walking a directory (not named by the user): only regular files are read,
        # so that a FIFO or device named *.yaml cannot hang the scan
        self.walked = walked
        # rendered sources (Helm, kustomize) map a document to the file that produced it
        self.origin_of = None

    def namespace_from_release(self, line: int) -> bool:
        """Whether the object at ``line`` got its namespace from a Helm release rather than
        from its own text: never, for a plain file (rendered sources say otherwise)."""
        return False

    def read_range(self, offset: int, length: int) -> bytes:
        if self.data is not None:
            return self.data[offset : offset + length]
        assert self.path is not None
        with open(self.path, "rb") as fh:
            fh.seek(offset)
            return fh.read(length)

    def __repr__(self) -> str:
        return f"Source({self.display!r})"


class Document:
    """One YAML document of a source: where its bytes are and the line it starts on (0-based)."""

    __slots__ = ("source", "index", "line", "offset", "length", "json", "node")

    def __init__(
        self, source: Source, index: int, line: int, offset: int, length: int, json: bool = False
    ) -> None:
        self.source = source
        self.index = index
        self.line = line
        self.offset = offset
        self.length = length
        self.json = json
        # the document's position tree (loading.yaml_decode), alive only while its objects
        # are being judged: findings are placed from it without parsing the document again
        self.node = None

    def read(self) -> bytes:
        return self.source.read_range(self.offset, self.length)


class K8sObject:
    """A Kubernetes object as rules see it: its data plus where it was written.

    ``base`` is the field path of the object inside its document: empty for a plain
    document, ("items", 3) for the fourth item of a List.
    """

    __slots__ = (
        "data", "doc", "base", "line", "api_version", "kind", "name", "namespace", "_ref", "field_positions", "unjudged",
        "suppressions", "template_cache",
    )

    def __init__(self, data: dict, doc: Document, base: Path = (), line: int = 0) -> None:
        self.data = data
        self.doc = doc
        self.base = base
        self.line = line or doc.line + 1  # 1-based line where the object itself starts
        self.api_version: str = data["apiVersion"]
        self.kind: str = data["kind"]
        meta = data.get("metadata")
        if not isinstance(meta, dict):
            meta = {}
        name = meta.get("name")
        namespace = meta.get("namespace")
        self.name: str | None = name if isinstance(name, str) else None
        self.namespace: str | None = namespace if isinstance(namespace, str) else None
        self._ref: ObjectRef | None = None
        # positions of the object's upper fields, kept for objects that outlive their
        # document's nodes (those cluster rules read); see loading.positions.field_positions
        self.field_positions: dict[tuple, tuple[int, int]] | None = None
        # from a --context source or a ClusterState: cluster rules read it, but it is never
        # judged itself nor reported on
        self.unjudged = False
        self.suppressions = None  # its kubevet.io/ignore annotations, once parsed (suppress.py)
        self.template_cache = None  # (registry, pod template), set by Workloads.pod_template

    def identity(self, extra: dict | None = None) -> K8sObject:
        """A slim copy that keeps only what identifies the object (and where it is), plus
        the top-level fields of ``extra`` (a projection a rule asked to keep)."""
        meta: dict[str, Any] = {}
        if self.name is not None:
            meta["name"] = self.name
        if self.namespace is not None:
            meta["namespace"] = self.namespace
        data = {**(extra or {}), "apiVersion": self.api_version, "kind": self.kind, "metadata": meta}
        slim = K8sObject(data, self.doc, self.base, self.line)
        slim.suppressions = self.suppressions
        return slim

    @property
    def context(self) -> bool:
        """The former name of ``unjudged`` (an object of the context)."""
        return self.unjudged

    @context.setter
    def context(self, value: bool) -> None:
        self.unjudged = value

    @property
    def group(self) -> str:
        """The API group: "" for the core group, "apps" for apps/v1."""
        av = self.api_version
        return av.rpartition("/")[0] if "/" in av else ""

    @property
    def metadata(self) -> dict:
        meta = self.data.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def labels(self) -> dict[str, Any]:
        labels = self.metadata.get("labels")
        return labels if isinstance(labels, dict) else {}

    @property
    def annotations(self) -> dict[str, Any]:
        annotations = self.metadata.get("annotations")
        return annotations if isinstance(annotations, dict) else {}

    @property
    def spec(self) -> dict:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def ref(self) -> ObjectRef:
        if self._ref is None:
            self._ref = ObjectRef(self.api_version, self.kind, self.namespace, self.name)
        return self._ref

    def __repr__(self) -> str:
        return f"<{self.ref}>"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A document that is YAML but not a Kubernetes object; reported, never dropped silently."""

    file: str
    line: int
    reason: str
    # a List with no items (``kubectl get -o json`` of nothing): valid input that holds no
    # object, so a scan of only such Lists passes instead of finding "nothing to check"
    empty_list: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "reason": self.reason}


@dataclass(slots=True)
class Problem:
    """Input that could not be read or decoded: becomes a finding of an input rule."""

    rule: str  # kebab name of an input rule, e.g. "yaml-syntax"
    message: str
    file: str
    line: int  # 1-based; 0 when the whole file is concerned
    column: int = 0
