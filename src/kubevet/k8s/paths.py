"""Field paths that survive edits: list items named by what Kubernetes merges them by."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

# lists whose items Kubernetes merges by a key other than "name" (patchMergeKey); the
# first key an item has with a scalar value names it, else "name", else its index
_MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "hostAliases": ("ip",),
    "topologySpreadConstraints": ("topologyKey",),
    "conditions": ("type",),
    "ownerReferences": ("uid",),
    "ports": ("name", "containerPort", "port"),
}
_DEFAULT_KEYS = ("name",)
_SCALAR_LABEL_MAX = 64


def named_path(data: Any, path: Sequence) -> str:
    """A field path with each list index replaced by what names the item.

    ``("spec", "containers", 1, "env", 0)`` on a pod whose second container is ``web``
    and whose first variable is ``A`` gives ``spec.containers[name=web].env[name=A]``.
    An item without a name keeps its index; two items of one list with the same name are
    told apart by occurrence (``[name=web#2]``).
    """
    out: list[str] = []
    node: Any = data
    parent: Any = None
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            if isinstance(node, list) and 0 <= part < len(node):
                out.append(_item_label(node, part, parent))
                node = node[part]
            else:
                out.append(f"[{part}]")
                node = None
        else:
            out.append(f".{part}" if out else str(part))
            node = node.get(part) if isinstance(node, dict) else None
        parent = part
    return "".join(out)


def _item_label(items: list, i: int, parent: Any) -> str:
    label = _label(items[i], parent)
    if label is None:
        return f"[{i}]"
    same = sum(1 for item in items[:i] if _label(item, parent) == label)
    return f"[{label}#{same + 1}]" if same else f"[{label}]"


def _label(item: Any, parent: Any) -> str | None:
    if isinstance(item, dict):
        keys = _MERGE_KEYS.get(parent, _DEFAULT_KEYS) if isinstance(parent, str) else _DEFAULT_KEYS
        for key in keys:
            value = item.get(key)
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and value != "":
                return f"{key}={value}"
        return None
    if isinstance(item, (str, int, float, bool)):
        text = item if isinstance(item, str) else json.dumps(item)
        if len(text) > _SCALAR_LABEL_MAX:
            text = "~" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        return f"={text}"
    return None


MISSING = object()
"""What value_at() returns for a path that is not in the data (None may be a value)."""


def value_at(data: Any, path: Sequence) -> Any:
    """The value at a field path of decoded data, or MISSING."""
    node = data
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool) and isinstance(node, list) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return MISSING
    return node
