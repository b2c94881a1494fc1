"""Read an object's fields without trusting their types.

Manifests are untrusted input: ``ports: 80`` where a list belongs, ``protocol: {}`` where
a string does. The wrong type is ``schema-invalid``'s finding (SCH001); every other rule
must read past it, as if the field were absent, and never crash. These helpers return the
field when it has the expected type and an empty value of that type otherwise.
"""

from __future__ import annotations

from typing import Any


def as_dict(value: Any) -> dict:
    """``value`` if it is a map, else ``{}``."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    """``value`` if it is a list, else ``[]``."""
    return value if isinstance(value, list) else []


def dicts(value: Any) -> list[dict]:
    """The map items of a list (``[]`` when ``value`` is not a list): ``ports``, ``env``."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def text(value: Any, default: str = "") -> str:
    """``value`` if it is a string, else ``default``."""
    return value if isinstance(value, str) else default


def strings(value: Any) -> list[str]:
    """The string items of a list (``[]`` when ``value`` is not a list)."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def dig(data: Any, *path: Any) -> Any:
    """The value at ``path`` (keys and list indexes), or None where the path does not
    exist or passes through a value of the wrong type."""
    node = data
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            if not isinstance(node, list) or not -len(node) <= part < len(node):
                return None
        elif not isinstance(node, dict):
            return None
        node = node[part] if isinstance(node, list) else node.get(part)
    return node
