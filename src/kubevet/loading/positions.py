"""Resolve a field path inside an object to the line and column where it is written.

The decoder gives every document a position tree (see loading.yaml_decode) while it builds
the values, in the same pass. While a document's objects are judged the reader keeps that
tree (``Document.node``), so object-rule findings are placed at no extra cost; objects kept
for cluster rules carry the positions of their upper fields, and only findings deeper than that
decode their document a second time, once per document.
"""

from __future__ import annotations

from kubevet.loading.yaml_decode import decode
from kubevet.model import Document


class PositionIndex:
    """Places findings: from the document's live nodes, an object's field positions, or a re-parse.

    While a document's objects are being judged the reader keeps its root node
    (``Document.node``), so object-rule findings cost no parsing at all. Objects kept for
    cluster rules carry the positions of their upper fields; only findings deeper than that are
    placed by parsing their document again, once per document.
    """

    def __init__(self) -> None:
        self._nodes: dict[int, list | None] = {}

    def locate(self, doc: Document, path: tuple, obj=None) -> tuple[int, int]:
        """Return the 1-based (line, column) of ``path`` (from the document root).

        A path that is not written in the document (a missing field, say) resolves to the
        nearest written ancestor, so a finding always points into its object.
        """
        if doc.node is not None:
            return walk(doc.node, path, doc.line)
        if obj is not None and obj.field_positions is not None:
            local = path[len(obj.base) :]
            written = _written_prefix(obj.data, local)
            hit = obj.field_positions.get(written)
            if hit is not None:
                return hit
        key = id(doc)
        if key not in self._nodes:
            try:
                self._nodes[key] = [where for _, where in decode(doc.read())[0]]
            except Exception:  # noqa: BLE001 - the document decoded once; never fail here
                self._nodes[key] = None
        nodes = self._nodes[key]
        if not nodes or doc.index >= len(nodes):
            return doc.line + 1, 1
        return walk(nodes[doc.index], path, doc.line)

    def forget(self, doc: Document) -> None:
        self._nodes.pop(id(doc), None)


def walk(position: tuple, path: tuple, line0: int) -> tuple[int, int]:
    """1-based (line, column) of ``path`` in a position tree, or of its nearest written
    ancestor; ``line0`` is the document's first line in its file."""
    line, column, children = position
    for part in path:
        entry = _child(children, part)
        if entry is None:
            break
        line, column, children = entry
    return line0 + line + 1, column + 1


def _written_prefix(data, path: tuple) -> tuple:
    """The longest prefix of ``path`` that exists in the decoded data."""
    node = data
    for i, part in enumerate(path):
        if isinstance(part, int):
            if not isinstance(node, list) or not 0 <= part < len(node):
                return path[:i]
        elif not isinstance(node, dict) or part not in node:
            return path[:i]
        node = node[part]
    return path


_SKETCH_DEPTH = 3
_TOWARDS_PODS = frozenset({"spec", "template", "jobTemplate"})
_CONTAINER_LISTS = frozenset({"containers", "initContainers", "ephemeralContainers"})


def field_positions(doc: Document, base: tuple) -> dict[tuple, tuple[int, int]]:
    """Positions of an object's fields down to three levels, of its pod template's metadata
    and spec keys, and of its containers.

    That is where cluster rules point (metadata, spec.selector, spec.replicas, a rule of a
    Role, the template's labels, a container), at a fraction of the memory of the whole
    tree. Paths are relative to the object; call while ``doc.node`` is alive.
    """
    root = doc.node
    if root is None:  # no position tree (a document libyaml could not parse): placed on demand
        return {}
    for part in base:
        root = _child(root[2], part)
        if root is None:
            return {}
    line0 = doc.line
    out: dict[tuple, tuple[int, int]] = {(): (line0 + root[0] + 1, root[1] + 1)}

    def visit(children, path: tuple, in_containers: bool) -> None:
        depth = len(path)
        if children.__class__ is dict:
            # a pod template's metadata and spec keys are kept too: rules point there often
            in_template = depth >= 2 and path[-1] in ("metadata", "spec") and path[-2] == "template"
            for key, (line, column, sub) in children.items():
                here = (*path, key)
                if depth < _SKETCH_DEPTH or in_containers or in_template:
                    out[here] = (line0 + line + 1, column + 1)
                if in_containers:
                    continue  # a container's own keys are enough
                if key in _CONTAINER_LISTS and sub.__class__ is list:
                    for i, (item_line, item_column, item) in enumerate(sub):
                        out[(*here, i)] = (line0 + item_line + 1, item_column + 1)
                        visit(item, (*here, i), True)
                elif depth + 1 < _SKETCH_DEPTH or key in _TOWARDS_PODS or (key == "metadata" and path[-1:] == ("template",)):
                    visit(sub, here, False)
        elif children.__class__ is list and depth < _SKETCH_DEPTH:
            for i, (line, column, item) in enumerate(children):
                out[(*path, i)] = (line0 + line + 1, column + 1)
                visit(item, (*path, i), False)

    visit(root[2], (), False)
    return out


def _child(children, part) -> tuple | None:
    """The position under ``part`` of a node's children (a map key's, or a list item's)."""
    if part.__class__ is int:
        if children.__class__ is list and 0 <= part < len(children):
            return children[part]
        return None
    if children.__class__ is dict:
        return children.get(part)
    return None
