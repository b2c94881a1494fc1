"""Field-level differences between two versions of an object, as Kubernetes merges lists.

Lists of named things (containers, initContainers, env, ports, volumes, volumeMounts ...)
are matched item by item by their merge key, as a strategic merge patch matches them, not
by position: inserting a container shows one added container, not every later one as
changed. Other lists (args, command, tolerations) are atomic: they changed or they did not.

Some differences are noise that says nothing about the change: the API server's and Helm's
bookkeeping (status, managedFields, resourceVersion, ``helm.sh/chart`` labels, ``checksum/*``
annotations, webhook ``caBundle`` ...). They are kept apart as ``ignored`` (the JSON report
lists them) rather than dropped unseen. Values of a Secret are never kept: a change of one
says which key changed, not from what to what.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()
"""The value of a field that one side does not have."""

# list field -> the keys that name its items, in order of preference (strategic merge patch's
# patchMergeKey; ports use containerPort in a container and port in a Service)
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "volumeClaimTemplates": ("metadata.name",),
    "ports": ("containerPort", "port", "name"),
    "imagePullSecrets": ("name",),
    "hostAliases": ("ip",),
    "topologySpreadConstraints": ("topologyKey",),
    "resourceClaims": ("name",),
    "subjects": ("name",),
    "webhooks": ("name",),
    "versions": ("name",),
    "rules": (),  # RBAC rules and Ingress rules are lists without a key: compared by position
}
GENERIC_KEYS = ("name",)

REDACTED = "<redacted>"

# field paths (dotted, * matches one part) whose differences are noise
NOISE_PATHS = (
    "status",
    "metadata.managedFields",
    "metadata.resourceVersion",
    "metadata.uid",
    "metadata.generation",
    "metadata.creationTimestamp",
    "metadata.selfLink",
    "metadata.namespace",  # part of the key: differs only as written or defaulted (the release namespace)
    "metadata.annotations.kubectl.kubernetes.io/last-applied-configuration",
    "metadata.annotations.deployment.kubernetes.io/revision",
    "metadata.labels.helm.sh/chart",
    "metadata.labels.chart",
    "metadata.labels.app.kubernetes.io/version",
    "spec.template.metadata.labels.helm.sh/chart",
    "spec.template.metadata.labels.app.kubernetes.io/version",
    "spec.template.metadata.labels.chart",
    "metadata.annotations.checksum/*",
    "spec.template.metadata.annotations.checksum/*",
    "spec.jobTemplate.spec.template.metadata.annotations.checksum/*",
    "webhooks.*.clientConfig.caBundle",
    "spec.caBundle",
    "spec.conversion.webhook.clientConfig.caBundle",
)


@dataclass(slots=True)
class Change:
    """One difference: a field added, removed or changed (a named path and both values)."""

    path: tuple[str, ...]  # ("spec", "template", "spec", "containers[name=web]", "image")
    op: str  # "added", "removed", "changed"
    old: Any
    new: Any
    new_path: tuple  # the same field in NEW's data (list indexes as ints), for its line
    redacted: bool = False

    @property
    def dotted(self) -> str:
        return dotted(self.path)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.dotted, "op": self.op}
        if self.redacted:
            out["redacted"] = True
        else:
            if self.old is not MISSING:
                out["old"] = self.old
            if self.new is not MISSING:
                out["new"] = self.new
        return out


def dotted(path: tuple[str, ...]) -> str:
    out = ""
    for part in path:
        if part.startswith("["):
            out += part
        else:
            out += f".{part}" if out else part
    return out


def diff(old: Any, new: Any, secret: bool = False) -> tuple[list[Change], list[Change]]:
    """The changes from ``old`` to ``new`` (two objects' data), and the ignored ones."""
    changes: list[Change] = []
    _diff(old, new, (), (), None, changes)
    real: list[Change] = []
    noise: list[Change] = []
    for c in changes:
        if secret and len(c.path) >= 1 and c.path[0] in ("data", "stringData"):
            c.redacted = True
            c.old = MISSING if c.old is MISSING else REDACTED
            c.new = MISSING if c.new is MISSING else REDACTED
        (noise if is_noise(c.path) else real).append(c)
    return real, noise


def _diff(old: Any, new: Any, path: tuple, new_path: tuple, field_name: str | None, out: list[Change]) -> None:
    if old is new or (type(old) is type(new) and old == new):
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in _ordered_keys(old, new):
            o = old.get(key, MISSING)
            n = new.get(key, MISSING)
            if o is MISSING:
                out.append(Change((*path, str(key)), "added", MISSING, n, (*new_path, key)))
            elif n is MISSING:
                out.append(Change((*path, str(key)), "removed", o, MISSING, new_path))
            else:
                _diff(o, n, (*path, str(key)), (*new_path, key), str(key), out)
        return
    if isinstance(old, list) and isinstance(new, list):
        key = _merge_key(field_name, old, new)
        if key is not None:
            _diff_keyed(old, new, key, path, new_path, out)
            return
        if field_name in MERGE_KEYS and MERGE_KEYS[field_name] == () and len(old) == len(new):
            for i, (o, n) in enumerate(zip(old, new)):
                _diff(o, n, (*path, f"[{i}]"), (*new_path, i), None, out)
            return
    if old == new and type(old) is not bool and type(new) is not bool:
        return  # 1 == 1.0: the same value
    out.append(Change(path, "changed", old, new, new_path))


def _ordered_keys(old: dict, new: dict) -> list:
    keys = list(old)
    seen = set(keys)
    keys.extend(k for k in new if k not in seen)
    return keys


def _item_key(item: Any, key: str) -> Any:
    node = item
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, (str, int)) and not isinstance(node, bool) else None


def _merge_key(field_name: str | None, old: list, new: list) -> str | None:
    """The key that names every item of both lists uniquely, or None (compare atomically)."""
    if not old and not new:
        return None
    candidates = MERGE_KEYS.get(field_name or "", GENERIC_KEYS)
    for key in candidates:
        ok = True
        for items in (old, new):
            values = [_item_key(i, key) for i in items]
            if any(v is None for v in values) or len(set(values)) != len(values):
                ok = False
                break
        if ok:
            return key
    return None


def _diff_keyed(old: list, new: list, key: str, path: tuple, new_path: tuple, out: list[Change]) -> None:
    label = key.rpartition(".")[2]
    old_by = {_item_key(i, key): i for i in old}
    new_at = {_item_key(item, key): index for index, item in enumerate(new)}
    for index, item in enumerate(new):
        name = _item_key(item, key)
        here = (*path, f"[{label}={name}]")
        if name not in old_by:
            out.append(Change(here, "added", MISSING, item, (*new_path, index)))
        else:
            _diff(old_by[name], item, here, (*new_path, index), None, out)
    for item in old:
        name = _item_key(item, key)
        if name not in new_at:
            out.append(Change((*path, f"[{label}={name}]"), "removed", item, MISSING, new_path))


def is_noise(path: tuple[str, ...]) -> bool:
    """Whether a difference at this path is bookkeeping rather than a change (NOISE_PATHS)."""
    parts = [p if not p.startswith("[") else "*" for p in path]
    for pattern in _NOISE:
        if len(parts) < len(pattern):
            continue
        if all(fnmatch.fnmatchcase(parts[i], pattern[i]) for i in range(len(pattern))):
            return True
    return False


def _split(pattern: str) -> tuple[str, ...]:
    # annotation and label keys hold dots and slashes: after labels/annotations the rest is one key
    parts = pattern.split(".")
    for i, part in enumerate(parts):
        if part in ("labels", "annotations") and i + 1 < len(parts):
            return (*parts[: i + 1], ".".join(parts[i + 1 :]))
    return tuple(parts)


_NOISE = [_split(p) for p in NOISE_PATHS]
