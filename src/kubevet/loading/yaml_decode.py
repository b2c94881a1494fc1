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
* JSON then prints integral floats as integers with their shortest digits (``1.0`` arrives
  as ``1``, 2**64 as ``18446744073709552000``) and cannot encode NaN or infinities, so a
  manifest holding one is refused, as kubectl refuses it;
* explicit tags resolve as go-yaml's ``resolve(tag, in)`` does; local tags, including the
  non-specific ``!``, make strings;
* map keys become strings (``true: x`` has the key "true", ``1e6: x`` the key "1e+06",
  printed as a float32); a null, uint64 or collection key is refused;
* merge keys ``<<`` apply in document order, as go-yaml v2 applies them.

Parsing is libyaml's. The fast path is kubevet's C extension (``kubevet._yamlfast``), which
builds the values and their positions straight from libyaml's events and hands anything
rare (tags, anchors, merge keys, keys that are not strings, errors) back to the pure-Python
path: PyYAML's C composer and our own conversion of its nodes. Both give the same values,
positions and duplicate keys (tests/loading/test_fast_path.py). Aliases are shared, not
copied, and their expansion is bounded so that an alias bomb is refused instead of
exhausting memory. Set ``KUBEVET_PURE_PYTHON=1`` to use the pure-Python path only.

A position is ``(line, column, children)``, 0-based, where ``children`` is a dict
``{key: position}`` for a map (an entry's position is its key's), a list of positions for
a list (each item's own start), or None for a scalar: what placing a finding needs, in
plain values that outlive the parser.
"""

from __future__ import annotations

import base64
import codecs
import math
import os
import re
import struct
import sys

from yaml import _yaml as _cyaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

# libyaml refuses nesting deeper than 1000 levels (flow and block alike); the converter
# recurses once per level, so make room for that in the Python stack.
if sys.getrecursionlimit() < 10000:
    sys.setrecursionlimit(10000)

try:
    from kubevet import _yamlfast
except ImportError:  # built without a C compiler or libyaml's headers
    _yamlfast = None
if os.environ.get("KUBEVET_PURE_PYTHON"):
    _yamlfast = None

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
# What strconv.ParseFloat accepts from a scalar that starts with "." (resolve.go gives such a
# scalar to ParseFloat as it is, and Go's float syntax allows "_" between digits)
_DOT_FLOAT = re.compile(r"\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?\Z")
# Go's strconv.ParseInt(s, 0, 64) syntax (underscores already removed)
_GO_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)\Z")
# go-yaml v2's allowedTimestampFormats, as time.Parse reads them: "2006-1-2T15:4:5.999999999Z07:00"
# (T or t), "2006-1-2 15:4:5.999999999" and "2006-1-2"
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:"
    r"[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?(?:Z|[-+]([0-9]{2}):([0-9]{2}))"
    r"| ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?"
    r")?\Z"
)
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_UINT64_MAX = (1 << 64) - 1
_FLOAT_AS_INT_LIMIT = 1e21  # encoding/json prints smaller integral floats without exponent
_EXACT_INT_LIMIT = float(1 << 53)  # below it an integral float's shortest digits are exact

_MISSING = object()


def _go_int(plain: str) -> int | None:
    m = _GO_INT.match(plain)
    if m is None:
        return None
    sign, digits = m.groups()
    if len(digits) > 80:  # beyond even 64 binary digits and a prefix: not an int64 or uint64
        return None  # (and int() of thousands of digits is refused by Python's int-string limit)
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
    if sign == "" and value <= _UINT64_MAX:
        return value  # strconv.ParseUint takes it (it allows no sign): a uint64
    return None


def _json_number(value: float) -> int | float:
    """What a float64 becomes once encoding/json has printed it.

    encoding/json prints a float64 with its shortest round-trip digits, in plain notation
    when it is below 1e21: an integral float arrives as an integer literal, so ``1.0`` is
    ``1`` and 2**64 is ``18446744073709552000`` (not 18446744073709551616).
    """
    if value != value or value in (math.inf, -math.inf):
        raise ValueError("not representable in JSON")
    if value.is_integer() and -_FLOAT_AS_INT_LIMIT < value < _FLOAT_AS_INT_LIMIT:
        if -_EXACT_INT_LIMIT < value < _EXACT_INT_LIMIT:
            return int(value)
        from decimal import Decimal

        return int(Decimal(repr(value)))  # repr is the shortest round-trip form, like Go's
    return value


def resolve_plain(text: str) -> object:
    """Type a plain (unquoted, untagged) scalar as go-yaml v2 does (before JSON).

    Integers beyond int64 are go-yaml's uint64; floats are returned as they are (NaN and
    infinities included): the converter applies what encoding/json does to them.
    """
    value = _RESOLVE_MAP.get(text, _MISSING)
    if value is not _MISSING:
        return value
    first = text[0]
    if first == ".":
        # resolve.go: ParseFloat(in) on the text as written
        if not _DOT_FLOAT.match(text):
            return text
        value = float(text.replace("_", "")) if "_" in text else float(text)
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


def _is_timestamp(text: str) -> bool:
    """Whether go-yaml's parseTimestamp accepts ``text`` (time.Parse checks every field)."""
    m = _TIMESTAMP.match(text)
    if m is None:
        return False
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if not 1 <= month <= 12:
        return False
    days = _DAYS_IN_MONTH[month - 1]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        days = 29
    if not 1 <= day <= days:
        return False
    clock = m.group(4, 5, 6) if m[4] is not None else m.group(9, 10, 11)
    if clock[0] is not None:
        hour, minute, second = map(int, clock)
        if hour > 23 or minute > 59 or second > 59:
            return False
    if m[7] is not None and (int(m[7]) > 24 or int(m[8]) > 60):
        return False
    return True


_TAG_PREFIX = "tag:yaml.org,2002:"
_MERGE_TAG = _TAG_PREFIX + "merge"


def _go_replace(exc: UnicodeDecodeError) -> tuple[str, int]:
    # encoding/json writes one U+FFFD for every byte that is not valid UTF-8
    return "\ufffd" * (exc.end - exc.start), exc.end


codecs.register_error("kubevet.go_replace", _go_replace)


def _short_tag(value: object) -> str:
    """go-yaml's name for the tag a value resolved to, for its error messages."""
    if value is None:
        return "!!null"
    if value.__class__ is bool:
        return "!!bool"
    if value.__class__ is int:
        return "!!int"
    if value.__class__ is float:
        return "!!float"
    return "!!merge" if value == "<<" else "!!str"


def _tagged_scalar(node: ScalarNode) -> object:
    """A scalar with an explicit tag, as go-yaml's resolve(tag, in) decodes it (before JSON)."""
    tag = node.tag
    text = node.value
    if not tag.startswith(_TAG_PREFIX):
        return text  # local tags: not resolvable, go-yaml keeps the text as a string
    name = tag[len(_TAG_PREFIX) :]
    if name == "str":
        return text
    if name == "binary":
        # decode.go: base64.StdEncoding, which skips CR and LF but nothing else
        try:
            raw = base64.b64decode(text.replace("\n", "").replace("\r", ""), validate=True)
        except ValueError:
            raise _error(node, "!!binary value contains invalid base64 data") from None
        return raw.decode("utf-8", "kubevet.go_replace")
    if name == "timestamp":
        # a timestamp decoded into interface{} is kept as its text
        if _is_timestamp(text):
            return text
        raise _error(node, f"cannot decode `{text}` as a !!timestamp")
    if name not in ("null", "bool", "int", "float"):
        return text  # !!map, !!merge, !!foo ... on a scalar: not resolvable, a string
    resolved = resolve_plain(text) if text else None
    cls = resolved.__class__
    if name == "null":
        ok = resolved is None
    elif name == "bool":
        ok = cls is bool
    elif name == "int":
        ok = cls is int
    else:
        if cls is int and resolved <= _INT64_MAX:  # type: ignore[operator]
            return float(resolved)  # type: ignore[arg-type]  # an int asked for as a float; not a uint64
        ok = cls is float
    if not ok:
        raise _error(node, f"cannot decode {_short_tag(resolved)} `{text}` as a !!{name}")
    return resolved


def _error(node, message: str, limit: bool = False) -> DecodeError:
    mark = node.start_mark
    return DecodeError(message, mark.line, mark.column, limit)


def _format_float32(value: float) -> str:
    """Go's strconv.FormatFloat(value, 'g', -1, 32), as sigs.k8s.io/yaml prints a float key."""
    try:
        f32 = _F32.unpack(_F32.pack(value))[0]
    except OverflowError:
        f32 = math.copysign(math.inf, value)
    if f32 != f32:
        return ".nan"
    if f32 in (math.inf, -math.inf):
        return ".inf" if f32 > 0 else "-.inf"
    sign = "-" if math.copysign(1.0, f32) < 0 else ""
    if f32 == 0:
        return sign + "0"
    for precision in range(9):  # the shortest digits that read back as the same float32
        text = f"{abs(f32):.{precision}e}"
        if _F32.unpack(_F32.pack(float(text)))[0] == abs(f32):
            break
    mantissa, _, exp_text = text.partition("e")
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    exp = int(exp_text)
    if exp < -4 or exp >= 6:  # %e, with at least two exponent digits
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    point = exp + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


_F32 = struct.Struct("<f")


def _key_string(key: object, node) -> str:
    """sigs.k8s.io/yaml's convertToJSONableObject: the JSON key for a decoded YAML key."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        if key > _INT64_MAX:
            raise _error(node, f"a map key of type uint64 ({key}) cannot be decoded by Kubernetes")
        return str(key)
    if isinstance(key, float):
        return _format_float32(key)
    if key is None:
        raise _error(node, "a null map key cannot be decoded by Kubernetes")
    raise _error(node, "a map or list used as a map key cannot be decoded by Kubernetes")


def key_text(node) -> str:
    """The JSON key Kubernetes makes of a map key node; raises DecodeError if it makes none."""
    if node.__class__ is not ScalarNode:
        raise _error(node, "a map or list used as a map key cannot be decoded by Kubernetes")
    text = node.value
    if node.tag is not None:
        return _key_string(_tagged_scalar(node), node)
    if node.style:
        return text
    if not text:
        raise _error(node, "a null map key cannot be decoded by Kubernetes")
    if text[0] in _HINT:
        return _key_string(resolve_plain(text), node)
    return text


class Converter:
    """Turn composed nodes into plain Python values with Kubernetes' typing.

    ``duplicates`` collects (line, column, key) of repeated map keys (0-based); the last
    value wins, as in Kubernetes. ``data`` (the bytes the nodes were parsed from) is needed
    only to see the non-specific tag ``!``, which libyaml reports as no tag at all.
    """

    __slots__ = ("duplicates", "_memo", "_count", "_expanded", "_data", "_lines", "_open")

    def __init__(self, with_aliases: bool, data: bytes | None = None) -> None:
        self.duplicates: list[tuple[int, int, str]] = []
        self._memo: dict[int, tuple[object, int]] | None = {} if with_aliases else None
        self._count = 0
        self._expanded = 0
        self._data = data if data is not None and b"!" in data else None
        self._lines: list[str] | None = None
        self._open: set[int] = set()  # collections being converted (an alias to one is a cycle)

    def _nonspecific(self, node) -> bool:
        """Whether a scalar libyaml reports untagged was written with the tag ``!``.

        libyaml (and so PyYAML) resolves ``! 5`` exactly like ``5``; go-yaml keeps the tag
        and decodes a string. Only scalars that would not be strings are checked, and only
        in documents that contain a "!".
        """
        start, end = node.start_mark, node.end_mark
        if start.line == end.line and end.column - start.column == len(node.value):
            return False  # the scalar's own text, no properties before it
        if self._lines is None:
            self._lines = self._data.decode("utf-8", "replace").split("\n")  # type: ignore[union-attr]
        lines = self._lines
        line, column = start.line, start.column
        while line < len(lines):
            for token in lines[line][column:].split():
                if token.startswith("#"):
                    break
                if token == "!":
                    return True
                if not token.startswith(("&", "!")):
                    return False  # the scalar itself
            line, column = line + 1, 0
        return False

    def convert(self, node) -> object:
        cls = node.__class__
        if cls is ScalarNode:
            if not node.style and node.tag is None:
                text = node.value
                if not text:
                    if self._data is not None and self._nonspecific(node):
                        return text
                    return None
                if text[0] in _HINT:
                    value = resolve_plain(text)
                    if value.__class__ is str:
                        return value
                    if self._data is not None and self._nonspecific(node):
                        return text
                    if value.__class__ is float:
                        try:
                            return _json_number(value)  # type: ignore[arg-type]
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
                    return _json_number(value)  # type: ignore[arg-type]
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
            if id(node) in self._open:
                # go-yaml: "anchor 'x' value contains itself"; JSON has no cycles
                raise _error(node, "an alias refers to the anchor that contains it: the value would be infinite, and Kubernetes refuses it")
            self._open.add(id(node))
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
            self._open.discard(id(node))
        return value

    def _mapping(self, node) -> dict:
        out: dict = {}
        # once a merge key has brought keys in, the keys written in this map itself: only
        # those can be duplicates (overriding a merged key is what merge keys are for)
        explicit: set | None = None
        convert = self.convert
        for key_node, value_node in node.value:
            if key_node.__class__ is ScalarNode and not key_node.style and key_node.tag is None:
                key = key_node.value
                if key == "<<":
                    if explicit is None:
                        explicit = set(out)
                    self._merge(out, value_node)
                    continue
                if key and key[0] in _HINT:
                    resolved = resolve_plain(key)
                    if resolved.__class__ is not str and not (
                        self._data is not None and self._nonspecific(key_node)
                    ):
                        key = _key_string(resolved, key_node)
                elif not key and not (self._data is not None and self._nonspecific(key_node)):
                    raise _error(key_node, "a null map key cannot be decoded by Kubernetes")
            elif key_node.__class__ is ScalarNode and key_node.tag == _MERGE_TAG and key_node.value == "<<":
                if explicit is None:
                    explicit = set(out)
                self._merge(out, value_node)  # go-yaml's isMerge: a "<<" tagged !!merge
                continue
            else:
                key = key_text(key_node)
            if key in out and (explicit is None or key in explicit):
                mark = key_node.start_mark
                self.duplicates.append((mark.line, mark.column, key))
            if explicit is not None:
                explicit.add(key)
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

    Returns (value, position) per document (see the module's docstring for positions), and
    the duplicate keys seen as (line, column, key), 0-based.
    Raises yaml.YAMLError for syntax errors and DecodeError for what Kubernetes refuses.
    """
    if _yamlfast is not None:
        fast = _yamlfast.load(data, _plain_number)
        if fast is not None:
            return fast
    return decode_pure(data)


def decode_pure(data: bytes) -> tuple[list, list[tuple[int, int, str]]]:
    """decode() without the C extension: PyYAML's C composer, then our own conversion."""
    nodes = compose(data)
    aliases = b"*" in data
    converter = Converter(with_aliases=aliases, data=data)
    memo: dict | None = {} if aliases else None
    values = [(converter.convert(node), positions_of(node, memo)) for node in nodes]
    return values, converter.duplicates


def _plain_number(text: str) -> object:
    """A plain scalar that may be a number, typed as the converter types it (for the C path)."""
    value = resolve_plain(text)
    if value.__class__ is float:
        return _json_number(value)  # type: ignore[arg-type]  # ValueError: the pure path words it
    return value


def positions_of(node, memo: dict | None = None) -> tuple:
    """The position of a composed node (see the module's docstring), as the C path builds it.

    Entries of a map are keyed as decoding keys them; keys that a merge key brings in are
    found too (written keys first, then the merged maps in order, as decoding applies them).
    """
    mark = node.start_mark
    return (mark.line, mark.column, _children(node, memo))


def _children(node, memo: dict | None):
    if memo is not None:
        hit = memo.get(id(node))
        if hit is not None:
            return hit
    cls = node.__class__
    if cls is MappingNode:
        out: dict = {}
        merged = []
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode:
                continue
            if key_node.value == "<<" and (
                (not key_node.style and key_node.tag is None) or key_node.tag == _MERGE_TAG
            ):
                merged.append(value_node)
                continue
            mark = key_node.start_mark
            out[plain_key(key_node)] = (mark.line, mark.column, _children(value_node, memo))
        for value_node in merged:
            maps = [value_node] if value_node.__class__ is MappingNode else list(value_node.value)
            for m in maps:
                sub = _children(m, memo)
                if sub.__class__ is dict:
                    for key, where in sub.items():
                        out.setdefault(key, where)
        children: object = out
    elif cls is SequenceNode:
        children = [
            (item.start_mark.line, item.start_mark.column, _children(item, memo)) for item in node.value
        ]
    else:
        children = None
    if memo is not None:
        memo[id(node)] = children
    return children


def plain_key(key_node) -> str:
    """The key as decoding made it (``on`` is "true", ``1.0`` is "1"), so paths match; the
    text as written for a key that decoding refuses."""
    text = key_node.value
    if not key_node.style and key_node.tag is None and text and text[0] not in _HINT:
        return text  # the common case: a plain key that can only be a string
    try:
        return key_text(key_node)
    except DecodeError:
        return text


def load_data(data: bytes) -> object:
    """The one document of a YAML data file kubevet ships, decoded fast (C composer)."""
    values, _ = decode(data)
    if len(values) != 1:
        raise ValueError(f"expected one YAML document, found {len(values)}")
    return values[0][0]
