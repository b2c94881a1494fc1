"""What a scan validates against: the built-in schemas of the target release, the CRDs of
the scan and of --crd files, and the API lifecycle table. One Catalog per scan."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kubevet.schema import builtin, cel, crd, errors, lifecycle, versions
from kubevet.schema.versions import Version

# Required fields another rule owns: (apiVersion, kind, missing field) -> owning rule
OWNED_REQUIRED = {
    ("apps/v1", kind, ("spec",), "selector"): "AVL008"
    for kind in ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet")
}


@dataclass
class Verdict:
    """How an object is validated: ``state`` is one of builtin, crd, removed, invalid, unknown."""

    state: str
    message: str = ""
    validator: Any = None
    version: crd.CrdVersion | None = None


@dataclass
class Unchecked:
    """A part of a CRD's validation kubevet could not run (reported by SCH004)."""

    crd_obj: Any
    path: tuple
    message: str
    objects: list = field(default_factory=list)


def kube_version(option: str | None) -> Version:
    return versions.parse(option)


class Catalog:
    def __init__(self, target: Version, crd_objects: Iterable[Any] = ()) -> None:
        self.target = target
        self.schema_version = versions.schema_version(target)
        self.builtin = builtin.schemas(self.schema_version)
        self.crds: dict[tuple[str, str], crd.Crd] = {}
        for obj in crd_objects:
            parsed = crd.parse_crd(obj)
            if parsed is not None:
                self.crds.setdefault((parsed.group, parsed.kind), parsed)
        self.unchecked: dict[tuple[int, tuple, str], Unchecked] = {}

    # --- which schema ---------------------------------------------------------------------

    def verdict(self, obj) -> Verdict:
        api_version, kind = obj.api_version, obj.kind
        group, _, version = api_version.rpartition("/")
        if self.builtin.has(api_version, kind):
            return Verdict("builtin", validator=self.builtin.validator(api_version, kind))
        life = lifecycle.lookup(api_version, kind)
        if life is not None and life.removed_at(self.target):
            return Verdict("removed")
        found = self.crds.get((group, kind))
        if found is not None:
            return self._crd_verdict(found, version, api_version)
        target = versions.text(self.target)
        if group in builtin.builtin_groups() or group in lifecycle.groups():
            served = builtin.served_in().get((api_version, kind), ())
            older = self.target < versions.shipped()[0]
            if life is not None or older:
                return Verdict(
                    "unknown",
                    f"no schema for {api_version} {kind}: kubevet's oldest schemas "
                    f"({versions.text(versions.shipped()[0])}) no longer have it; its fields are not checked",
                )
            if served and served[0] > self.target:
                return Verdict("invalid", f"{api_version} {kind} is not served by Kubernetes {target}: it is served from {versions.text(served[0])} on")
            if served:
                return Verdict("invalid", f"{api_version} {kind} is not served by Kubernetes {target} (last served in {versions.text(served[-1])})")
            kinds = sorted(k for k in self.builtin.kinds.get(api_version, ()) if not k.endswith("List"))
            if kinds:
                return Verdict("invalid", f"Kubernetes {target} has no kind {kind} in {api_version}{_close(kind, kinds)}")
            others = sorted(av for av in self.builtin.kinds if av.rpartition("/")[0] == group and kind in self.builtin.kinds[av])
            hint = f"; {kind} is served as {', '.join(others)}" if others else ""
            return Verdict("invalid", f"Kubernetes {target} does not serve the API version {api_version}{hint}")
        return Verdict(
            "unknown",
            f"no schema for {api_version} {kind}: it is not a built-in kind and no "
            "CustomResourceDefinition in the scan or given with --crd defines it; its fields are not checked",
        )

    def _crd_verdict(self, found: crd.Crd, version: str, api_version: str) -> Verdict:
        entry = found.versions.get(version)
        served = sorted(v for v, e in found.versions.items() if e.served)
        if entry is None or not entry.served:
            what = "does not serve" if entry is not None else "has no version"
            return Verdict(
                "invalid",
                f"CustomResourceDefinition {found.name} {what} {version} "
                f"(it serves {', '.join(served) or 'no version'}), so {api_version} {found.kind} is not accepted",
            )
        return Verdict("crd", version=entry)

    # --- validating -----------------------------------------------------------------------

    def validate(self, obj, verdict: Verdict | None = None) -> list[tuple[str, tuple]]:
        """SCH001 findings (message, path) for one object.

        An object nested deeper than the validator follows (jsonschema-rs stops at a few
        hundred levels) is a finding of its own, not a crash that loses the check."""
        try:
            return self._validate(obj, verdict)
        except (ValueError, RecursionError) as exc:
            if not isinstance(exc, RecursionError) and "Recursion limit" not in str(exc):
                raise
            message = (
                "the object is nested too deeply (hundreds of levels) for its schema to be checked; "
                "no Kubernetes kind nests like this, and its fields were not validated"
            )
            return [(message, ())]

    def _validate(self, obj, verdict: Verdict | None) -> list[tuple[str, tuple]]:
        verdict = verdict or self.verdict(obj)
        if verdict.state == "invalid":
            return [(verdict.message, ("apiVersion",))]
        if verdict.state == "builtin":
            if verdict.validator.is_valid(obj.data):
                return []
            out = []
            for message, path in errors.findings(verdict.validator.iter_errors(obj.data)):
                if not self._owned(obj, message, path):
                    out.append((message, path))
            return out
        if verdict.state == "crd":
            return self._validate_custom(obj, verdict.version)
        return []

    def _owned(self, obj, message: str, path: tuple) -> bool:
        """Errors another rule reports: a missing apps/v1 selector (AVL008), a label that
        is not a string (HYG003)."""
        if message.startswith("missing required field"):
            field_name = message.split('"')[1].rsplit(".", 1)[-1]
            return (obj.api_version, obj.kind, path, field_name) in OWNED_REQUIRED
        if "expected string" in message and len(path) >= 2:
            parent = path[-2]
            return parent in ("labels", "matchLabels") or (obj.kind == "Service" and path[:2] == ("spec", "selector"))
        return False

    def _validate_custom(self, obj, version: crd.CrdVersion) -> list[tuple[str, tuple]]:
        if version.schema is None:
            return []  # no schema: the API server accepts any fields
        compiled = version.compiled(self.builtin)
        for problem, path in compiled.problems:
            self._unchecked(version, (*version.schema_path, *path), problem, obj)
        if compiled.validator is None:
            return []
        data = crd.prepare(obj.data, compiled.structural)
        found = errors.findings(compiled.validator.iter_errors(data))
        if found or not compiled.needs_walk:
            return found
        found.extend(crd.list_map_duplicates(data, compiled.structural))
        found.extend(self._cel(obj, version, data, compiled.structural, (), ()))
        return found

    def _cel(self, obj, version, value, node, path, schema_path) -> list[tuple[str, tuple]]:
        out: list[tuple[str, tuple]] = []
        if not isinstance(node, dict):
            return out
        rules = node.get("x-kubernetes-validations")
        if isinstance(rules, list):
            converted = None
            for i, entry in enumerate(rules):
                if not isinstance(entry, dict):
                    continue
                where = (*version.schema_path, *schema_path, "x-kubernetes-validations", i)
                rule = cel.compile_rule(entry, where)
                if rule is None or rule.transition:
                    continue
                if rule.problem is not None:
                    self._unchecked(version, (*where, "rule"), f"CEL rule not checked: {rule.problem}", obj)
                    continue
                if converted is None:
                    converted = cel.to_cel(value, node)
                passed, message = cel.evaluate(rule, converted)
                if passed is None:
                    self._unchecked(version, (*where, "rule"), f"CEL rule not checked: {message}", obj)
                elif not passed:
                    target = (*path, *cel.field_path(rule.field_path))
                    shown = errors._where(target)
                    out.append((f"{shown}: {message} (x-kubernetes-validations rule of {version.crd.name})", target))
        props = node.get("properties") if isinstance(node.get("properties"), dict) else {}
        additional = node.get("additionalProperties") if isinstance(node.get("additionalProperties"), dict) else None
        if isinstance(value, dict):
            for key, sub in value.items():
                if key in props:
                    out.extend(self._cel(obj, version, sub, props[key], (*path, key), (*schema_path, "properties", key)))
                elif additional is not None:
                    out.extend(self._cel(obj, version, sub, additional, (*path, key), (*schema_path, "additionalProperties")))
        elif isinstance(value, list) and isinstance(node.get("items"), dict):
            for i, sub in enumerate(value):
                out.extend(self._cel(obj, version, sub, node["items"], (*path, i), (*schema_path, "items")))
        return out

    def _unchecked(self, version: crd.CrdVersion, path: tuple, message: str, obj) -> None:
        key = (id(version.crd.obj), path, message)
        entry = self.unchecked.get(key)
        if entry is None:
            entry = self.unchecked[key] = Unchecked(version.crd.obj, path, message)
        if not entry.objects or entry.objects[-1] is not obj:
            entry.objects.append(obj)


def _close(kind: str, kinds: list[str]) -> str:
    import difflib

    near = difflib.get_close_matches(kind, kinds, n=1)
    return f" (did you mean {near[0]}?)" if near else ""


# --- --crd files ----------------------------------------------------------------------------


def load_crd_files(paths: Iterable[str]) -> list[Any]:
    """The CRD objects of --crd files (files or directories), read once per file version.

    Raises ValueError naming the file when one cannot be read or parsed.
    """
    out: list[Any] = []
    for path in paths:
        files = []
        if os.path.isdir(path):
            for root, _, names in sorted(os.walk(path)):
                files.extend(os.path.join(root, n) for n in sorted(names) if n.endswith((".yaml", ".yml", ".json")))
        else:
            files.append(path)
        for file in files:
            try:
                stat = os.stat(file)
            except OSError as exc:
                raise ValueError(f"--crd {file}: {exc.strerror or exc}") from None
            out.extend(_load_file(file, stat.st_mtime_ns, stat.st_size))
    return out


@lru_cache(maxsize=64)
def _load_file(path: str, mtime: int, size: int) -> tuple:
    from kubevet.loading.reader import read_source
    from kubevet.model import K8sObject, Problem, Source

    objs = []
    for item in read_source(Source(path, path)):
        if isinstance(item, Problem):
            raise ValueError(f"--crd {path}:{item.line}: {item.message}")
        if isinstance(item, K8sObject) and crd.parse_crd(item) is not None:
            objs.append(item)
    if not objs:
        raise ValueError(f"--crd {path}: no CustomResourceDefinition in it")
    return tuple(objs)
