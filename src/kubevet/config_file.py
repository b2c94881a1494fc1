"""Configuration files: ``.kubevet.yaml``, ``[tool.kubevet]`` in pyproject.toml, presets.

The file is found by walking up from the working directory (the first directory holding a
``.kubevet.yaml``, or a pyproject.toml with a ``[tool.kubevet]`` table, wins), or named with
``--config``. ``extends`` builds on a preset shipped with kubevet (``default``, ``strict``)
or on another file. Every key, rule and option is checked: anything unknown is an error
that names it (exit 2). The command line beats the file, which beats what it extends.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from kubevet import config_types
from kubevet.config import Config
from kubevet.errors import ConfigError
from kubevet.findings import Severity
from kubevet.rules import all_rules, lookup_named
from kubevet.suppress import Exemption

FILE_NAMES = (".kubevet.yaml", ".kubevet.yml")
PRESETS = Path(__file__).parent / "presets"

# key -> (type shown in messages and the schema, description)
KEYS: dict[str, tuple[str, str]] = {
    "extends": ("string", "A preset (default, strict) or a path to a configuration to build on."),
    "select": ("list", "Run only these rules: names, codes, code prefixes (SEC) or categories; ALL for every rule."),
    "extend-select": ("list", "Run these rules too, on top of select (or of the rules on by default)."),
    "ignore": ("list", "Do not run these rules (same forms as select); the most specific of select and ignore wins."),
    "rules": ("map", "Per rule (name or code): severity and options."),
    "exclude": ("list", "Glob patterns of paths not to scan (matched against the path as given and its parts)."),
    "fail-on": ("string", "Lowest severity that fails the build: error, warning or info."),
    "kube-version": ("string", "Kubernetes version to validate for, e.g. 1.30."),
    "workload-kinds": ("map", "Custom resources to treat as workloads: GROUP/KIND -> dotted path of their pod template."),
    "namespace-guardrails": ("list", "Namespaces whose guardrails are judged besides those the scan defines; all for every namespace."),
    "exemptions": ("list", "Findings to suppress by namespace, kind, name pattern and rule, each with a mandatory reason."),
    "require-suppression-reason": ("bool", "Report kubevet.io/ignore annotations without a kubevet.io/ignore-reason."),
    "inline-suppressions": ("bool", "Honour kubevet.io/ignore annotations (false for audits)."),
    "serve": ("map", "Settings of the admission webhook (kubevet serve): modes per namespace, UPDATE, rule errors, deletion guard; see docs/admission.md."),
    "freeze": ("map", "Change freeze windows for kubevet gate and kubevet freeze: weekly, daily and dated windows, public holidays, presets (docs/diff-gate.md)."),
}
EXEMPTION_KEYS = {"reason", "rules", "namespaces", "kinds", "names"}


def find(start: Path) -> Path | None:
    """The configuration that applies in ``start``: the nearest one walking up."""
    for directory in (start, *start.parents):
        for name in FILE_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _pyproject_table(pyproject) is not None:
            return pyproject
    return None


def load(path: Path | None, cwd: Path | None = None) -> tuple[Config, dict[str, Any]]:
    """Read a configuration (or discover one from ``cwd``) into a Config.

    Also returns the raw merged settings, for keys that other parts of kubevet read
    (``exclude``).
    """
    if path is None:
        path = find(cwd or Path.cwd())
    raw = _read_chain(path, seen=()) if path is not None else {}
    return to_config(raw, str(path) if path else "defaults"), raw


def _read_chain(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    path = path.resolve()
    if path in seen:
        raise ConfigError(f"{path}: extends itself through {' -> '.join(str(p) for p in seen)}")
    data = _read(path)
    base_name = data.pop("extends", None)
    if base_name is None:
        return data
    if not isinstance(base_name, str):
        raise ConfigError(f"{path}: extends must be a preset name or a path")
    preset = PRESETS / f"{base_name}.yaml"
    if preset.is_file():
        base_path = preset
    else:
        base_path = (path.parent / base_name) if not os.path.isabs(base_name) else Path(base_name)
        if not base_path.is_file():
            presets = ", ".join(sorted(p.stem for p in PRESETS.glob("*.yaml")))
            raise ConfigError(f"{path}: extends {base_name!r}, which is neither a preset ({presets}) nor a file")
    return merge(_read_chain(base_path, (*seen, path)), data)


def _read(path: Path) -> dict[str, Any]:
    """One file's settings, every key's type checked (see kubevet.config_types)."""
    if path.name == "pyproject.toml":
        table = _pyproject_table(path)
        text = _text(path)
        return config_types.check(dict(table or {}), config_types.toml_positions(text, path), KEYS, lookup_named)
    text = _text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply (or an alias that contains itself)") from None
    except ValueError as exc:  # an integer of thousands of digits (Python's int-string limit)
        raise ConfigError(f"{path}: a value kubevet cannot read: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a configuration is a map of settings")
    return config_types.check(data, config_types.yaml_positions(text, path), KEYS, lookup_named)


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02X}); a configuration file must be UTF-8"
        ) from None


def _pyproject_table(path: Path) -> dict | None:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            return None
    try:  # as UTF-8 first, so that a bad byte is named with its line as in .kubevet.yaml
        data = tomllib.loads(_text(path))
    except ValueError as exc:  # TOMLDecodeError
        raise ConfigError(f"cannot read {path}: {exc}") from None
    tool = data.get("tool")
    table = tool.get("kubevet") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.kubevet] must be a table of settings, got {type(table).__name__}")
    return table


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """A file's settings over those it extends: rules merge per rule, lists of exemptions
    and excludes add up, anything else is replaced."""
    out = dict(base)
    for key, value in override.items():
        if key == "rules" and isinstance(value, dict) and isinstance(out.get("rules"), dict):
            rules = {k: dict(v) if isinstance(v, dict) else v for k, v in out["rules"].items()}
            for name, settings in value.items():
                if isinstance(settings, dict) and isinstance(rules.get(name), dict):
                    rules[name] = {**rules[name], **settings}
                else:
                    rules[name] = settings
            out["rules"] = rules
        elif key in ("exemptions", "exclude") and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = [*out[key], *value]
        else:
            out[key] = value
    return out


def to_config(raw: dict[str, Any], where: str) -> Config:
    """Check every key and value and build the Config they describe."""
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} (known: {', '.join(KEYS)})")
    # a key whose entries are all commented out reads as null: the same as leaving it out
    raw = {k: v for k, v in raw.items() if v is not None}
    config = Config()
    config.select = _strings(raw, "select", where)
    config.ignore = _strings(raw, "ignore", where)
    if "fail-on" in raw:
        config.fail_on = _severity(raw["fail-on"], f"{where}: fail-on")
    if "kube-version" in raw and hasattr(config, "kube_version"):
        config.kube_version = str(raw["kube-version"])  # type: ignore[attr-defined]
    workload_kinds = raw.get("workload-kinds", {})
    if not isinstance(workload_kinds, dict):
        raise ConfigError(f"{where}: workload-kinds maps GROUP/KIND to a path")
    config.workload_kinds = {str(k): str(v) for k, v in workload_kinds.items()}
    config.namespace_guardrails = _strings(raw, "namespace-guardrails", where)
    config.inline_suppressions = _bool(raw, "inline-suppressions", where, True)
    config.extend_select = _strings(raw, "extend-select", where)
    if _bool(raw, "require-suppression-reason", where, False):
        config.extend_select.append("suppression-reason-missing")
    rules = raw.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError(f"{where}: rules maps rule names to their settings")
    for name, settings in rules.items():
        try:
            r = lookup_named(str(name))
        except KeyError:
            raise ConfigError(f"{where}: rules: unknown rule {name!r}") from None
        if not isinstance(settings, dict):
            raise ConfigError(f"{where}: rules.{name} must be a map of severity and options")
        for key, value in settings.items():
            if key == "severity":
                config.severity[r.name] = _severity(value, f"{where}: rules.{name}.severity")
                continue
            try:
                opt = r.option(key)
                config.options.setdefault(r.name, {})[key] = opt.parse(value)
            except KeyError:
                known = ", ".join(["severity", *(o.name for o in r.options)])
                raise ConfigError(f"{where}: rules.{name}: unknown option {key!r} (known: {known})") from None
            except ValueError as exc:
                raise ConfigError(f"{where}: rules.{name}.{key}: {exc}") from None
    config.exemptions = [_exemption(e, i, where) for i, e in enumerate(raw.get("exemptions") or [])]
    if not isinstance(raw.get("serve", {}), dict):  # its keys are checked by kubevet serve, which reads it
        raise ConfigError(f"{where}: serve must be a map of settings")
    if "freeze" in raw:  # read by kubevet gate/freeze from the raw settings; checked here, once
        from kubevet.freeze.settings import parse as parse_freeze

        parse_freeze(raw["freeze"], where)
    try:
        config.validate()
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return config


def _strings(raw: dict, key: str, where: str) -> list[str]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return list(value)


def _bool(raw: dict, key: str, where: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false")
    return value


def _severity(value: Any, where: str) -> Severity:
    try:
        return Severity.parse(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _exemption(entry: Any, i: int, where: str) -> Exemption:
    here = f"{where}: exemptions[{i}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{here} must be a map")
    unknown = sorted(set(entry) - EXEMPTION_KEYS)
    if unknown:
        raise ConfigError(f"{here}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} (known: {', '.join(sorted(EXEMPTION_KEYS))})")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{here}: every exemption needs a reason")
    lists = {k: _strings(entry, k, here) for k in ("rules", "namespaces", "kinds", "names")}
    rules = []
    for name in lists["rules"]:
        try:
            rules.append(lookup_named(name).name)
        except KeyError:
            raise ConfigError(f"{here}: unknown rule {name!r}") from None
    return Exemption(
        reason=reason.strip(),
        rules=frozenset(rules),
        namespaces=tuple(lists["namespaces"]),
        kinds=tuple(lists["kinds"]),
        names=tuple(lists["names"]),
    )


def schema() -> dict[str, Any]:
    """A JSON Schema of the configuration file, with every rule and its options, for editors."""
    types = {"string": {"type": "string"}, "list": {"type": "array", "items": {"type": "string"}}, "bool": {"type": "boolean"}}
    severity = {"enum": ["error", "warning", "info"]}
    rule_defs: dict[str, Any] = {}
    rule_refs: dict[str, Any] = {}
    for r in all_rules():
        props: dict[str, Any] = {"severity": severity}
        for opt in r.options:
            kind = {bool: "boolean", int: "integer", list: "array", str: "string"}.get(opt.type, "string")
            spec: dict[str, Any] = {"type": kind, "description": opt.help, "default": opt.default}
            if kind == "array":
                spec["items"] = {"type": "string"}
            props[opt.name] = spec
        rule_defs[r.name] = {"type": "object", "additionalProperties": False, "properties": props, "description": r.title}
        rule_refs[r.name] = rule_refs[r.code] = {"$ref": f"#/$defs/rules/{r.name}"}
    from kubevet.groups import GROUPS

    for g in GROUPS:  # a group's severity applies to all of its rules (docs/grouping.md)
        rule_defs[g.name] = {"type": "object", "additionalProperties": False, "properties": {"severity": severity},
                             "description": f"{g.title} (a group: {', '.join(g.members)})"}
        rule_refs[g.name] = rule_refs[g.code] = {"$ref": f"#/$defs/rules/{g.name}"}
    properties: dict[str, Any] = {}
    for key, (kind, description) in KEYS.items():
        if key == "rules":
            spec = {"type": "object", "additionalProperties": False, "properties": rule_refs}
        elif key == "fail-on":
            spec = dict(severity)
        elif key == "workload-kinds":
            spec = {"type": "object", "additionalProperties": {"type": "string"}}
        elif key == "exemptions":
            spec = {"type": "array", "items": {"$ref": "#/$defs/exemption"}}
        elif key == "serve":
            spec = {"type": "object"}
        elif key == "freeze":
            from kubevet.freeze.settings import schema as freeze_schema

            spec = freeze_schema()
        else:
            spec = dict(types[kind])
        spec["description"] = description
        properties[key] = spec
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/kubevet/kubevet/blob/main/docs/config.schema.json",
        "title": "kubevet configuration (.kubevet.yaml)",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "$defs": {
            "rules": rule_defs,
            "exemption": {
                "type": "object",
                "additionalProperties": False,
                "required": ["reason"],
                "properties": {
                    "reason": {"type": "string", "minLength": 1, "description": "Why these findings are accepted."},
                    "rules": {"type": "array", "items": {"type": "string"}, "description": "Rule names or codes; all rules when absent."},
                    "namespaces": {"type": "array", "items": {"type": "string"}, "description": "Glob patterns."},
                    "kinds": {"type": "array", "items": {"type": "string"}},
                    "names": {"type": "array", "items": {"type": "string"}, "description": "Glob patterns on metadata.name."},
                },
            },
        },
    }
