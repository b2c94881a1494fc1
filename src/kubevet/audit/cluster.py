"""Read a live cluster through a kubeconfig: discovery, paginated lists, single gets. Read only.

The connection is the official Kubernetes Python client (``kubernetes``, the ``audit``
extra): it reads kubeconfig files as kubectl does (contexts, client certificates, tokens,
exec credential plugins, CA bundles), which is the hard part of talking to real clusters.
Only GET requests are made: discovery (``/api``, ``/apis``), lists with ``limit`` and
``continue`` (pages of ``chunk`` objects, so a large cluster is never one huge response)
and gets by name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from kubevet.errors import KubevetError

# kinds that say nothing a manifest would: events, leases, the endpoints that Services
# derive, controller bookkeeping, nodes and their CSI records, requests that are not objects
SKIPPED = frozenset(
    {
        ("", "Event"), ("events.k8s.io", "Event"), ("coordination.k8s.io", "Lease"),
        ("", "Endpoints"), ("discovery.k8s.io", "EndpointSlice"), ("apps", "ControllerRevision"),
        ("", "Node"), ("", "ComponentStatus"), ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"), ("certificates.k8s.io", "CertificateSigningRequest"),
        ("metrics.k8s.io", "PodMetrics"), ("metrics.k8s.io", "NodeMetrics"),
        ("coordination.k8s.io", "LeaseCandidate"), ("internal.apiserver.k8s.io", "StorageVersion"),
    }
)
DEFAULT_CHUNK = 500


class ClusterError(KubevetError):
    """The cluster could not be reached or read (exit 2, with the reason)."""


@dataclass(frozen=True)
class Resource:
    """A listable kind of the cluster, at the version the server prefers."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace and self.namespaced:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        return f"{base}/{name}" if name else base


class Forbidden(ClusterError):
    """The credentials may not read this (HTTP 403)."""


class Cluster:
    """One cluster, as a kubeconfig context names it."""

    def __init__(self, kubeconfig: str | None = None, context: str | None = None) -> None:
        try:
            from kubernetes import config as kube_config
            from kubernetes.config.config_exception import ConfigException
        except ImportError:
            raise ClusterError("kubevet audit needs the Kubernetes client: pip install 'kubevet[audit]'") from None
        try:
            self._client = kube_config.new_client_from_config(config_file=kubeconfig, context=context)
        except (ConfigException, OSError, ValueError, TypeError) as exc:
            where = kubeconfig or "the default kubeconfig (KUBECONFIG or ~/.kube/config)"
            raise ClusterError(f"cannot use {where}: {exc}") from None
        self.server = self._client.configuration.host
        self._resources: list[Resource] | None = None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- raw requests ---------------------------------------------------------------------

    def get_json(self, path: str, query: list[tuple[str, object]] | None = None) -> dict:
        """GET ``path``: the decoded JSON body. ClusterError (Forbidden for 403) otherwise;
        a 404 returns None."""
        from kubernetes.client.exceptions import ApiException

        try:
            response = self._client.call_api(
                *self._client.param_serialize(
                    "GET", path, query_params=query or [], header_params={"Accept": "application/json"},
                    auth_settings=["BearerToken"],
                ),
                _request_timeout=60,
            )
            response.read()
            status, data = response.status, response.data
        except ApiException as exc:
            status, data = exc.status, (exc.body or b"")
        except Exception as exc:  # urllib3's connection errors, TLS failures, DNS
            raise ClusterError(f"cannot reach {self.server}: {_reason(exc)}") from None
        if status == 404:
            return None
        if not 200 <= status <= 299:
            message = _status_message(data) or f"HTTP {status}"
            if status == 403:
                raise Forbidden(message)
            if status == 401:
                raise ClusterError(f"{self.server} refused the credentials: {message}")
            raise ClusterError(f"GET {path}: {message}")
        try:
            return json.loads(data)
        except ValueError:
            raise ClusterError(f"GET {path}: the answer is not JSON") from None

    # --- what the cluster serves ----------------------------------------------------------

    def version(self) -> str:
        """The server's Kubernetes version, major.minor (``1.36``)."""
        info = self.get_json("/version") or {}
        major, minor = str(info.get("major", "")), str(info.get("minor", "")).rstrip("+")
        if not major.isdigit() or not minor.isdigit():
            git = str(info.get("gitVersion", ""))
            parts = git.lstrip("v").split(".")
            major, minor = (parts + ["", ""])[:2]
        return f"{major}.{minor}"

    def resources(self) -> list[Resource]:
        """Every listable kind, at its group's preferred version (as kubectl get does)."""
        if self._resources is None:
            found: list[Resource] = []
            core = self.get_json("/api/v1") or {}
            found += _listable("", "v1", core)
            groups = (self.get_json("/apis") or {}).get("groups") or []
            for group in groups:
                preferred = (group.get("preferredVersion") or {}).get("version")
                if not preferred:
                    continue
                try:
                    listing = self.get_json(f"/apis/{group['name']}/{preferred}") or {}
                except Forbidden:
                    continue
                found += _listable(group["name"], preferred, listing)
            self._resources = [r for r in found if (r.group, r.kind) not in SKIPPED]
        return self._resources

    def resource(self, api_version: str, kind: str) -> Resource | None:
        """The resource serving ``kind`` at ``api_version`` (any served version, not only the
        preferred one), or None."""
        group, _, version = api_version.rpartition("/")
        for r in self.resources():
            if r.group == group and r.kind == kind and r.version == version:
                return r
        path = f"/apis/{group}/{version}" if group else f"/api/{version}"
        try:
            listing = self.get_json(path) or {}
        except Forbidden:
            return None
        for r in _listable(group, version, listing, verb="get"):
            if r.kind == kind:
                return r
        return None

    # --- objects --------------------------------------------------------------------------

    def list(self, resource: Resource, namespace: str | None = None, chunk: int = DEFAULT_CHUNK) -> Iterator[dict]:
        """Every object of ``resource`` (in ``namespace``, or all), page by page."""
        token = None
        while True:
            query: list[tuple[str, object]] = [("limit", chunk)]
            if token:
                query.append(("continue", token))
            page = self.get_json(resource.path(namespace), query)
            if page is None:
                return
            for item in page.get("items") or []:
                # list items carry no apiVersion/kind of their own
                item.setdefault("apiVersion", resource.api_version)
                item.setdefault("kind", resource.kind)
                yield item
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return

    def get(self, resource: Resource, name: str, namespace: str | None = None) -> dict | None:
        """One object, or None if it does not exist."""
        return self.get_json(resource.path(namespace, name))


def _listable(group: str, version: str, listing: dict, verb: str = "list") -> list[Resource]:
    out = []
    for r in listing.get("resources") or []:
        if "/" in r.get("name", "") or verb not in (r.get("verbs") or []):
            continue  # subresources (pods/log, deployments/scale) and what cannot be read
        out.append(Resource(group, version, r["kind"], r["name"], bool(r.get("namespaced"))))
    return out


def _status_message(data: bytes | str) -> str:
    try:
        return str(json.loads(data).get("message") or "")
    except (ValueError, AttributeError):
        return ""


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc).splitlines()[0][:300]
