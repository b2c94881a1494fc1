"""What a live cluster holds, split into what an audit judges and what it only consults.

*Judged*: the objects people write manifests for, in the namespaces audited.
*Context*: what the cluster made itself (bootstrap RBAC, ``kube-system``, the ``default``
ServiceAccount and ``kube-root-ca.crt`` ConfigMap of every namespace, the ``kubernetes``
Service) and, when some namespaces are audited, the cluster-scoped objects (except the
ClusterRoleBindings whose subjects are in those namespaces, which are judged). Cross-object
rules see them, as a scan's ``--context``; nothing is reported about them.
*Left out*: objects a controller owns (a Deployment's ReplicaSets and Pods, a CronJob's
Jobs): their owner is judged, and judging them too would report each mistake again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubevet.audit.cluster import DEFAULT_CHUNK, Cluster, Forbidden, Resource
from kubevet.audit.manifest import as_manifest

SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
# made in every namespace by kube-controller-manager
_PER_NAMESPACE = {("", "ServiceAccount", "default"), ("", "ConfigMap", "kube-root-ca.crt")}


@dataclass
class Snapshot:
    """The objects read from a cluster, as manifests (``audit.manifest.as_manifest``)."""

    judged: list[dict] = field(default_factory=list)
    context: list[dict] = field(default_factory=list)
    owned: int = 0  # objects left out because a controller owns them
    unreadable: list[str] = field(default_factory=list)  # "plural.group: why" per list refused
    context_unreadable: list[str] = field(default_factory=list)


def read(cluster: Cluster, namespaces: list[str] | None = None, include_system: bool = False, chunk: int = DEFAULT_CHUNK) -> Snapshot:
    """Read every listable kind; ``namespaces`` None: all of them."""
    snap = Snapshot()
    for resource in cluster.resources():
        if resource.namespaced:
            targets = [None] if namespaces is None else namespaces
            for namespace in targets:
                _read(cluster, resource, namespace, snap, namespaces, include_system, chunk)
        else:
            _read(cluster, resource, None, snap, namespaces, include_system, chunk)
    return snap


def _read(cluster, resource: Resource, namespace, snap: Snapshot, namespaces, include_system, chunk) -> None:
    name = f"{resource.plural}.{resource.group}" if resource.group else resource.plural
    try:
        items = list(cluster.list(resource, namespace, chunk))
    except Forbidden as exc:
        # cluster-scoped kinds of a one-namespace audit are only context: missing them
        # weakens cross-object rules but judges nothing wrongly
        target = snap.context_unreadable if (namespaces is not None and not resource.namespaced) else snap.unreadable
        target.append(f"{name}{f' in {namespace}' if namespace else ''}: {exc}")
        return
    for live in items:
        if _owned(live):
            snap.owned += 1
            continue
        obj = as_manifest(live)
        if _judged(resource, obj, namespaces, include_system):
            snap.judged.append(obj)
        else:
            snap.context.append(obj)


def _owned(obj: dict) -> bool:
    owners = (obj.get("metadata") or {}).get("ownerReferences") or []
    return any(isinstance(o, dict) and o.get("controller") for o in owners)


def _judged(resource: Resource, obj: dict, namespaces, include_system: bool) -> bool:
    meta = obj.get("metadata") or {}
    name, labels = meta.get("name", ""), meta.get("labels") or {}
    if labels.get("kubernetes.io/bootstrapping") == "rbac-defaults" or str(name).startswith("system:"):
        return False  # the API server's own roles, bindings, priority classes, flow schemas
    if not resource.namespaced:
        if resource.kind == "Namespace":
            if namespaces is not None:
                return name in namespaces
            return include_system or name not in SYSTEM_NAMESPACES | {"default"}
        if namespaces is None:
            return True
        # a ClusterRoleBinding that grants something to an audited namespace's accounts
        subjects = obj.get("subjects") if resource.kind == "ClusterRoleBinding" else None
        return any(isinstance(s, dict) and s.get("namespace") in namespaces for s in subjects or [])
    namespace = meta.get("namespace", "")
    if (resource.group, resource.kind, name) in _PER_NAMESPACE:
        return False
    if namespace == "default" and (resource.kind, name) == ("Service", "kubernetes"):
        return False
    if namespaces is not None:
        return namespace in namespaces
    return include_system or namespace not in SYSTEM_NAMESPACES
