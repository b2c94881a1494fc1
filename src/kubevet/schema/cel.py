"""CEL rules of CRDs (``x-kubernetes-validations``), evaluated with a real CEL engine.

The engine is the Rust ``cel`` crate through the PyPI package common-expression-language
(imported on first use). Kubernetes runs CEL with cel-go and its own libraries; what
kubevet can run is:

- the CEL core language (macros ``has``/``all``/``exists``/``exists_one``/``map``/
  ``filter``, ``size``, ``matches``, ``startsWith``, ``duration``, ``timestamp`` ...);
- the cel-go strings, lists and sets extensions that the package provides in Python;
- Kubernetes' ``isIP``, ``isCIDR``, ``isURL``, ``isQuantity``, ``find`` and ``findAll``,
  written here.

Values reach CEL as Kubernetes passes them: property names escaped (``x-y`` is
``self.x__dash__y``), ``format: duration`` strings as durations, ``date-time`` and
``date`` as timestamps, ``byte`` as bytes.

A rule is **not checked**, and reported as such, when it calls a function kubevet does not
have (Kubernetes' ``quantity()``, ``ip()``, ``url()``, ``format``, optional types ...),
when it cannot be parsed, or when evaluating it fails (a missing field that Kubernetes
would have defaulted, a type the schema would have converted): kubevet never counts an
evaluation it could not do as a pass or a failure. Transition rules (those that read
``oldSelf``) compare an update with the stored object, which a manifest linter does not
have: they are skipped, as the API server skips them on create.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from kubevet.k8s.quantity import parse_quantity

ENGINE = "common-expression-language"

# functions and operators the cel crate runs natively (as Program.functions() names them)
_NATIVE = frozenset(
    """-_ !_ @in @not_strictly_false _!=_ _%_ _&&_ _*_ _+_ _-_ _/_ _<=_ _<_ _==_ _>=_ _>_
    _?_:_ _[_] _||_ bytes contains double duration dyn endsWith getDate getDayOfMonth
    getDayOfWeek getDayOfYear getFullYear getHours getMilliseconds getMinutes getMonth
    getSeconds int matches size startsWith string timestamp type uint""".split()
)
_RESERVED = frozenset(
    "true false null in as break const continue else for function if import let loop "
    "package namespace return var void while".split()
)
_FIELD_PATH = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\['((?:[^'\\]|\\.)*)'\]")


def _is_ip(text) -> bool:
    if not isinstance(text, str) or "%" in text:
        return False
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return not (isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None)


def _is_cidr(text) -> bool:
    if not isinstance(text, str) or "/" not in text:
        return False
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return _is_ip(text.split("/", 1)[0])


def _is_url(text) -> bool:
    if not isinstance(text, str):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return bool(parts.scheme) or text.startswith("/")


def _find(text, pattern):
    m = re.search(pattern, text)
    return m.group(0) if m else ""


def _find_all(text, pattern, limit=-1):
    found = [m.group(0) for m in re.finditer(pattern, text)]
    return found if limit < 0 else found[:limit]


KUBERNETES = {
    "isIP": _is_ip,
    "isCIDR": _is_cidr,
    "isURL": _is_url,
    "isQuantity": lambda s: isinstance(s, str) and parse_quantity(s) is not None,
    "find": _find,
    "findAll": _find_all,
}


@lru_cache(maxsize=1)
def engine():
    """(cel module, shared Context, names of every function it has), or None if unavailable."""
    try:
        _defer_cel_cli()
        import cel
        from cel.stdlib import EXTENSIONS, add_stdlib_to_context
    except ImportError:
        return None
    context = cel.Context()
    add_stdlib_to_context(context, ["core", "strings", "lists", "sets"])
    for name, fn in KUBERNETES.items():
        context.add_function(name, fn)
    names = set(_NATIVE) | set(KUBERNETES)
    for lib in ("core", "strings", "lists", "sets"):
        names |= set(EXTENSIONS[lib])
    return cel, context, frozenset(names)


def _defer_cel_cli() -> None:
    """Let ``import cel`` skip most of its cost: the package's ``__init__`` imports its
    command line (``cel.cli``: typer, rich, prompt_toolkit, 50-140 ms) that kubevet never
    uses. ``cel.cli`` is registered unexecuted, and runs on first use of any of its
    names (a module ``__getattr__``), so it still works for whoever wants it."""
    import importlib.util
    import sys

    if "cel" in sys.modules or "cel.cli" in sys.modules:
        return
    spec = importlib.util.find_spec("cel")  # finds the package without running it
    for location in (spec.submodule_search_locations or ()) if spec is not None else ():
        path = os.path.join(location, "cli.py")
        cli = importlib.util.spec_from_file_location("cel.cli", path)
        if cli is None or cli.loader is None or not os.path.exists(path):
            continue
        module = importlib.util.module_from_spec(cli)

        def load(name: str, module=module, cli=cli):
            del module.__getattr__
            cli.loader.exec_module(module)
            return getattr(module, name)

        module.__getattr__ = load  # type: ignore[method-assign]
        sys.modules["cel.cli"] = module
        return


@dataclass
class Rule:
    """One x-kubernetes-validations entry, compiled."""

    text: str
    message: str | None
    message_expression: str | None
    field_path: str | None
    schema_path: tuple  # where the rule is written, inside openAPIV3Schema
    program: Any = None
    message_program: Any = None
    transition: bool = False
    problem: str | None = None  # why it cannot be checked


@lru_cache(maxsize=4096)
def _compile(text: str):
    """(program, reads oldSelf, problem) for a CEL expression."""
    found = engine()
    if found is None:
        return None, False, f"the CEL engine ({ENGINE}) is not installed"
    cel, _, known = found
    try:
        program = cel.compile(text)
    except Exception as exc:  # noqa: BLE001 - the crate raises several types
        return None, False, f"kubevet's CEL engine cannot parse it ({_short(exc)})"
    transition = "oldSelf" in program.variables()
    missing = sorted(f for f in program.functions() if f not in known)
    if missing:
        return None, transition, f"it calls {', '.join(missing)}, which kubevet's CEL engine does not provide"
    return program, transition, None


def compile_rule(entry: dict, schema_path: tuple) -> Rule | None:
    text = entry.get("rule")
    if not isinstance(text, str):
        return None
    rule = Rule(
        text,
        entry.get("message") if isinstance(entry.get("message"), str) else None,
        entry.get("messageExpression") if isinstance(entry.get("messageExpression"), str) else None,
        entry.get("fieldPath") if isinstance(entry.get("fieldPath"), str) else None,
        schema_path,
    )
    rule.program, rule.transition, rule.problem = _compile(text)
    if rule.message_expression and rule.problem is None:
        rule.message_program = _compile(rule.message_expression)[0]
    return rule


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 120 else text[:117] + "..."


def escape(name: str) -> str:
    """A property name as Kubernetes exposes it to CEL."""
    if name in _RESERVED:
        return f"__{name}__"
    return name.replace("__", "__underscores__").replace(".", "__dot__").replace("-", "__dash__").replace("/", "__slash__")


def to_cel(value: Any, node: dict) -> Any:
    """A value as Kubernetes hands it to CEL for a schema node."""
    if not isinstance(node, dict):
        return value
    if isinstance(value, str):
        fmt = node.get("format")
        try:
            if fmt == "duration":
                return _duration(value)
            if fmt in ("date-time", "datetime"):
                return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if fmt == "date":
                return datetime.datetime.fromisoformat(value + "T00:00:00+00:00")
            if fmt == "byte":
                import base64

                return base64.b64decode(value)
        except ValueError:
            return value
        return value
    if isinstance(value, dict):
        props = node.get("properties") if isinstance(node.get("properties"), dict) else None
        if props is not None:
            return {escape(k): to_cel(v, props.get(k, {})) for k, v in value.items()}
        additional = node.get("additionalProperties")
        if isinstance(additional, dict):
            return {k: to_cel(v, additional) for k, v in value.items()}
        return value
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return [to_cel(v, node["items"]) for v in value]
    return value


_DURATION = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")
_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def _duration(text: str) -> datetime.timedelta:
    """Go's time.ParseDuration, as CEL's duration() reads it."""
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body == "0":
        return datetime.timedelta(0)
    pos, seconds = 0, 0.0
    for m in _DURATION.finditer(body):
        if m.start() != pos:
            raise ValueError(text)
        seconds += float(m.group(1)) * _UNIT[m.group(2)]
        pos = m.end()
    if pos != len(body) or not body:
        raise ValueError(text)
    return datetime.timedelta(seconds=sign * seconds)


def evaluate(rule: Rule, value: Any) -> tuple[bool | None, str]:
    """(passed, message) for a compiled rule on ``self``; passed is None when it could
    not be evaluated, the message then says why."""
    found = engine()
    assert found is not None and rule.program is not None
    _, context, _ = found
    context.add_variable("self", value)
    try:
        result = rule.program.execute(context)
    except Exception as exc:  # noqa: BLE001
        return None, f"evaluating it failed: {_short(exc)}"
    if not isinstance(result, bool):
        return None, f"it gave {type(result).__name__}, not a boolean"
    if result:
        return True, ""
    message = rule.message or f"failed rule: {rule.text}"
    if rule.message_program is not None:
        try:
            text = rule.message_program.execute(context)
            if isinstance(text, str) and text.strip():
                message = text
        except Exception:  # noqa: BLE001 - Kubernetes then falls back to message too
            pass
    return False, message


def field_path(text: str | None) -> tuple:
    """A rule's fieldPath (".spec.x['y']") as a path relative to the rule's node."""
    if not text:
        return ()
    out = []
    pos = 0
    for m in _FIELD_PATH.finditer(text):
        if m.start() != pos:
            return tuple(out)
        out.append(m.group(1) if m.group(1) is not None else m.group(2))
        pos = m.end()
    return tuple(out)
