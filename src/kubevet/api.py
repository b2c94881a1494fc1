"""kubevet as a library: scan paths, bytes or objects in memory, and get typed results.

This is the one entry point every front end uses (the CLI, the admission webhook, the
release diff, triage, etcd maintenance): nothing outside the library needs the engine.

    from kubevet import api

    config = api.load_config()                       # .kubevet.yaml, as the CLI finds it
    result = api.scan_paths(["deploy/"], config=config)
    for f in result.findings:
        print(f.file, f.line, f.rule, f.message, f.identity)
    verdict = result.verdict()                       # Verdict(exit_code=1, reason="2 findings at or above error")

    state = api.ClusterState.from_paths(["platform/"], config=config)   # quotas, roles, policies
    result = api.scan_objects([deployment_dict], state=state)           # judged against them

What comes back is a ``ScanResult``: ``findings`` (placed, with final severities,
sorted), ``skipped`` documents that are not Kubernetes objects, ``objects`` judged,
``input_errors`` (``InputError``), ``crashes`` (``RuleCrash``), and ``verdict()``, the
exit-code policy of the CLI as data. Every function is re-entrant: scans share no state,
so threads may scan at once (each with its own ``ClusterState``, or sharing one that
nobody changes meanwhile).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubevet.config import Config
from kubevet.errors import ConfigError, KubevetError
from kubevet.findings import Finding, ObjectRef, Severity
from kubevet.model import K8sObject, Problem, Skipped, Source
from kubevet.result import InputError, RuleCrash, ScanResult, Verdict

__all__ = [
    "ClusterState",
    "Config",
    "ConfigError",
    "Finding",
    "Inputs",
    "InputError",
    "K8sObject",
    "KubevetError",
    "ObjectRef",
    "Placed",
    "RuleCrash",
    "ScanResult",
    "Severity",
    "Verdict",
    "discover",
    "load_config",
    "scan_bytes",
    "scan_inputs",
    "scan_objects",
    "scan_paths",
]

# what api.Result names: the result type of every scan
Result = ScanResult


# --------------------------------------------------------------------------- configuration


def load_config(
    path: str | os.PathLike | None = None,
    no_config: bool = False,
    overrides: dict[str, Any] | None = None,
    cwd: str | os.PathLike | None = None,
) -> Config:
    """The configuration a scan runs with, as the CLI builds it.

    ``path`` names a ``.kubevet.yaml`` (or ``pyproject.toml`` with ``[tool.kubevet]``);
    without it the nearest one walking up from ``cwd`` (default: the working directory)
    applies, and ``no_config`` ignores files altogether. ``overrides`` are settings in
    the configuration file's own spelling, laid over the file's as a file that extends
    it would be: ``{"fail-on": "warning", "rules": {"cpu-limit-missing": {"severity":
    "info"}}}``. Raises ``ConfigError`` (exit 2) for anything it does not accept.
    """
    from kubevet import config_file, config_types
    from kubevet.rules import lookup

    if no_config and path is not None:
        raise ConfigError("a configuration file and no_config contradict each other")
    if no_config:
        config, raw = Config(), {}
    else:
        if path is not None and not os.path.exists(path):
            raise ConfigError(f"no such configuration file: {path}")
        if path is not None and os.path.isdir(path):
            raise ConfigError(f"{path} is a directory, not a configuration file")
        config, raw = config_file.load(Path(path) if path is not None else None, Path(cwd) if cwd else None)
    if overrides:
        # typed as a file's settings are (a string is one item, null unset: kubevet.config_types)
        overrides = config_types.check(overrides, config_types.Located(Path("overrides")), config_file.KEYS, lookup)
        raw = config_file.merge(raw, overrides)
        config = config_file.to_config(raw, "the configuration with its overrides")
    config.exclude = [str(p) for p in raw.get("exclude") or []]
    return config


# --------------------------------------------------------------------------- inputs


@dataclass
class Placed:
    """An object in memory and where it was written, so findings carry file:line.

    ``line`` is the 1-based line the object starts on (0: unknown).
    """

    data: dict
    file: str = "<memory>"
    line: int = 0


@dataclass
class Inputs:
    """What paths turned into before any scan: sources to read, and paths that failed.

    ``discover`` builds one; ``scan_inputs`` judges it. The CLI looks at ``size`` in
    between to decide how many worker processes a big scan deserves.
    """

    sources: list[Source] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Bytes of input (files by their size on disk)."""
        from kubevet.engine import input_size

        return input_size(self.sources)


def discover(
    paths: Sequence[str],
    helm: Any = None,
    exclude: Sequence[str] = (),
    stdin: Any = None,
) -> Inputs:
    """Turn files, directories, charts, kustomizations and ``-`` (stdin) into ``Inputs``.

    ``helm`` is a ``kubevet.loading.rendered.HelmOptions`` (values, release name ...);
    ``exclude`` globs leave files, charts and kustomizations out; ``stdin`` is a binary
    stream read for ``-`` (default: the process's standard input).
    """
    from kubevet.loading.discover import discover as find_sources

    sources, problems = find_sources(list(paths), stdin=stdin, helm=helm, exclude=list(exclude))
    return Inputs(sources, problems)


# --------------------------------------------------------------------------- scans


def scan_inputs(
    inputs: Inputs,
    config: Config | None = None,
    context: Inputs | None = None,
    jobs: int = 1,
    record_checks: bool = False,
    state: ClusterState | None = None,
) -> ScanResult:
    """Judge discovered inputs (see ``discover``), charts and kustomizations included.

    ``context`` inputs, and the objects of ``state``, are the surroundings: cluster
    rules read them, nothing is reported about them except input errors. ``jobs`` > 1
    shares the sources out among forked worker processes (the result is the same).
    ``record_checks`` lists every object with the rules that judged it
    (``ScanResult.checked``, for JUnit's passing test cases).
    Findings on rendered sources are moved to the template or file they come from.
    """
    engine = _engine(config, state, record_checks)
    problems = [*inputs.problems, *(context.problems if context else ())]
    options: dict[str, Any] = {"context": context.sources if context else []}
    options.update(_state_options(engine, state))
    return _scan_renders(engine, inputs.sources, problems, jobs=jobs, **options)


def _scan_renders(engine, sources: Sequence[Source], problems, jobs: int = 1, **options) -> ScanResult:
    """``engine.scan`` for sources that may include renders, whose findings are then moved
    to the templates and files they come from.

    Each render of a ``--values-matrix`` is an alternative to the others, not a part of
    the same cluster: it is judged in a scan of its own, so that cluster rules (duplicate
    objects, PodDisruptionBudgets and Services selecting pods ...) see its objects only.
    Everything else is judged together.
    """
    from kubevet.loading.rendered import RenderedSource, move_to_origins

    together: list[Source] = []
    alone: dict[tuple, list[Source]] = {}
    for s in sources:
        if isinstance(s, RenderedSource) and s.render.label is not None:
            alone.setdefault((s.render.group, s.render.label), []).append(s)
        else:
            together.append(s)
    result = engine.scan(together, problems, jobs=jobs, **options)
    for group in alone.values():
        result.merge(engine.scan(group, (), jobs=1, **options))
    move_to_origins(result, sources)
    return result


def scan_paths(
    paths: Sequence[str],
    config: Config | None = None,
    helm: Any = None,
    context: Sequence[str] = (),
    jobs: int = 1,
    exclude: Sequence[str] = (),
    record_checks: bool = False,
    state: ClusterState | None = None,
) -> ScanResult:
    """Scan files, directories, Helm charts, kustomizations and ``-`` (stdin).

    ``context`` paths are the surroundings (see ``scan_inputs``); ``exclude`` globs add
    to the configuration's ``exclude``.
    """
    config = config if config is not None else (state.config if state is not None else Config())
    excluded = [*config.exclude, *exclude]
    inputs = discover(paths, helm=helm, exclude=excluded)
    around = discover(context) if context else None
    return scan_inputs(inputs, config, around, jobs=jobs, record_checks=record_checks, state=state)


def scan_bytes(
    data: bytes | str,
    name: str = "<stdin>",
    config: Config | None = None,
    state: ClusterState | None = None,
) -> ScanResult:
    """Scan YAML or JSON manifests held in memory; ``name`` is the file findings name."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    engine = _engine(config, state)
    return engine.scan([Source(None, name, data)], **_state_options(engine, state))


def scan_objects(
    objects: Iterable[dict | Placed | K8sObject],
    config: Config | None = None,
    state: ClusterState | None = None,
    name: str = "<memory>",
) -> ScanResult:
    """Judge objects already decoded (dicts as ``yaml.safe_load`` or an API server gives
    them), each optionally ``Placed`` at a file and line, or objects kubevet already read
    (``K8sObject``, e.g. from ``discover``'d sources a front end compared itself).

    A plain dict's findings name the file ``name`` and line 0. What is not a Kubernetes
    object (no apiVersion or kind) is reported in ``skipped``; a ``List`` is expanded.
    A ``K8sObject`` keeps its own file, line and field positions, and is judged as it is
    (no second read). The dicts are read, never changed; a ``K8sObject`` is left as it
    came (the caches the rules put on it are cleared after the scan).
    """
    from kubevet.loading.reader import read_value

    engine = _engine(config, state)
    items: list[K8sObject | Problem | Skipped] = []
    read: list[K8sObject] = []
    for item in objects:
        if isinstance(item, K8sObject):
            items.append(item)
            read.append(item)
        elif isinstance(item, Placed):
            items.extend(read_value(item.data, item.file, item.line))
        else:
            items.extend(read_value(item, name))
    try:
        return engine.scan([], objects=items, **_state_options(engine, state))
    finally:
        for obj in read:
            obj.template_cache = None  # it points back at obj (see Workloads.pod_template)


def _state_options(engine, state: ClusterState | None) -> dict[str, Any]:
    """How a scan reads a state: prepared for this engine, else its objects afresh (a
    scan with another configuration keeps other things of them)."""
    if state is None:
        return {}
    if engine is state.engine:
        return {"prepared": state.prepared()}
    return {"context_objects": state.objects()}


def _engine(config: Config | None, state: ClusterState | None, record_checks: bool = False):
    from kubevet.engine import Engine

    if state is not None and (config is None or config is state.config) and not record_checks:
        return state.engine
    return Engine(config if config is not None else (state.config if state is not None else Config()),
                  record_checks=record_checks)


# --------------------------------------------------------------------------- cluster state


ObjectKey = tuple[str, str, str, str]  # (API group, kind, namespace, name)


class ClusterState:
    """The objects already in a cluster (or a platform repository): quotas, limit ranges,
    roles and bindings, policies, Services, ConfigMaps ... that the objects being judged
    are checked against, but that are never reported on themselves.

    Built once, then kept up to date in place: ``add`` a new object, ``replace`` a
    changed one, ``remove`` a deleted one. A scan given ``state=`` sees exactly what a
    full scan with these objects as ``--context`` would see. A state is not locked:
    change it from one thread while none scans against it (or give each thread its own).
    """

    def __init__(
        self, config: Config | None = None, objects: Iterable[dict | Placed] = (), rules: Sequence | None = None
    ) -> None:
        """``rules``: the rules to select from (default: every registered rule); scans
        against the state run the configured ones of them."""
        from kubevet.engine import Engine, PreparedContext

        self.config = config if config is not None else Config()
        self.engine = Engine(self.config, rules=rules)
        self._objects: dict[ObjectKey, K8sObject] = {}
        # what the engine's cluster rules keep of each object, kept and indexed once here,
        # so that a scan against the state reads none of it again
        self._kept: dict[ObjectKey, K8sObject] = {}
        self._prepared = PreparedContext()
        # what from_paths could not read: the state is then incomplete
        self.input_errors: list[InputError] = []
        for obj in objects:
            self.replace(obj)

    @classmethod
    def from_paths(
        cls, paths: Sequence[str], config: Config | None = None, helm: Any = None, exclude: Sequence[str] = ()
    ) -> ClusterState:
        """A state holding every object of these files, directories, charts (the CLI's
        ``--context``). What cannot be read is in ``input_errors``."""
        from kubevet.loading.reader import read_source
        from kubevet.result import INPUT_ERRORS

        state = cls(config)
        inputs = discover(paths, helm=helm, exclude=[*state.config.exclude, *exclude])
        for p in inputs.problems:
            state.input_errors.append(InputError(p.file, p.line, p.message, p.rule, p.column))
        for source in inputs.sources:
            for item in read_source(source):
                if isinstance(item, K8sObject):
                    item.doc.node = None  # no positions are ever needed: context is not reported
                    state._put(item)
                elif isinstance(item, Problem) and item.rule in INPUT_ERRORS:
                    state.input_errors.append(InputError(item.file, item.line, item.message, item.rule, item.column))
        return state

    def add(self, obj: dict | Placed) -> ObjectRef:
        """Add an object; ``KeyError`` if one of the same group, kind, namespace and name is
        there already (use ``replace``)."""
        new = self._object(obj)
        key = _key(new)
        if key in self._objects:
            raise KeyError(f"{new.ref} is already in the cluster state")
        self._put(new)
        return new.ref

    def replace(self, obj: dict | Placed) -> ObjectRef:
        """Put an object in the state, in place of the one with its identity if any."""
        new = self._object(obj)
        self._put(new)
        return new.ref

    def remove(self, ref: ObjectRef | dict | K8sObject) -> bool:
        """Take the object with this identity out; False if there was none."""
        key = _key_of(ref)
        kept = self._kept.pop(key, None)
        if kept is not None:
            self._prepared.remove(kept)
        return self._objects.pop(key, None) is not None

    def get(self, ref: ObjectRef | dict | K8sObject) -> dict | None:
        """The data of the object with this identity, or None."""
        obj = self._objects.get(_key_of(ref))
        return obj.data if obj is not None else None

    def objects(self) -> list[K8sObject]:
        """The objects, in the order they were first added."""
        return list(self._objects.values())

    def __len__(self) -> int:
        return len(self._objects)

    def __contains__(self, ref: object) -> bool:
        return _key_of(ref) in self._objects  # type: ignore[arg-type]

    def _object(self, obj: dict | Placed) -> K8sObject:
        from kubevet.loading.reader import read_value

        data, file, line = (obj.data, obj.file, obj.line) if isinstance(obj, Placed) else (obj, "<cluster-state>", 0)
        found = [item for item in read_value(data, file, line)]
        if len(found) != 1 or not isinstance(found[0], K8sObject):
            reason = found[0].reason if found and isinstance(found[0], Skipped) else "a List holds several objects: add them one by one"
            raise ValueError(f"not a Kubernetes object: {reason}")
        return found[0]

    def prepared(self):
        """The objects as this state's engine keeps them, indexed (``engine.PreparedContext``)."""
        return self._prepared

    def _put(self, obj: K8sObject) -> None:
        key = _key(obj)
        self.remove(obj)  # a replaced object moves to the end, as a later document would
        self._objects[key] = obj
        kept = self.engine.context_view(obj)
        if kept is not None:
            self._kept[key] = kept
            self._prepared.add(kept)


def _key(obj: K8sObject) -> ObjectKey:
    return (obj.group, obj.kind, obj.namespace or "", obj.name or "")


def _key_of(ref: ObjectRef | dict | K8sObject) -> ObjectKey:
    if isinstance(ref, K8sObject):
        return _key(ref)
    if isinstance(ref, ObjectRef):
        group = ref.api_version.rpartition("/")[0] if "/" in ref.api_version else ""
        return (group, ref.kind, ref.namespace or "", ref.name or "")
    if isinstance(ref, dict):
        av = str(ref.get("apiVersion", ""))
        meta = ref.get("metadata") if isinstance(ref.get("metadata"), dict) else {}
        return (av.rpartition("/")[0] if "/" in av else "", str(ref.get("kind", "")),
                str(meta.get("namespace") or ""), str(meta.get("name") or ""))
    raise TypeError(f"an ObjectRef, a dict or an object, not {type(ref).__name__}")

