"""The OpenAPI schemas of Kubernetes' built-in kinds, one release at a time.

The data (``data/schemas/v1.NN.json.gz``) comes from kubernetes-validate's strict schemas,
trimmed and fixed by ``scripts/build_schemas.py``. A release's validators are compiled by
jsonschema-rs on first use, one per kind, against one registry of that release's
definitions, and kept for the life of the process.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from typing import Any

from kubevet.schema import versions
from kubevet.schema.versions import Version

DRAFT = "https://json-schema.org/draft/2020-12/schema"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def uri(version: Version) -> str:
    return f"urn:kubevet:kubernetes:{versions.text(version)}"


class BuiltinSchemas:
    """The kinds of one Kubernetes release and their validators."""

    def __init__(self, version: Version) -> None:
        self.version = version
        path = versions.SCHEMAS / f"v{versions.text(version)}.json.gz"
        data = json.loads(gzip.decompress(path.read_bytes()))
        self.kinds: dict[str, dict[str, str]] = data["kinds"]
        self.defs: dict[str, Any] = data["$defs"]
        self.uri = uri(version)
        self._registry = None
        self._validators: dict[str, Any] = {}

    def has(self, api_version: str, kind: str) -> bool:
        return kind in self.kinds.get(api_version, ())

    def definition(self, api_version: str, kind: str) -> str | None:
        return self.kinds.get(api_version, {}).get(kind)

    @property
    def registry(self):
        """A jsonschema-rs registry holding this release's definitions."""
        if self._registry is None:
            import jsonschema_rs

            resource = {"$schema": DRAFT, "$id": self.uri, "$defs": self.defs}
            self._registry = jsonschema_rs.Registry([(self.uri, resource)])
        return self._registry

    def ref(self, definition: str) -> dict:
        return {"$ref": f"{self.uri}#/$defs/{definition}"}

    def validator(self, api_version: str, kind: str):
        """A compiled validator for a kind, or None when the release does not serve it."""
        name = self.definition(api_version, kind)
        if name is None:
            return None
        found = self._validators.get(name)
        if found is None:
            import jsonschema_rs

            schema = {"$schema": DRAFT, **self.ref(name)}
            found = self._validators[name] = jsonschema_rs.validator_for(schema, registry=self.registry)
        return found


@lru_cache(maxsize=None)
def schemas(version: Version) -> BuiltinSchemas:
    return BuiltinSchemas(version)


@lru_cache(maxsize=1)
def served_in() -> dict[tuple[str, str], tuple[Version, ...]]:
    """For every (apiVersion, kind) of any shipped release, the releases that serve it."""
    out: dict[tuple[str, str], list[Version]] = {}
    for version in versions.shipped():
        for api_version, kinds in schemas(version).kinds.items():
            for kind in kinds:
                out.setdefault((api_version, kind), []).append(version)
    return {key: tuple(value) for key, value in out.items()}


@lru_cache(maxsize=1)
def builtin_groups() -> frozenset[str]:
    """API groups served by kube-apiserver itself in some shipped release ("" is core)."""
    return frozenset(av.rpartition("/")[0] for av, _ in served_in())
