"""Audit a live cluster: read what it holds and judge it as one set, as a scan would.

    from kubevet import api
    from kubevet.audit import Cluster, audit, fetch_live

    with Cluster(kubeconfig=None, context=None) as cluster:      # ~/.kube/config, current context
        result = audit(cluster, config=api.load_config(), namespaces=["shop"])
        live = fetch_live(cluster, manifests)                     # for kubevet diff --live

Every object is read through the kubeconfig (GET only, lists paginated), turned back
into the manifest it came from (``manifest.as_manifest``) and judged through
``kubevet.api.scan_objects`` together with the rest, so cross-object rules (quota,
LimitRange, default-deny, PodDisruptionBudgets, effective RBAC) see the real state.
Findings name the object as ``Kind/namespace/name``.
"""

from __future__ import annotations

from kubevet.audit.cluster import Cluster, ClusterError, Forbidden, Resource
from kubevet.audit.collect import Snapshot, read
from kubevet.audit.manifest import as_manifest

__all__ = ["Cluster", "ClusterError", "Forbidden", "Resource", "Snapshot", "as_manifest", "audit", "fetch_live", "location", "read"]


def location(obj: dict) -> str:
    """How findings name a live object: ``Deployment/shop/web``, ``ClusterRole/admin``."""
    meta = obj.get("metadata") or {}
    parts = [str(obj.get("kind", "")), str(meta.get("namespace") or ""), str(meta.get("name") or "")]
    return "/".join(p for p in parts if p)


def audit(cluster: Cluster, config=None, namespaces: list[str] | None = None, include_system: bool = False, chunk: int = 500, snapshot: Snapshot | None = None):
    """Judge the cluster's objects (``namespaces`` None: all of them): an ``api.ScanResult``.

    ``config.kube_version`` defaults to the server's version. Lists the credentials may
    not read are input errors (exit 2), except cluster-scoped context of a one-namespace
    audit, which is only noted in the result's ``skipped``.
    """
    from kubevet import api
    from kubevet.model import Skipped
    from kubevet.result import InputError

    config = config if config is not None else api.load_config()
    if not config.kube_version:
        config.kube_version = _supported(cluster.version())
    snap = snapshot if snapshot is not None else read(cluster, namespaces, include_system, chunk)
    state = api.ClusterState(config=config)
    for obj in snap.context:
        state.replace(api.Placed(obj, location(obj)))
    result = api.scan_objects([api.Placed(obj, location(obj)) for obj in snap.judged], config=config, state=state)
    for why in snap.unreadable:
        result.input_errors.append(InputError(cluster.server, 0, f"could not list {why}", rule="file-unreadable"))
    for why in snap.context_unreadable:
        result.skipped.append(Skipped(cluster.server, 0, f"context not read: {why}"))
    return result


def fetch_live(cluster: Cluster, objects: list[dict], default_namespace: str = "default") -> list[dict | None]:
    """The cluster's counterpart of each manifest in ``objects`` (same kind, namespace and
    name), as a manifest (``as_manifest``, defaults kept where the manifest states the
    field); None where the cluster has none, or does not serve the kind. For ``kubevet diff
    --live``: OLD is what the cluster holds for NEW.

    A Secret's values are blanked as in an audit, except that a key whose live value is
    the one the manifest gives (under ``data``, or under ``stringData`` in plain text)
    gets the manifest's value back: so an unchanged key compares equal, a changed one
    differs, and no value the manifest does not already hold leaves the cluster."""
    out: list[dict | None] = []
    for obj in objects:
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        api_version, kind, name = obj.get("apiVersion"), obj.get("kind"), meta.get("name")
        resource = cluster.resource(str(api_version), str(kind)) if api_version and kind and name else None
        if resource is None:
            out.append(None)
            continue
        namespace = (meta.get("namespace") or default_namespace) if resource.namespaced else None
        live = cluster.get(resource, str(name), namespace)
        if live is None:
            out.append(None)
            continue
        manifest = as_manifest(live, like=obj)
        if resource.group == "" and resource.kind == "Secret":
            _same_secret_values(manifest, live, obj)
        out.append(manifest)
    return out


def _same_secret_values(manifest: dict, live: dict, wanted: dict) -> None:
    """Give ``manifest`` (the blanked live Secret) the values of ``wanted`` (the manifest
    diffed against it) where the live Secret holds the same ones."""
    import base64

    data = live.get("data") if isinstance(live.get("data"), dict) else {}
    blanked = manifest.get("data") if isinstance(manifest.get("data"), dict) else {}
    for key, value in (wanted.get("data") or {}).items() if isinstance(wanted.get("data"), dict) else ():
        if key in data and isinstance(value, str) and "".join(value.split()) == data[key]:
            blanked[key] = value
    for key, value in (wanted.get("stringData") or {}).items() if isinstance(wanted.get("stringData"), dict) else ():
        if key in data and isinstance(value, str) and base64.b64encode(value.encode()).decode() == data[key]:
            # the server keeps stringData under data: give it back where the manifest has it
            blanked.pop(key, None)
            manifest.setdefault("stringData", {})[key] = value
    if "data" in manifest and not blanked:
        del manifest["data"]


def _supported(version: str) -> str:
    """The server's version, or the nearest one kubevet has schemas for."""
    from kubevet.schema.versions import parse

    try:
        parse(version)
    except ValueError:
        return ""
    return version
