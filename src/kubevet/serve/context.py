"""The cluster around an admitted object: the ``--context`` manifests, reloaded on change.

Namespace-level rules (quota, LimitRange, default-deny NetworkPolicy, PodDisruptionBudget,
the RBAC reach of a ServiceAccount) read the objects around the one being admitted. The
webhook never calls back into the API server on the request path: those objects come from
manifests of the cluster's guardrails (a platform repository checked out beside it, a
ConfigMap mounted as files). The files are read into memory once; ``refresh()`` (called
every few seconds) reloads them when a file's size, mtime or inode changes, or when a file
appears or disappears. A reload that fails keeps the previous context.

Namespaces of the context also carry the mode label (``kubevet.io/mode``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from kubevet.errors import KubevetError
from kubevet.loading.discover import discover
from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Source


@dataclass
class Context:
    paths: tuple[str, ...] = ()
    sources: list[Source] = field(default_factory=list)
    namespace_labels: dict[str, dict] = field(default_factory=dict)
    objects: int = 0
    signature: tuple = ()

    @classmethod
    def load(cls, paths: list[str] | tuple[str, ...]) -> Context:
        """Read every context manifest, or raise KubevetError naming what could not be read."""
        found, problems = discover(list(paths))
        if problems:
            raise KubevetError(f"--context: {problems[0].file}: {problems[0].message}")
        sources: list[Source] = []
        labels: dict[str, dict] = {}
        objects = 0
        for s in found:
            data = s.data
            if data is None:
                try:
                    with open(s.path or "", "rb") as fh:
                        data = fh.read()
                except OSError as exc:
                    raise KubevetError(f"--context: cannot read {s.display}: {exc.strerror}") from None
            source = Source(None, s.display, data)
            for item in read_source(source):
                if item.__class__ is not K8sObject:
                    if getattr(item, "rule", None) in ("yaml-syntax", "file-unreadable", "yaml-limit-exceeded"):
                        raise KubevetError(f"--context: {item.file}:{item.line}: {item.message}")
                    continue
                objects += 1
                if item.kind == "Namespace" and item.name:
                    meta = item.data.get("metadata")
                    found_labels = meta.get("labels") if isinstance(meta, dict) else None
                    labels[item.name] = found_labels if isinstance(found_labels, dict) else {}
            sources.append(source)
        return cls(tuple(paths), sources, labels, objects, signature(paths))

    def changed(self) -> bool:
        return bool(self.paths) and signature(self.paths) != self.signature


def signature(paths) -> tuple:
    """Size, mtime and inode of every file under the paths: a change means a reload."""
    out = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    out.append(_stat(os.path.join(root, name)))
        else:
            out.append(_stat(path))
    return tuple(out)


def _stat(path: str) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return (path, None)
    return (path, st.st_size, st.st_mtime_ns, st.st_ino)
