"""Field paths that survive edits: list items named by what Kubernetes merges them by."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from kubevet.findings import MISSING, value_at  # noqa: F401 - field paths live in findings

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
    labels = _labels(items, parent)
    label, occurrence = labels[i]
    if label is None:
        return f"[{i}]"
    return f"[{label}#{occurrence}]" if occurrence > 1 else f"[{label}]"


# the labels of the lists named last: the findings of one object are placed one after the
# other, and 20,000 findings on one list of 20,000 items must not count duplicates 20,000
# times over (quadratic). Each entry holds its list, so its id cannot be reused meanwhile.
_LABELS: dict[tuple[int, Any], tuple[list, list[tuple[str | None, int]]]] = {}
_LABELS_MAX = 16


def _labels(items: list, parent: Any) -> list[tuple[str | None, int]]:
    """(label, occurrence of that label so far, from 1) of every item of a list."""
    key = (id(items), parent if isinstance(parent, (str, int)) else None)
    hit = _LABELS.get(key)
    if hit is not None and hit[0] is items and len(hit[1]) == len(items):
        return hit[1]
    seen: dict[str, int] = {}
    out: list[tuple[str | None, int]] = []
    for item in items:
        label = _label(item, parent)
        if label is None:
            out.append((None, 0))
        else:
            seen[label] = seen.get(label, 0) + 1
            out.append((label, seen[label]))
    if len(_LABELS) >= _LABELS_MAX:
        _LABELS.clear()
    _LABELS[key] = (items, out)
    return out


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
