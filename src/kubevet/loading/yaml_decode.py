"""Decode YAML exactly as Kubernetes does, fast.

Kubernetes turns YAML into JSON with sigs.k8s.io/yaml, which decodes with go-yaml v2 into
``interface{}`` and then encodes JSON. That fixes the typing of every plain scalar:

* YAML 1.1 booleans, including ``y``/``n``/``yes``/``no``/``on``/``off`` in three casings;
* integers through Go's ``strconv.ParseInt(s, 0, 64)`` after removing ``_``: ``0x1F``,
  ``0o17``, ``0b101``, and a leading ``0`` means octal (``010`` is 8);
* floats with an optional exponent and no dot required (``1e3`` is 1000), ``.5``, ``.inf``;
  a number that does not fit int64/uint64 becomes a float; ``08`` (not octal) is the float 8;
* no sexagesimal numbers (``1:20`` stays a string, unlike PyYAML);
* timestamps stay strings (go-yaml keeps them as strings when decoding into interface{});
* JSON then prints integral floats as integers (``1.0`` arrives as ``1``) and cannot encode
  NaN or infinities, so a manifest holding one is refused, as kubectl refuses it;
* map keys become strings (``true: x`` has the key "true"); a null or collection key is
  refused;
* merge keys ``<<`` apply in document order, as go-yaml v2 applies them.

Parsing is libyaml's, through PyYAML's C composer; the conversion to Python values is our
own, which is where most of PyYAML's time goes. Aliases are shared, not copied, and their
expansion is bounded so that an alias bomb is refused instead of exhausting memory.
"""

from __future__ import annotations

import base64
import math
import re
import sys

from yaml import _yaml as _cyaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

# libyaml refuses nesting deeper than 1000 levels (flow and block alike); the converter
# recurses once per level, so make room for that in the Python stack.
if sys.getrecursionlimit() < 10000:
    sys.setrecursionlimit(10000)

MAX_ALIAS_EXPANSION = 1_000_000
"""Nodes that aliases may add to one document when expanded; beyond it the document is refused."""


class DecodeError(Exception):
    """A document Kubernetes would not decode; ``line``/``column`` are 0-based in the document."""

    def __init__(self, message: str, line: int = 0, column: int = 0, limit: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.limit = limit


class _Parser(_cyaml.CParser):
    """libyaml's parser and PyYAML's C composer, with tag resolution left to us."""

    def resolve(self, kind, value, implicit):  # noqa: D102 - called by the C composer
        return None

    def descend_resolver(self, parent, index):
        pass

    def ascend_resolver(self):
        pass


def compose(data: bytes) -> list:
    """Parse bytes into libyaml nodes, one per document (raises yaml.YAMLError)."""
    parser = _Parser(data)
    nodes = []
    try:
        while parser.check_node():
            nodes.append(parser.get_node())
    finally:
        parser.dispose()
    return nodes


# --- scalar resolution, after go-yaml v2's resolve.go ----------------------------------------

_TRUE = ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")
_FALSE = ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")
_RESOLVE_MAP: dict[str, object] = {}
_RESOLVE_MAP.update(dict.fromkeys(_TRUE, True))
_RESOLVE_MAP.update(dict.fromkeys(_FALSE, False))
_RESOLVE_MAP.update(dict.fromkeys(("", "~", "null", "Null", "NULL"), None))
_RESOLVE_MAP.update(dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan))
_RESOLVE_MAP.update(dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf))
_RESOLVE_MAP.update(dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf))

# first characters that can start anything but a string (go-yaml's resolveTable hints)
_HINT = frozenset("yYnNtTfFoO~0123456789+-.")
_NUMERIC_START = frozenset("0123456789+-")

_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
# Go's strconv.ParseInt(s, 0, 64) syntax (underscores already removed)
_GO_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)\Z")
# go-yaml v2's parseTimestamp formats, all starting with a 4-digit year
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?\Z"
)

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_UINT64_MAX = (1 << 64) - 1
_FLOAT_AS_INT_LIMIT = 1e21  # encoding/json prints smaller integral floats without exponent

_MISSING = object()


def _go_int(plain: str) -> int | None:
    m = _GO_INT.match(plain)
    if m is None:
        return None
    sign, digits = m.groups()
    low = digits[:2].lower()
    if low == "0x":
        value = int(digits[2:], 16)
    elif low == "0o":
        value = int(digits[2:], 8)
    elif low == "0b":
        value = int(digits[2:], 2)
    elif digits.startswith("0") and len(digits) > 1:
        value = int(digits[1:], 8)
    else:
        value = int(digits)
    if sign == "-":
        value = -value
    if _INT64_MIN <= value <= _INT64_MAX:
        return value
    if sign != "-" and value <= _UINT64_MAX and sign == "":
        return value  # strconv.ParseUint takes it (no sign allowed there)
    return None


def _json_number(value: float) -> int | float:
    """What a float becomes after encoding/json and the API server's JSON decoding."""
    if value != value or value in (math.inf, -math.inf):
        raise ValueError("not representable in JSON")
    if value.is_integer() and abs(value) < _FLOAT_AS_INT_LIMIT:
        return int(value)
    return value


def resolve_plain(text: str) -> object:
    """Type a plain (unquoted, untagged) scalar as Kubernetes does."""
    value = _RESOLVE_MAP.get(text, _MISSING)
    if value is not _MISSING:
        return value
    first = text[0]
    if first == ".":
        if not _YAML_STYLE_FLOAT.match(text):
            return text
        value = float(text)
        return text if value in (math.inf, -math.inf) else value
    if first not in _NUMERIC_START:
        return text
    # Timestamps (go-yaml keeps them as strings) need no test: "2024-01-02" fails both the
    # integer and the float syntax below and stays a string anyway.
    plain = text.replace("_", "") if "_" in text else text
    number = _go_int(plain)
    if number is not None:
        return number
    if _YAML_STYLE_FLOAT.match(plain):
        value = float(plain)
        # strconv.ParseFloat reports a range error for 1e999; go-yaml then keeps the string
        return text if value in (math.inf, -math.inf) else value
    return text


_TAG_PREFIX = "tag:yaml.org,2002:"


def _tagged_scalar(node: ScalarNode) -> object:
    tag = node.tag
    text = node.value
    if tag == "!" or not tag.startswith(_TAG_PREFIX):
        return text  # local and unknown tags: go-yaml keeps the text as a string
    name = tag[len(_TAG_PREFIX) :]
    if name == "str":
        return text
    if name == "binary":
        try:
            return base64.b64decode(text, validate=False).decode("utf-8", "replace")
        except ValueError as exc:
            raise _error(node, f"!!binary value is not base64: {exc}") from None
    resolved = resolve_plain(text) if text else None
    kinds = {
        "null": resolved is None,
        "bool": isinstance(resolved, bool),
        "int": isinstance(resolved, int) and not isinstance(resolved, bool),
        "float": isinstance(resolved, (int, float)) and not isinstance(resolved, bool),
        "timestamp": bool(_TIMESTAMP.match(text)),
    }
    if name not in kinds:
        return text
    if not kinds[name]:
        raise _error(node, f"cannot decode {text!r} as !!{name}")
    if name == "float":
        return float(resolved)  # type: ignore[arg-type]
    return text if name == "timestamp" else resolved


def _error(node, message: str, limit: bool = False) -> DecodeError:
    mark = node.start_mark
    return DecodeError(message, mark.line, mark.column, limit)


def _key_string(key: object, node) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        if key != key:
            return ".nan"
        if key in (math.inf, -math.inf):
            return ".inf" if key > 0 else "-.inf"
        # strconv.FormatFloat(key, "g", -1, 32) prints integral keys below 1e6 as integers
        return str(int(key)) if key.is_integer() and abs(key) < 1e6 else repr(key)
    if key is None:
        raise _error(node, "a null map key cannot be decoded by Kubernetes")
    raise _error(node, "a map or list used as a map key cannot be decoded by Kubernetes")


class Converter:
    """Turn composed nodes into plain Python values with Kubernetes' typing.

    ``duplicates`` collects (line, column, key) of repeated map keys (0-based); the last
    value wins, as in Kubernetes.
    """

    __slots__ = ("duplicates", "_memo", "_count", "_expanded")

    def __init__(self, with_aliases: bool) -> None:
        self.duplicates: list[tuple[int, int, str]] = []
        self._memo: dict[int, tuple[object, int]] | None = {} if with_aliases else None
        self._count = 0
        self._expanded = 0

    def convert(self, node) -> object:
        cls = node.__class__
        if cls is ScalarNode:
            if not node.style and node.tag is None:
                text = node.value
                if not text:
                    return None
                if text[0] in _HINT:
                    value = resolve_plain(text)
                    if value.__class__ is float:
                        try:
                            return _json_number(value)
                        except ValueError:
                            raise _error(
                                node, f"{text} cannot be encoded as JSON, so Kubernetes refuses it"
                            ) from None
                    return value
                return text
            if node.tag is None:
                return node.value
            value = _tagged_scalar(node)
            if value.__class__ is float:
                try:
                    return _json_number(value)
                except ValueError:
                    raise _error(
                        node, f"{node.value} cannot be encoded as JSON, so Kubernetes refuses it"
                    ) from None
            return value
        memo = self._memo
        if memo is not None:
            hit = memo.get(id(node))
            if hit is not None:
                # an alias: shared, not copied, but it counts as big as what it stands for
                self._count += hit[1]
                self._expanded += hit[1]
                if self._expanded > MAX_ALIAS_EXPANSION:
                    raise _error(
                        node,
                        f"aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes "
                        "(an alias bomb?); refusing the document",
                        limit=True,
                    )
                return hit[0]
            before = self._count
        # count this node and its children, scalars included, for the alias bound
        self._count += 1 + len(node.value)
        if cls is MappingNode:
            value = self._mapping(node)
        elif cls is SequenceNode:
            convert = self.convert
            value = [convert(item) for item in node.value]
        else:  # pragma: no cover - libyaml produces only the three node kinds
            raise _error(node, f"unexpected YAML node {cls.__name__}")
        if memo is not None:
            memo[id(node)] = (value, self._count - before)
        return value

    def _mapping(self, node) -> dict:
        out: dict = {}
        convert = self.convert
        for key_node, value_node in node.value:
            if key_node.__class__ is ScalarNode and not key_node.style and key_node.tag is None:
                key = key_node.value
                if key == "<<":
                    self._merge(out, value_node)
                    continue
                if key and key[0] in _HINT:
                    key = _key_string(resolve_plain(key), key_node)
            else:
                key = _key_string(convert(key_node), key_node)
            if key in out:
                mark = key_node.start_mark
                self.duplicates.append((mark.line, mark.column, key))
            out[key] = convert(value_node)
        return out

    def _merge(self, out: dict, node) -> None:
        """Apply a merge key as go-yaml v2 does: in document order, earlier maps of a list win."""
        if node.__class__ is MappingNode:
            out.update(self.convert(node))  # type: ignore[arg-type]
            return
        if node.__class__ is SequenceNode:
            for item in reversed(node.value):
                if item.__class__ is not MappingNode:
                    raise _error(item, "map merge requires a map or a list of maps")
                out.update(self.convert(item))  # type: ignore[arg-type]
            return
        raise _error(node, "map merge requires a map or a list of maps")


def decode(data: bytes) -> tuple[list, list[tuple[int, int, str]]]:
    """Decode every document of ``data``.

    Returns (value, root node) per document, and the duplicate keys seen. The root node
    carries positions (``start_mark``); keep it only while findings may need them.
    Raises yaml.YAMLError for syntax errors and DecodeError for what Kubernetes refuses.
    """
    nodes = compose(data)
    converter = Converter(with_aliases=b"*" in data)
    values = [(converter.convert(node), node) for node in nodes]
    return values, converter.duplicates
