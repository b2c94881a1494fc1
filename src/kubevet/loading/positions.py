"""Resolve a field path inside an object to the line and column where it is written.

Positions are worked out only for the documents that have findings: the document's bytes
are parsed again into libyaml nodes (about a millisecond for a Deployment), which keeps the
scan itself free of any position bookkeeping.
"""

from __future__ import annotations

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from kubevet.loading.yaml_decode import compose, resolve_plain
from kubevet.model import Document


class PositionIndex:
    """Node trees of documents, parsed once per document and reused for all its findings."""

    def __init__(self) -> None:
        self._nodes: dict[int, list | None] = {}

    def locate(self, doc: Document, path: tuple) -> tuple[int, int]:
        """Return the 1-based (line, column) of ``path`` in ``doc``.

        A path that is not written in the document (a missing field, say) resolves to the
        nearest written ancestor, so a finding always points into its object.
        """
        key = id(doc)
        if key not in self._nodes:
            try:
                self._nodes[key] = compose(doc.read())
            except Exception:  # noqa: BLE001 - the document decoded once; never fail here
                self._nodes[key] = None
        nodes = self._nodes[key]
        if not nodes or doc.index >= len(nodes):
            return doc.line + 1, 1
        node = nodes[doc.index]
        mark = node.start_mark
        for part in path:
            child, key_mark = _child(node, part)
            if child is None:
                break
            node = child
            mark = key_mark
        return doc.line + mark.line + 1, mark.column + 1

    def forget(self, doc: Document) -> None:
        self._nodes.pop(id(doc), None)


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
    text = key_node.value
    if key_node.style or key_node.tag is not None or not text:
        return text
    value = resolve_plain(text)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if value is not None else text
