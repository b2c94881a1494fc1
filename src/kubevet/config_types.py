"""The type of every configuration key, checked where it is written.

A configuration file is read by YAML (or TOML) into plain values; this module checks each
key's type before anything uses it and normalises the forgiving cases, so that a mistake is
a ``ConfigError`` (exit 2) that names the file, the line and the key, never a traceback
later nor a setting that silently means something else:

- null means unset (``kubevet init`` writes keys whose entries are all commented out);
- a string where a list is expected is one item (``exclude: "vendor/*"`` is one glob, not
  eight one-character ones); rule selectors, as on the command line, may be comma-separated;
- an unquoted ``kube-version: 1.30`` keeps the text it is written as (YAML reads 1.3);
- anything else of the wrong type is an error.

Rule names and options are checked here too (with their lines); ``config_file.to_config``
checks the meaning of the whole once the files of an ``extends`` chain are merged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kubevet.errors import ConfigError

SELECTOR_KEYS = ("select", "extend-select", "ignore")
LIST_KEYS = ("exclude", "namespace-guardrails")
BOOL_KEYS = ("require-suppression-reason", "inline-suppressions")
EXEMPTION_LISTS = ("rules", "namespaces", "kinds", "names")


@dataclass
class Located:
    """Where the keys of one configuration file are written: key path -> line, and the
    text of each scalar as written (for values YAML would retype, such as 1.30)."""

    path: Path
    lines: dict[tuple, int] = field(default_factory=dict)
    text: dict[tuple, str] = field(default_factory=dict)

    def where(self, key: tuple) -> str:
        """``file:line`` of a key path (or of its nearest written parent)."""
        for n in range(len(key), 0, -1):
            line = self.lines.get(key[:n])
            if line is not None:
                return f"{self.path}:{line}"
        return str(self.path)

    def error(self, key: tuple, problem: str, value: Any = None, show: bool = True) -> ConfigError:
        got = f", got {_shown(value)}" if show else ""
        return ConfigError(f"{self.where(key)}: {dotted(key)}: {problem}{got}")


def dotted(key: tuple) -> str:
    """``rules.cpu-limit-missing.required``, ``exclude[0]``."""
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    kind = {dict: "a map", list: "a list"}.get(type(value))
    if kind:
        return kind
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def yaml_positions(text: str, path: Path) -> Located:
    """The lines of a YAML configuration's keys and list items (1-based)."""
    located = Located(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return located  # the values were read; positions are a courtesy
    seen: set[int] = set()
    stack: list[tuple[Any, tuple]] = [(root, ())]
    while stack:  # no recursion: a deep or self-referencing file cannot exhaust the stack
        node, key = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    here = (*key, k.value)
                    located.lines.setdefault(here, k.start_mark.line + 1)
                    if isinstance(v, yaml.ScalarNode):
                        located.text.setdefault(here, v.value)
                    stack.append((v, here))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                here = (*key, i)
                located.lines.setdefault(here, v.start_mark.line + 1)
                stack.append((v, here))
    return located


_TOML_TABLE = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
_TOML_KEY = re.compile(r"""^\s*("?)([A-Za-z0-9_-]+)\1\s*=\s*(.*?)\s*(?:#.*)?$""")


def toml_positions(text: str, path: Path) -> Located:
    """The lines of the keys of ``[tool.kubevet]`` (and its sub-tables) in a pyproject.toml:
    a line-by-line reading, enough to point at a key (TOML itself was parsed by tomllib)."""
    located = Located(path)
    table: tuple | None = None
    for number, line in enumerate(text.splitlines(), 1):
        m = _TOML_TABLE.match(line)
        if m:
            parts = tuple(p.strip().strip('"') for p in m.group(1).split("."))
            table = parts[2:] if parts[:2] == ("tool", "kubevet") else None
            if table:
                located.lines.setdefault(table, number)
            continue
        m = _TOML_KEY.match(line)
        if m and table is not None:
            here = (*table, m.group(2))
            located.lines.setdefault(here, number)
            located.text.setdefault(here, m.group(3))
    return located


def check(data: dict[str, Any], at: Located, known: dict[str, Any], lookup: Callable[[str], Any]) -> dict[str, Any]:
    """Check and normalise the settings of one file; ``known`` are the keys kubevet knows,
    ``lookup`` finds a rule by name or code (raising KeyError)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str) or key not in known:
            raise ConfigError(f"{at.where((str(key),))}: unknown setting {key} (known: {', '.join(known)})")
        if value is None:
            continue  # null: unset
        k = (key,)
        if key in SELECTOR_KEYS:
            out[key] = _strings(value, k, at, split=True)
        elif key in LIST_KEYS:
            out[key] = _strings(value, k, at)
        elif key in BOOL_KEYS:
            if not isinstance(value, bool):
                raise at.error(k, "must be true or false", value)
            out[key] = value
        elif key == "kube-version":
            out[key] = _version(value, k, at)
        elif key in ("extends", "fail-on"):
            if not isinstance(value, str):
                raise at.error(k, "must be a string", value)
            if key == "fail-on":
                _severity(value, k, at)
            out[key] = value
        elif key == "workload-kinds":
            out[key] = _string_map(value, k, at)
        elif key == "rules":
            out[key] = _rules(value, k, at, lookup)
        elif key == "exemptions":
            out[key] = _exemptions(value, k, at, lookup)
        elif key in ("serve", "freeze"):  # their own keys are checked by serve and freeze
            if not isinstance(value, dict):
                raise at.error(k, "must be a map of settings", value)
            out[key] = value
        else:  # pragma: no cover - every known key is handled above
            out[key] = value
    return out


def _strings(value: Any, key: tuple, at: Located, split: bool = False) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()] if split else [value]
    if not isinstance(value, list):
        raise at.error(key, "must be a list of strings (or one string)", value)
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise at.error((*key, i), "must be a string", item)
    return list(value)


def _version(value: Any, key: tuple, at: Located) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        written = at.text.get(key, "").strip().strip("'\"")
        if not re.fullmatch(r"v?[0-9]+\.[0-9]+(\.[0-9]+)?", written):
            raise at.error(key, 'must be a version in quotes, such as "1.30"', value)
        value = written  # `kube-version: 1.30` unquoted: what was written, not YAML's 1.3
    if not isinstance(value, str):
        raise at.error(key, 'must be a version in quotes, such as "1.30"', value)
    from kubevet.schema.versions import parse

    try:
        parse(value)
    except ValueError as exc:
        raise at.error(key, str(exc).removeprefix("kube-version "), show=False) from None
    return value


def _severity(value: str, key: tuple, at: Located) -> None:
    from kubevet.findings import Severity

    try:
        Severity.parse(value)
    except ValueError as exc:
        raise at.error(key, str(exc), show=False) from None


def _string_map(value: Any, key: tuple, at: Located) -> dict[str, str]:
    if not isinstance(value, dict):
        raise at.error(key, "must be a map of GROUP/KIND to the path of the pod template", value)
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise at.error((*key, str(k)), "must map a string to a string", v)
    return dict(value)


def _rules(value: Any, key: tuple, at: Located, lookup: Callable[[str], Any]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise at.error(key, "must be a map of rule names to their settings", value)
    out: dict[str, Any] = {}
    for name, settings in value.items():
        here = (*key, str(name))
        try:
            r = lookup(str(name))
        except KeyError:
            raise at.error(here, f"unknown rule {name!r}; `kubevet rules` lists them", show=False) from None
        if settings is None:
            continue  # a rule whose settings are all commented out
        if not isinstance(settings, dict):
            raise at.error(here, "must be a map of severity and options", settings)
        checked: dict[str, Any] = {}
        for opt_name, opt_value in settings.items():
            there = (*here, str(opt_name))
            if opt_value is None:
                continue
            if opt_name == "severity":
                if not isinstance(opt_value, str):
                    raise at.error(there, "must be error, warning or info", opt_value)
                _severity(opt_value, there, at)
            else:
                try:
                    checked[opt_name] = r.option(str(opt_name)).parse(opt_value)
                    continue
                except KeyError:
                    known = ", ".join(["severity", *(o.name for o in r.options)])
                    raise at.error(there, f"unknown option {opt_name!r} (known: {known})", show=False) from None
                except ValueError as exc:
                    raise at.error(there, str(exc), show=False) from None
            checked[opt_name] = opt_value
        out[str(name)] = checked
    return out


def _exemptions(value: Any, key: tuple, at: Located, lookup: Callable[[str], Any]) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise at.error(key, "must be a list of exemptions (maps with a reason)", value)
    out = []
    for i, entry in enumerate(value):
        here = (*key, i)
        if not isinstance(entry, dict):
            raise at.error(here, "must be a map with a reason", entry)
        checked: dict[str, Any] = {}
        for k, v in entry.items():
            if v is None:
                continue
            if k == "reason":
                if not isinstance(v, str):
                    raise at.error((*here, k), "must be a string", v)
                checked[k] = v
            elif k in EXEMPTION_LISTS:
                checked[k] = _strings(v, (*here, k), at)
                if k == "rules":
                    for j, name in enumerate(checked[k]):
                        try:
                            lookup(name)
                        except KeyError:
                            raise at.error((*here, k, j), f"unknown rule {name!r}", show=False) from None
            else:
                known = ", ".join(sorted(("reason", *EXEMPTION_LISTS)))
                raise ConfigError(f"{at.where((*here, str(k)))}: {dotted(here)}: unknown key {k} (known: {known})")
        if not checked.get("reason", "").strip():
            raise at.error(here, "every exemption needs a reason (why these findings are accepted)", show=False)
        out.append(checked)
    return out
