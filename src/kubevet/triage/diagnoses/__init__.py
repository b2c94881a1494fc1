"""The diagnosis registry: every module under kubevet.triage.diagnoses, found by discovery.

A diagnosis is a function decorated with ``@diagnosis(name=, title=, rules=, fix_field=)``
that reads the signals through an ``Index`` and yields ``Found`` for each case it
recognises. Its docstring holds the default explanation (first paragraph after the title
line) and the fix (the paragraph starting ``Fix:``); a case may override both. ``rules``
are the codes of the kubevet rules that catch the cause in CI (``kubevet explain CODE``),
``fix_field`` the container field the fix changes (``resources``, ``livenessProbe`` ...),
which links the diagnosis to the manifest line with ``--manifests``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache

from kubevet.triage.model import Obj, Signal, workload

CONFIDENCE = ("high", "medium", "low")


@dataclass(frozen=True)
class Kind:
    """A registered diagnosis: its identity, documentation and finder."""

    name: str
    title: str
    rules: tuple[str, ...]
    fix_field: str
    explanation: str
    fix: str
    find: Callable[[Index], Iterable[Found]]
    module: str


@dataclass
class Found:
    """One case a diagnosis recognised."""

    evidence: list[Signal]
    objects: list[Obj]
    confidence: str = "high"
    explanation: str = ""
    fix: str = ""
    detail: str = ""  # a one-line summary of this case (the cause of FailedScheduling, the victim process ...)
    container: str = ""  # the container the fix changes, when one
    node: str = ""
    # the objects whose manifests the fix changes, when not the affected ones (the cleanup
    # job of a mass deletion, not the pods it deleted)
    fix_objects: list[Obj] | None = None


@dataclass
class Diagnosis:
    """A case with its kind, an id in the report (D1, D2 ...) and its place in the chain."""

    kind: Kind
    found: Found
    id: str = ""
    causes: list[str] = field(default_factory=list)  # ids of the diagnoses that explain this one
    effects: list[str] = field(default_factory=list)
    manifests: list[dict] = field(default_factory=list)  # filled by --manifests

    @property
    def name(self) -> str:
        return self.kind.name

    @cached_property
    def start(self) -> datetime | None:
        ts = [s.start for s in self.found.evidence if s.start]
        return min(ts) if ts else None

    @cached_property
    def end(self) -> datetime | None:
        ts = [s.time for s in self.found.evidence if s.time]
        return max(ts) if ts else None

    @cached_property
    def pods(self) -> set[Obj]:
        return {o for o in self.found.objects if o.kind == "Pod"}

    @cached_property
    def nodes(self) -> set[str]:
        out = {o.name for o in self.found.objects if o.kind == "Node"}
        if self.found.node:
            out.add(self.found.node)
        return out


_REGISTRY: dict[str, Kind] = {}


def diagnosis(*, name: str, rules: Iterable[str] = (), fix_field: str = "") -> Callable:
    """Register a finder; its docstring is the title line, the explanation and ``Fix:``."""

    def register(fn: Callable) -> Callable:
        doc = [p.strip() for p in re.split(r"\n\s*\n", (fn.__doc__ or "").strip())]
        title = " ".join(doc[0].split()) if doc else name
        fix = next((" ".join(p.split())[4:].strip() for p in doc if p.startswith("Fix:")), "")
        explanation = " ".join(" ".join(p.split()) for p in doc[1:] if not p.startswith("Fix:"))
        if name in _REGISTRY:
            raise ValueError(f"diagnosis {name} registered twice")
        _REGISTRY[name] = Kind(name, title, tuple(rules), fix_field, explanation, fix, fn, fn.__module__)
        return fn

    return register


@lru_cache(maxsize=1)
def all_kinds() -> tuple[Kind, ...]:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return tuple(_REGISTRY.values())


class Index:
    """The signals of every input, indexed for the finders."""

    def __init__(self, signals: list[Signal]) -> None:
        self.signals = signals
        self.by_reason: dict[str, list[Signal]] = defaultdict(list)
        self.by_source: dict[str, list[Signal]] = defaultdict(list)
        self.by_obj: dict[tuple[str, str], list[Signal]] = defaultdict(list)
        self.node_of: dict[str, str] = {}  # pod name -> node
        self.owner_of: dict[str, tuple[str, str]] = {}  # pod name -> (kind, name)
        for s in signals:
            self.by_reason[s.reason].append(s)
            self.by_source[s.source].append(s)
            if s.obj is not None:
                self.by_obj[(s.obj.kind, s.obj.name)].append(s)
            if s.source == "placement" and s.obj:
                self.node_of[s.obj.name] = s.fields["node"]
            elif s.source == "owner" and s.obj:
                self.owner_of[s.obj.name] = (s.fields["kind"], s.fields["name"])
            elif s.source == "event" and s.obj and s.obj.kind == "Pod" and s.reason == "Scheduled":
                m = re.search(r" to (\S+)\s*$", s.message)
                if m:
                    self.node_of.setdefault(s.obj.name, m.group(1))

    def events(self, *reasons: str, message: str | None = None, kind: str | None = None) -> list[Signal]:
        """Event signals of these reasons (all when none), optionally matching a message regex."""
        pool = [s for r in reasons for s in self.by_reason.get(r, ())] if reasons else self.by_source["event"]
        rx = re.compile(message, re.I) if message else None
        return [s for s in pool if s.source == "event" and (kind is None or (s.obj and s.obj.kind == kind))
                and (rx is None or rx.search(s.message))]

    def of(self, source: str, obj: Obj | None = None) -> list[Signal]:
        out = self.by_source.get(source, [])
        if obj is None:
            return list(out)
        return [s for s in out if s.obj and s.obj.kind == obj.kind and s.obj.name == obj.name]

    def about(self, obj: Obj) -> list[Signal]:
        return list(self.by_obj.get((obj.kind, obj.name), ()))


def objects(signals: Iterable[Signal]) -> list[Obj]:
    """The distinct objects of some signals, namespaces filled from each other when one lacks it."""
    named: dict[tuple[str, str], Obj] = {}
    for s in signals:
        if s.obj is None:
            continue
        key = (s.obj.kind, s.obj.name)
        if key not in named or (named[key].namespace is None and s.obj.namespace):
            named[key] = s.obj
    return sorted(named.values())


def find_all(ix: Index) -> Iterator[tuple[Kind, Found]]:
    """Every case of every diagnosis; per-pod cases of one workload are merged into one."""
    for kind in all_kinds():
        yield from ((kind, f) for f in per_workload(list(kind.find(ix))))


def per_workload(founds: list[Found]) -> list[Found]:
    """Cases about pods of the same workload (web-7d9f8b6c5d-x2x9k, web-7d9f8b6c5d-m4p7q) as one
    case: 40 replicas in a liveness loop are one diagnosis with 40 pods, not 40 diagnoses."""
    groups: dict[tuple, list[Found]] = {}
    out: list[Found] = []
    for f in founds:
        if f.objects and all(o.kind == "Pod" for o in f.objects):
            key = (f.objects[0].namespace, workload(f.objects[0].name), f.container)
            if all((o.namespace, workload(o.name)) == key[:2] for o in f.objects):
                if key not in groups:
                    groups[key] = []
                    out.append(f)
                groups[key].append(f)
                continue
        out.append(f)
    merged = []
    for f in out:
        key = (f.objects[0].namespace, workload(f.objects[0].name), f.container) if f.objects else None
        group = groups.get(key) if key and all(o.kind == "Pod" for o in f.objects) else None
        if not group or len(group) == 1 or group[0] is not f:
            merged.append(f)
            continue
        pods = sorted({o for g in group for o in g.objects})
        nodes = sorted({g.node for g in group if g.node})
        rank = min(CONFIDENCE.index(g.confidence) for g in group)
        merged.append(Found(
            [s for g in group for s in g.evidence], pods, CONFIDENCE[rank], f.explanation, f.fix,
            f"{len(pods)} pods of {key[1]}; {f.detail}" if f.detail else f"{len(pods)} pods of {key[1]}",
            f.container, nodes[0] if len(nodes) == 1 else "", f.fix_objects))
    return merged
