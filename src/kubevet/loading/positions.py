"""Resolve a field path inside an object to the line and column where it is written.

Positions are worked out only for the documents that have findings: the document's bytes
are parsed again into libyaml nodes (about a millisecond for a Deployment), which keeps the
scan itself free of any position bookkeeping.
"""

from __future__ import annotations

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from kubevet.loading.yaml_decode import _HINT, DecodeError, compose, key_text
from kubevet.model import Document


class PositionIndex:
    """Places findings: from the document's live nodes, an object's sketch, or a re-parse.

    While a document's objects are being judged the reader keeps its root node
    (``Document.node``), so object-rule findings cost no parsing at all. Objects kept for
    cluster rules carry a sketch of their upper fields; only findings deeper than that are
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
            return _walk(doc.node, path, doc.line)
        if obj is not None and obj.sketch is not None:
            local = path[len(obj.base) :]
            written = _written_prefix(obj.data, local)
            hit = obj.sketch.get(written)
            if hit is not None:
                return hit
        key = id(doc)
        if key not in self._nodes:
            try:
                self._nodes[key] = compose(doc.read())
            except Exception:  # noqa: BLE001 - the document decoded once; never fail here
                self._nodes[key] = None
        nodes = self._nodes[key]
        if not nodes or doc.index >= len(nodes):
            return doc.line + 1, 1
        return _walk(nodes[doc.index], path, doc.line)

    def forget(self, doc: Document) -> None:
        self._nodes.pop(id(doc), None)


def _walk(node, path: tuple, line0: int) -> tuple[int, int]:
    mark = node.start_mark
    for part in path:
        child, key_mark = _child(node, part)
        if child is None:
            break
        node = child
        mark = key_mark
    return line0 + mark.line + 1, mark.column + 1


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


def sketch(doc: Document, base: tuple) -> dict[tuple, tuple[int, int]]:
    """Positions of an object's fields down to three levels, of its pod template's metadata
    and spec keys, and of its containers.

    That is where cluster rules point (metadata, spec.selector, spec.replicas, a rule of a
    Role, the template's labels, a container), at a fraction of the memory of the nodes.
    Paths are relative to the object; call while ``doc.node`` is alive.
    """
    root = doc.node
    for part in base:
        root, _ = _child(root, part)
        if root is None:
            return {}
    out: dict[tuple, tuple[int, int]] = {(): (doc.line + root.start_mark.line + 1, root.start_mark.column + 1)}
    line0 = doc.line

    def visit(node, path: tuple, in_containers: bool) -> None:
        cls = node.__class__
        depth = len(path)
        # a pod template's metadata and spec keys are kept too: rules point there often
        in_template = depth >= 2 and path[-1] in ("metadata", "spec") and path[-2] == "template"
        if cls is MappingNode:
            for key_node, value_node in node.value:
                if key_node.__class__ is not ScalarNode:
                    continue
                key = _key_text(key_node)
                here = (*path, key)
                if depth < _SKETCH_DEPTH or in_containers or in_template:
                    mark = key_node.start_mark
                    out[here] = (line0 + mark.line + 1, mark.column + 1)
                if in_containers:
                    continue  # a container's own keys are enough
                if key in _CONTAINER_LISTS and value_node.__class__ is SequenceNode:
                    for i, item in enumerate(value_node.value):
                        mark = item.start_mark
                        out[(*here, i)] = (line0 + mark.line + 1, mark.column + 1)
                        visit(item, (*here, i), True)
                elif depth + 1 < _SKETCH_DEPTH or key in _TOWARDS_PODS or (key == "metadata" and path[-1:] == ("template",)):
                    visit(value_node, here, False)
        elif cls is SequenceNode and depth < _SKETCH_DEPTH:
            for i, item in enumerate(node.value):
                mark = item.start_mark
                out[(*path, i)] = (line0 + mark.line + 1, mark.column + 1)
                visit(item, (*path, i), False)

    visit(root, (), False)
    return out


def _child(node, part):
    """The node under ``part`` and the mark to report for it (the key of a map entry)."""
    if isinstance(part, int):
        if node.__class__ is SequenceNode and 0 <= part < len(node.value):
            item = node.value[part]
            return item, item.start_mark
        return None, None
    if node.__class__ is not MappingNode:
        return None, None
    found = None
    for key_node, value_node in node.value:
        if key_node.__class__ is ScalarNode and _key_text(key_node) == part:
            found = (value_node, key_node.start_mark)  # the last one wins, as when decoding
    if found is None:
        # a merge key may have brought the field in: search the merged maps
        for key_node, value_node in node.value:
            if key_node.__class__ is ScalarNode and key_node.value == "<<" and not key_node.style:
                merged = [value_node] if value_node.__class__ is MappingNode else list(value_node.value)
                for m in merged:
                    child, mark = _child(m, part)
                    if child is not None:
                        return child, mark
        return None, None
    return found


def _key_text(key_node) -> str:
    """The key as decoding made it (``on`` is "true", ``1.0`` is "1"), so paths match."""
    text = key_node.value
    if not key_node.style and key_node.tag is None and text and text[0] not in _HINT:
        return text  # the common case: a plain key that can only be a string
    try:
        return key_text(key_node)
    except DecodeError:
        return text
