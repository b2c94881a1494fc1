"""jsonschema-rs errors as kubevet findings: a message in the API server's terms and the
field path, so that the finding points at the offending line."""

from __future__ import annotations

from collections.abc import Iterable

from kubevet.findings import format_path

INT32 = (-(1 << 31), (1 << 31) - 1)
INT64 = (-(1 << 63), (1 << 63) - 1)

# the patterns scripts/build_schemas.py adds, by what they stand for
_PATTERN_NAMES = {
    "Ki|Mi|Gi": "is not a Kubernetes quantity (such as 500m, 128Mi, 1.5 or 2e3)",
    "[A-Za-z0-9+/][\\r\\n]*": "is not base64 (the field holds bytes: encode the value, or use stringData in a Secret)",
    "T[0-9]{2}:[0-9]{2}": "is not an RFC 3339 date-time such as 2024-05-01T12:00:00Z",
}


def _value(value) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return f'"{text}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    return str(value)


def _type_name(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _where(path: tuple) -> str:
    return format_path(path) if path else "the object"


def describe(error) -> list[tuple[str, tuple]]:
    """(message, field path) pairs for one jsonschema-rs error."""
    kind = error.kind
    name = kind.name
    path = tuple(error.instance_path)
    where = _where(path)
    value = error.instance
    if name == "additionalProperties":
        return [(f"unknown field \"{format_path((*path, field))}\"", (*path, field)) for field in kind.unexpected]
    if name == "required":
        return [(f"missing required field \"{format_path((*path, kind.property))}\"", path)]
    if name == "type":
        types = [t for t in kind.types if t != "null"] if isinstance(kind.types, list) else [kind.types]
        want = " or ".join(types) if types else "null"
        # "got an integer 5", "got a string "x"", but "got a list", never "got a list a list"
        got = _type_name(value) if value is None or isinstance(value, (dict, list)) else f"{_type_name(value)} {_value(value)}"
        return [(f"{where}: expected {want}, got {got}", path)]
    if name == "enum":
        options = [o for o in kind.options if o not in (None, "")]
        shown = ", ".join(_value(o) for o in options[:12]) + (", ..." if len(options) > 12 else "")
        return [(f"{where}: {_value(value)} is not one of the accepted values: {shown}", path)]
    if name == "pattern":
        for marker, text in _PATTERN_NAMES.items():
            if marker in kind.pattern:
                return [(f"{where}: {_value(value)} {text}", path)]
        return [(f"{where}: {_value(value)} does not match the pattern {kind.pattern}", path)]
    if name in ("minimum", "maximum"):
        limit = kind.limit
        for bits, (low, high) in (("32", INT32), ("64", INT64)):
            if limit in (low, high):
                return [(f"{where}: {value} is out of range for a {bits}-bit integer", path)]
        word = "less" if name == "minimum" else "more"
        return [(f"{where}: {value} must not be {word} than {limit}", path)]
    return [(f"{where}: {error.message}", path)]


def findings(errors: Iterable) -> list[tuple[str, tuple]]:
    """Every error described, without repeats, in a stable order."""
    seen: set[tuple[str, tuple]] = set()
    out: list[tuple[str, tuple]] = []
    for error in errors:
        for item in describe(error):
            if item not in seen:
                seen.add(item)
                out.append(item)
    return out
