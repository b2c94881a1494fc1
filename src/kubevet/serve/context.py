"""The cluster around an admitted object: the ``--context`` manifests, reloaded on change.

Namespace-level rules (quota, LimitRange, default-deny NetworkPolicy, PodDisruptionBudget,
the RBAC reach of a ServiceAccount) read the objects around the one being admitted. The
webhook never calls back into the API server on the request path: those objects come from
manifests of the cluster's guardrails (a platform repository checked out beside it, a
ConfigMap mounted as files), read once into a ``kubevet.api.ClusterState``. ``changed()``
(asked every few seconds) says when a file's size, mtime or inode changed, or a file
appeared or went away; the webhook then loads a new Context and, if that fails, keeps the
previous one.

Namespaces of the context also carry the mode label (``kubevet.io/mode``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from kubevet import api
from kubevet.errors import KubevetError


@dataclass
class Context:
    state: api.ClusterState
    paths: tuple[str, ...] = ()
    namespace_labels: dict[str, dict] = field(default_factory=dict)
    signature: tuple = ()

    @property
    def objects(self) -> int:
        return len(self.state)

    @classmethod
    def load(cls, paths, config: api.Config) -> Context:
        """Read every context manifest, or raise KubevetError naming what could not be read."""
        paths = tuple(paths)
        before = signature(paths)
        state = api.ClusterState.from_paths(list(paths), config=config) if paths else api.ClusterState(config)
        if state.input_errors:
            e = state.input_errors[0]
            where = f"{e.file}:{e.line}" if e.line else e.file
            raise KubevetError(f"--context: {where}: {e.message}")
        labels: dict[str, dict] = {}
        for obj in state.objects():
            if obj.kind == "Namespace" and obj.name:
                meta = obj.data.get("metadata")
                found = meta.get("labels") if isinstance(meta, dict) else None
                labels[obj.name] = found if isinstance(found, dict) else {}
        return cls(state, paths, labels, before)

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
