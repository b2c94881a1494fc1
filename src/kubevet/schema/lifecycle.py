"""When built-in API versions were deprecated and removed (data/api-lifecycle.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kubevet.schema.versions import DATA, Version

TABLE = DATA / "api-lifecycle.yaml"


@dataclass(frozen=True)
class Lifecycle:
    api_version: str
    kind: str
    deprecated: Version | None
    removed: Version | None
    replacement: str | None
    note: str | None

    def removed_at(self, target: Version) -> bool:
        return self.removed is not None and target >= self.removed

    def deprecated_at(self, target: Version) -> bool:
        return self.deprecated is not None and target >= self.deprecated and not self.removed_at(target)


def _version(value) -> Version | None:
    if value is None:
        return None
    major, minor = str(value).split(".")
    return int(major), int(minor)


@lru_cache(maxsize=1)
def table() -> dict[tuple[str, str], Lifecycle]:
    from kubevet.loading.yaml_decode import load_data

    data = load_data(TABLE.read_bytes())
    out: dict[tuple[str, str], Lifecycle] = {}
    for entry in data["apis"]:
        for kind in entry["kinds"]:
            key = (entry["apiVersion"], kind)
            if key in out:
                raise ValueError(f"{TABLE.name}: {key} listed twice")
            out[key] = Lifecycle(
                entry["apiVersion"],
                kind,
                _version(entry.get("deprecated")),
                _version(entry.get("removed")),
                entry.get("replacement"),
                entry.get("note"),
            )
    return out


def lookup(api_version: str, kind: str) -> Lifecycle | None:
    return table().get((api_version, kind))


@lru_cache(maxsize=1)
def groups() -> frozenset[str]:
    return frozenset(av.rpartition("/")[0] for av, _ in table())
