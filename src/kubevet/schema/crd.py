"""CustomResourceDefinitions as validators of their custom resources.

A CRD's ``openAPIV3Schema`` is a *structural schema*: OpenAPI v3 with Kubernetes' own
extensions. The API server handles a custom resource in this order, and so does kubevet:

1. defaulting: a ``default`` fills an absent field; a ``null`` in a field that is not
   ``nullable`` is dropped (as if unset), unless it has a default, which then applies;
2. pruning: fields the schema does not specify are unknown. kubectl asks for strict field
   validation (its default since 1.25), so they are errors, not silently dropped;
   ``x-kubernetes-preserve-unknown-fields: true`` keeps them;
3. validation of the schema's value constraints (types, enum, pattern, bounds,
   required, ...), with ``x-kubernetes-int-or-string`` (an integer or a string) and
   ``x-kubernetes-embedded-resource`` (an object with apiVersion, kind and a real
   ObjectMeta), the list types ``set`` (unique items) and ``map`` (unique keys);
4. the CEL rules of ``x-kubernetes-validations`` (see ``kubevet.schema.cel``).

The schema is converted to JSON Schema 2020-12 for jsonschema-rs; ``metadata`` at the
root and in embedded resources refers to the built-in ObjectMeta of the target release.
``format`` is not checked (the API server checks only some formats, and differently
from JSON Schema); that is a known gap, not a pass.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kubevet.schema.builtin import DRAFT, OBJECT_META, BuiltinSchemas

CRD_KIND = "CustomResourceDefinition"
CRD_GROUP = "apiextensions.k8s.io"

_VALUE_KEYWORDS = (
    "enum",
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "required",
    "uniqueItems",
)
_VALUE_SET = frozenset(_VALUE_KEYWORDS)
_LOGIC = ("allOf", "anyOf", "oneOf")


@dataclass
class CrdVersion:
    """One version of a CRD: whether it is served, its schema, where it was written."""

    name: str
    served: bool
    schema: dict | None
    schema_path: tuple  # path of openAPIV3Schema inside the CRD object
    crd: Crd = field(repr=False, default=None)  # type: ignore[assignment]
    _compiled: dict = field(default_factory=dict, repr=False)

    def compiled(self, builtin: BuiltinSchemas) -> CompiledSchema:
        found = self._compiled.get(builtin.version)
        if found is None:
            found = self._compiled[builtin.version] = compile_schema(self.schema, builtin)
        return found


@dataclass
class Crd:
    group: str
    kind: str
    obj: Any  # the K8sObject of the CRD (from the scan or a --crd file)
    versions: dict[str, CrdVersion]

    @property
    def name(self) -> str:
        return self.obj.name or f"{self.kind}.{self.group}"


def parse_crd(obj) -> Crd | None:
    """The CRD an object defines, or None when it is not a usable CRD."""
    if obj.kind != CRD_KIND or obj.group != CRD_GROUP:
        return None
    spec = obj.data.get("spec")
    if not isinstance(spec, dict):
        return None
    names = spec.get("names")
    group = spec.get("group")
    if not isinstance(names, dict) or not isinstance(names.get("kind"), str) or not isinstance(group, str):
        return None
    crd = Crd(group, names["kind"], obj, {})
    # v1beta1: one top-level schema for every version, spec.version as the only version
    top = spec.get("validation")
    top_schema = top.get("openAPIV3Schema") if isinstance(top, dict) else None
    top_path = ("spec", "validation", "openAPIV3Schema")
    entries = spec.get("versions")
    if isinstance(entries, list) and entries:
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                continue
            schema = entry.get("schema")
            own = schema.get("openAPIV3Schema") if isinstance(schema, dict) else None
            if isinstance(own, dict):
                version = CrdVersion(entry["name"], entry.get("served", True) is not False, own, ("spec", "versions", i, "schema", "openAPIV3Schema"))
            else:
                version = CrdVersion(entry["name"], entry.get("served", True) is not False, top_schema if isinstance(top_schema, dict) else None, top_path)
            version.crd = crd
            crd.versions[entry["name"]] = version
    elif isinstance(spec.get("version"), str):
        version = CrdVersion(spec["version"], True, top_schema if isinstance(top_schema, dict) else None, top_path)
        version.crd = crd
        crd.versions[spec["version"]] = version
    return crd


# --- compiling ----------------------------------------------------------------------------


@dataclass
class CompiledSchema:
    """A CRD version's schema, ready: the validator and what the Python walk must do."""

    validator: Any  # jsonschema-rs validator, or None when it could not be compiled
    structural: dict  # the original schema (defaults, nullable, CEL rules, list types)
    needs_walk: bool  # defaults, list-map keys or CEL rules to look at
    problems: list[tuple[str, tuple]]  # (what could not be checked, schema path)


def compile_schema(schema: dict | None, builtin: BuiltinSchemas) -> CompiledSchema:
    if schema is None:
        return CompiledSchema(None, {}, False, [])
    return _compile_cached(json.dumps(schema, sort_keys=True), builtin)


@lru_cache(maxsize=256)
def _compile_cached(text: str, builtin: BuiltinSchemas) -> CompiledSchema:
    import jsonschema_rs

    schema = json.loads(text)
    problems: list[tuple[str, tuple]] = []
    converted = convert(schema, builtin, root=True)
    try:
        validator = jsonschema_rs.validator_for({"$schema": DRAFT, **converted}, registry=builtin.registry)
    except Exception:  # noqa: BLE001 - a pattern jsonschema-rs's regex engine refuses
        bad = _bad_patterns(schema, ())
        problems.extend((f"pattern {p!r} is not a regular expression kubevet can run", path) for p, path in bad)
        converted = convert(schema, builtin, root=True, patterns=False)
        try:
            validator = jsonschema_rs.validator_for({"$schema": DRAFT, **converted}, registry=builtin.registry)
        except Exception as exc:  # noqa: BLE001
            problems.append((f"the schema cannot be compiled: {exc}", ()))
            validator = None
    return CompiledSchema(validator, schema, _needs_walk(schema), problems)


def _bad_patterns(node, path) -> list[tuple[str, tuple]]:
    import jsonschema_rs

    out = []
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            try:
                jsonschema_rs.validator_for({"pattern": pattern})
            except Exception:  # noqa: BLE001
                out.append((pattern, path))
        for key, value in node.items():
            if key in ("properties",) and isinstance(value, dict):
                for name, sub in value.items():
                    out.extend(_bad_patterns(sub, (*path, key, name)))
            elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
                out.extend(_bad_patterns(value, (*path, key)))
            elif key in _LOGIC and isinstance(value, list):
                for i, sub in enumerate(value):
                    out.extend(_bad_patterns(sub, (*path, key, i)))
    return out


def _needs_walk(node) -> bool:
    if not isinstance(node, dict):
        return False
    if "default" in node or node.get("x-kubernetes-validations") or node.get("x-kubernetes-list-type") == "map":
        return True
    props = node.get("properties")
    if isinstance(props, dict) and any(_needs_walk(p) for p in props.values()):
        return True
    return any(_needs_walk(node.get(k)) for k in ("items", "additionalProperties"))


def _meta(builtin: BuiltinSchemas, node: dict | None, patterns: bool) -> dict:
    ref = builtin.ref(OBJECT_META)
    if isinstance(node, dict) and isinstance(node.get("properties"), dict):
        # a CRD may constrain metadata.name and metadata.generateName, nothing else
        extra = {
            name: convert(sub, builtin, logic=True, patterns=patterns)
            for name, sub in node["properties"].items()
            if name in ("name", "generateName") and isinstance(sub, dict)
        }
        if extra:
            return {"allOf": [ref, {"properties": extra}]}
    return ref


def convert(node: Any, builtin: BuiltinSchemas, root: bool = False, logic: bool = False, patterns: bool = True) -> Any:
    """A structural schema node as JSON Schema 2020-12.

    ``logic``: inside allOf/anyOf/oneOf/not, where a structural schema only adds value
    constraints: no unknown-field closure there.
    """
    if not isinstance(node, dict):
        return {}
    out: dict[str, Any] = {}
    nullable = node.get("nullable") is True
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    embedded = node.get("x-kubernetes-embedded-resource") is True
    if node.get("x-kubernetes-int-or-string") is True:
        types = ["integer", "string"]
    elif isinstance(node.get("type"), str):
        types = [node["type"]]
    else:
        types = []
    if embedded and not types:
        types = ["object"]
    if types:
        out["type"] = types + (["null"] if nullable else [])
    if not _VALUE_SET.isdisjoint(node):
        for key in _VALUE_KEYWORDS:
            if key in node and (patterns or key != "pattern"):
                # the schema is a private copy (compile_schema), never changed: only the
                # enum, which may get a null added, is copied
                out[key] = copy.deepcopy(node[key]) if key == "enum" else node[key]
    if "enum" in out and nullable and None not in out["enum"]:
        out["enum"].append(None)
    if node.get("exclusiveMinimum") is True and "minimum" in out:
        out["exclusiveMinimum"] = out.pop("minimum")
    if node.get("exclusiveMaximum") is True and "maximum" in out:
        out["exclusiveMaximum"] = out.pop("maximum")
    if node.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    for key in _LOGIC:
        if isinstance(node.get(key), list):
            out[key] = [convert(sub, builtin, logic=True, patterns=patterns) for sub in node[key]]
    if isinstance(node.get("not"), dict):
        out["not"] = convert(node["not"], builtin, logic=True, patterns=patterns)
    if isinstance(node.get("items"), dict):
        out["items"] = convert(node["items"], builtin, logic=logic, patterns=patterns)
    props = node.get("properties") if isinstance(node.get("properties"), dict) else {}
    converted = {name: convert(sub, builtin, logic=logic, patterns=patterns) for name, sub in props.items()}
    if root or embedded:
        converted["apiVersion"] = {"type": "string"}
        converted["kind"] = {"type": "string"}
        converted["metadata"] = _meta(builtin, props.get("metadata"), patterns)
    if converted:
        out["properties"] = converted
    additional = node.get("additionalProperties")
    if isinstance(additional, dict):
        out["additionalProperties"] = convert(additional, builtin, logic=logic, patterns=patterns)
    elif additional is False or (
        not logic and not preserve and additional is None and "object" in types or ((root or embedded) and not preserve and additional is None)
    ):
        out["additionalProperties"] = False
    return out


# --- defaulting and null pruning (the instance the API server validates) ----------------


def prepare(value: Any, node: dict) -> Any:
    """The object after defaulting and dropping non-nullable nulls (a copy when changed)."""
    if not isinstance(node, dict):
        return value
    if isinstance(value, dict):
        props = node.get("properties") if isinstance(node.get("properties"), dict) else {}
        additional = node.get("additionalProperties") if isinstance(node.get("additionalProperties"), dict) else None
        out = None
        for key, sub in value.items():
            child = props.get(key, additional)
            if not isinstance(child, dict):
                continue  # no schema, or a malformed one (crd-rule-unchecked names it)
            if sub is None and child.get("nullable") is not True:
                out = dict(value) if out is None else out
                if "default" in child:
                    out[key] = copy.deepcopy(child["default"])
                else:
                    del out[key]
                continue
            new = prepare(sub, child)
            if new is not sub:
                out = dict(value) if out is None else out
                out[key] = new
        for key, child in props.items():
            if key not in value and isinstance(child, dict) and "default" in child:
                out = dict(value) if out is None else out
                out[key] = prepare(copy.deepcopy(child["default"]), child)
        return value if out is None else out
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        items = node["items"]
        new_list = [prepare(v, items) for v in value]
        if any(a is not b for a, b in zip(new_list, value)):
            return new_list
    return value


def list_map_duplicates(value: Any, node: dict, path: tuple = ()) -> list[tuple[str, tuple]]:
    """Items of ``x-kubernetes-list-type: map`` lists that repeat a key."""
    out: list[tuple[str, tuple]] = []
    if not isinstance(node, dict):
        return out
    if isinstance(value, list):
        items = node.get("items") if isinstance(node.get("items"), dict) else {}
        keys = node.get("x-kubernetes-list-map-keys")
        if node.get("x-kubernetes-list-type") == "map" and isinstance(keys, list):
            seen: dict = {}
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                key = tuple(json.dumps(item.get(k), sort_keys=True) for k in keys)
                if key in seen:
                    shown = ", ".join(f"{k}={item.get(k)!r}" for k in keys)
                    out.append((f"duplicate entry in a list keyed by {', '.join(keys)}: {shown} (also item {seen[key]})", (*path, i)))
                else:
                    seen[key] = i
        for i, item in enumerate(value):
            out.extend(list_map_duplicates(item, items, (*path, i)))
    elif isinstance(value, dict):
        props = node.get("properties") if isinstance(node.get("properties"), dict) else {}
        additional = node.get("additionalProperties") if isinstance(node.get("additionalProperties"), dict) else None
        for key, sub in value.items():
            child = props.get(key, additional)
            if isinstance(child, dict):
                out.extend(list_map_duplicates(sub, child, (*path, key)))
    return out
