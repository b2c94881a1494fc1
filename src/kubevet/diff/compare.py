"""Match the objects of two sides and diff each pair field by field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubevet.diff.fields import Change, diff
from kubevet.diff.sides import Key, Side, key_text
from kubevet.model import K8sObject

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"


@dataclass
class ObjectDiff:
    """One object on either side: added, removed, changed (with its changes) or unchanged."""

    key: Key
    status: str
    old: K8sObject | None = None
    new: K8sObject | None = None
    changes: list[Change] = field(default_factory=list)
    ignored: list[Change] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.key[1]

    @property
    def label(self) -> str:
        return key_text(self.key)

    @property
    def secret(self) -> bool:
        return self.key[0] == "" and self.key[1] == "Secret"

    def to_json(self) -> dict[str, Any]:
        group, kind, namespace, name = self.key
        out: dict[str, Any] = {
            "group": group,
            "kind": kind,
            "namespace": namespace or None,
            "name": name,
            "status": self.status,
        }
        if self.old is not None and self.new is not None and self.old.api_version != self.new.api_version:
            out["apiVersion"] = {"old": self.old.api_version, "new": self.new.api_version}
        else:
            out["apiVersion"] = (self.new or self.old).api_version  # type: ignore[union-attr]
        out["changes"] = [c.to_json() for c in self.changes]
        out["ignored"] = [c.dotted for c in self.ignored]
        return out


@dataclass
class Comparison:
    """Every object of both sides, matched."""

    old: Side
    new: Side
    objects: list[ObjectDiff]

    def counts(self) -> dict[str, int]:
        out = {ADDED: 0, REMOVED: 0, CHANGED: 0, UNCHANGED: 0}
        for d in self.objects:
            out[d.status] += 1
        return out

    def get(self, key: Key) -> ObjectDiff | None:
        return self._by_key.get(key)

    def __post_init__(self) -> None:
        self._by_key = {d.key: d for d in self.objects}


def compare(old: Side, new: Side, random: frozenset = frozenset()) -> Comparison:
    """Pair objects by key (NEW's order, then what only OLD has) and diff each pair.

    ``random`` holds (key, field path) pairs whose values differ from one render to the
    next (see ``random_fields``): their differences are noise."""
    out: list[ObjectDiff] = []
    for key in new.order:
        n = new.objects[key]
        o = old.objects.get(key)
        if o is None:
            out.append(ObjectDiff(key, ADDED, None, n))
            continue
        secret = key[0] == "" and key[1] == "Secret"
        if o.data == n.data:
            out.append(ObjectDiff(key, UNCHANGED, o, n))
            continue
        real, noise = diff(_without_version(o.data), _without_version(n.data), secret=secret)
        if random:
            noise += [c for c in real if (key, c.dotted) in random]
            real = [c for c in real if (key, c.dotted) not in random]
        out.append(ObjectDiff(key, CHANGED if real else UNCHANGED, o, n, real, noise))
    for key in old.order:
        if key not in new.objects:
            out.append(ObjectDiff(key, REMOVED, old.objects[key], None))
    return Comparison(old, new, out)


def random_fields(side: Side, again: Side) -> frozenset:
    """The fields whose values two renders of the same charts with the same values do not
    agree on: what Helm generates at random (``randAlphaNum``, ``genCA``, ``uuidv4``)."""
    out = set()
    for key, obj in side.objects.items():
        other = again.objects.get(key)
        if other is None or other.data == obj.data:
            continue
        real, _ = diff(obj.data, other.data)
        out.update((key, c.dotted) for c in real)
    return frozenset(out)


def _without_version(data: dict) -> dict:
    """The data without apiVersion: a move within the group (or a known move) is no change."""
    if "apiVersion" not in data:
        return data
    return {k: v for k, v in data.items() if k != "apiVersion"}
