"""Run the rules over sources: load, judge each object, judge the scan, place the findings.

The engine streams: a source is read document by document, object rules run as each
object arrives, and their findings are placed (file:line:column) from the parser's nodes
while they are alive. Cluster rules keep only what they read of each object (the whole
object, its identity, or a projection) until the end of the scan, where they run once.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from kubevet import suppress
from kubevet.config import Config
from kubevet.errors import ConfigError
from kubevet.findings import Finding
from kubevet.groups import lookup as group_lookup
from kubevet.k8s.index import merged, namespace_of
from kubevet.k8s.paths import named_path
from kubevet.k8s.workloads import Workloads, parse_workload_kinds
from kubevet.loading.positions import PositionIndex, field_positions
from kubevet.loading.reader import SourcePart, read_source, split_source
from kubevet.model import K8sObject, Problem, Skipped, Source
from kubevet.result import INPUT_ERRORS, InputError, RuleCrash, ScanResult, summary
from kubevet.rules import WORKLOADS, Rule, RuleContext, all_rules, lookup_named

__all__ = ["INPUT_ERRORS", "Engine", "ScanResult", "input_size", "lint_text", "summary"]


class Engine:
    """The rules a configuration selects, ready to judge sources."""

    def __init__(
        self, config: Config | None = None, record_checks: bool = False, rules: Sequence[Rule] | None = None
    ) -> None:
        """``rules``: the catalogue to select from (default: every registered rule), so
        that a caller with rules of its own passes them instead of changing the registry."""
        self.config = config or Config()
        self.record_checks = record_checks
        catalogue = tuple(all_rules() if rules is None else rules)
        self.config.validate(catalogue)
        try:
            extra = parse_workload_kinds(self.config.workload_kinds)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        self.workloads = Workloads(extra)
        self.rules = [r for r in catalogue if self.config.active(r)]
        self._input = {r.name: r for r in catalogue if r.scope == "input"}
        self._active_input = {r.name for r in self.rules if r.scope == "input"}
        self._active_names = {r.name for r in self.rules}
        self._object: list[tuple[Rule, frozenset[str] | None, RuleContext]] = []
        self._cluster: list[Rule] = []
        # kinds whose objects cluster rules read whole, and kinds they need only the
        # identity of (None: every kind)
        retain: set[str] | None = set()
        identity: set[str] | None = set()
        # rules that decide object by object what they keep: (retain function, kinds, ctx)
        self._retain_by: list[tuple[Callable, frozenset[str] | None, RuleContext]] = []
        seen_retain: set = set()
        for r in self.rules:
            if r.scope == "object":
                ctx = RuleContext(r, self.config.options_of(r), self.workloads, config=self.config)
                self._object.append((r, self._expand(r.kinds), ctx))
            elif r.scope == "cluster":
                self._cluster.append(r)
                kinds = self._expand(r.kinds)
                if r.early is not None or callable(r.retain):
                    ctx = RuleContext(r, self.config.options_of(r), self.workloads, config=self.config)
                    if r.early is not None:
                        self._object.append((r, kinds, ctx))
                    if callable(r.retain):
                        # rules sharing a retain function (and its options) ask it once
                        key = (r.retain, kinds, repr(sorted(ctx.options.items())))
                        if key not in seen_retain:
                            seen_retain.add(key)
                            self._retain_by.append((r.retain, kinds, ctx))
                        continue
                if r.retain == "identity":
                    identity = None if kinds is None or identity is None else identity | kinds
                else:
                    retain = None if kinds is None or retain is None else retain | kinds
        self._retain_all = retain is None
        self._retain = frozenset(retain or ())
        self._identity_all = identity is None
        self._identity = frozenset(identity or ())
        self._dispatch: dict[str, list[tuple[Rule, RuleContext, Callable]]] = {}
        self._applicable: dict[str, tuple[str, ...]] = {}

    def _expand(self, kinds: frozenset[str] | str | None) -> frozenset[str] | None:
        if kinds is None:
            return None
        if kinds == WORKLOADS:
            return self.workloads.kinds
        assert isinstance(kinds, frozenset)
        if WORKLOADS in kinds:
            return (kinds - {WORKLOADS}) | self.workloads.kinds
        return kinds

    def _rules_for(self, kind: str) -> list[tuple[Rule, RuleContext, Callable]]:
        """The object rules (and cluster rules' early checks) for a kind, with the function
        to call: found once per kind."""
        rules = self._dispatch.get(kind)
        if rules is None:
            rules = [
                (r, ctx, r.check if r.scope == "object" else r.early)
                for r, kinds, ctx in self._object
                if kinds is None or kind in kinds
            ]
            self._dispatch[kind] = rules
        return rules

    def _applicable_rules(self, kind: str) -> tuple[str, ...]:
        names = self._applicable.get(kind)
        if names is None:
            found = {r.name for r, _, _ in self._rules_for(kind)}
            for r in self._cluster:
                kinds = self._expand(r.kinds)
                if kinds is None or kind in kinds:
                    found.add(r.name)
            names = self._applicable[kind] = tuple(sorted(found))
        return names

    def scan(
        self,
        sources: Iterable[Source],
        problems: Iterable[Problem] = (),
        jobs: int = 1,
        context: Iterable[Source] = (),
        context_objects: Iterable[K8sObject] = (),
        objects: Iterable[K8sObject | Problem | Skipped] = (),
        prepared: PreparedContext | None = None,
    ) -> ScanResult:
        """Judge every source; findings come back placed, with final severities, sorted.

        ``problems`` are inputs that failed before reading (a path that does not exist).
        With ``jobs`` > 1 the sources are shared out among that many worker processes,
        which load, judge and place their own; the cluster rules then run once, here, on
        the objects the workers kept, in source order. The result does not depend on
        ``jobs``.

        ``context`` sources describe the surroundings (a platform repository's quotas,
        policies and roles): their objects are read by cluster rules but are not judged
        themselves and nothing is reported about them, except input errors.
        ``context_objects`` are context objects already read; ``prepared`` is context
        already kept for this engine and indexed by kind (a ``ClusterState``'s), used as
        it is: nothing of it is read again.
        ``objects`` are objects already in memory (``kubevet.api.scan_objects``): judged
        after the sources, as one more source.

        The engine leaves the garbage collector alone: turning it off for a big one-shot
        scan is the CLI's decision, not the library's (it is process-wide, and other
        threads may be scanning).
        """
        sources = list(sources)
        result = ScanResult(fail_on=self.config.fail_on, rules=list(self.rules))
        for problem in problems:
            result.findings.extend(self._problem(problem, result))
        context_part = self._scan_sources([(-1, s) for s in context], context=True)
        for obj in context_objects:
            self._keep_context(obj, context_part.retained, -1)
        work = _shares_of(sources, jobs) if jobs > 1 and _can_fork() else []
        if len(work) > 1:
            parts = self._scan_parallel(work, jobs)
        else:
            parts = [self._scan_sources(list(enumerate(sources)))]
        objects = list(objects)
        if objects:
            part = _PartialScan(ScanResult(), [])
            kept: list[K8sObject] = []
            part.result.findings.extend(self._scan_items(iter(objects), part.result, kept, False))
            part.retained.extend((len(sources), obj) for obj in kept)
            parts.append(part)
        retained: list[tuple[int, K8sObject]] = list(context_part.retained)
        result.findings.extend(context_part.result.findings)
        result.input_errors.extend(context_part.result.input_errors)
        for part in parts:
            part.unpack()
            result.merge(part.result)
            retained.extend(part.retained)
        retained = _without_judged_copies(retained)
        retained.sort(key=lambda item: (item[0], item[1].doc.offset, item[1].base))
        ordered = [obj for _, obj in retained]
        # what the cluster rules share: the scan's own objects apart from a prepared
        # context's, and those it judges, so that a check that reports on the judged
        # objects (or adds the context's, kept indexed) does not walk the whole context
        shared: dict = {"scan-objects": ordered, "judged-objects": [o for o in ordered if not o.unjudged]}
        if prepared is not None:
            shared["objects-by-kind"] = prepared.index_with(ordered)
            shared["prepared"] = prepared
            ordered = [*prepared.objects, *ordered]
        cluster = self._run_cluster(ordered, result, shared)
        cluster = [f for f in cluster if f.target is None or not f.target.unjudged]
        for f in cluster:
            obj = f.target
            if obj is not None and obj.suppressions is not None:
                path = self.workloads.template_path(obj)
                obj.suppressions.apply(f, suppress.container_of(obj, path, f.path))
        self._place(cluster)
        result.findings.extend(cluster)
        for _, obj in retained:
            obj.template_cache = None  # break the object <-> template cycle
        result.findings.extend(self._suppression_findings(result))
        suppress.apply_exemptions(result.findings, self.config.exemptions)
        result.findings.sort(key=Finding.sort_key)
        result.skipped.sort(key=lambda s: (s.file, s.line))
        result.input_errors.sort(key=lambda e: (e.file, e.line, e.column, e.message))
        result.checked.sort(key=lambda c: (c[1], c[2]))
        return result

    def _scan_sources(self, numbered: list[tuple[int, Source]], context: bool = False) -> _PartialScan:
        part = _PartialScan(ScanResult(), [])
        for order, source in numbered:
            if source.__class__ is not SourcePart or source.start == 0:  # type: ignore[attr-defined]
                part.result.sources += 1  # a source cut in parts counts once
            kept: list[K8sObject] = []
            part.result.findings.extend(self._scan_source(source, part.result, kept, context))
            part.retained.extend((order, obj) for obj in kept)
        return part

    def _scan_parallel(self, work: list[tuple[int, Source]], jobs: int) -> list[_PartialScan]:
        """Share (order, source) pairs out by size among forked workers; each returns a _PartialScan."""
        import multiprocessing

        shares: list[list[tuple[int, Source]]] = [[] for _ in range(jobs)]
        loads = [0] * jobs
        weighed = [(_weight(source), order, source) for order, source in work]
        for weight, order, source in sorted(weighed, key=lambda s: -s[0]):
            i = loads.index(min(loads))
            shares[i].append((order, source))
            loads[i] += weight
        shares = [s for s in shares if s]
        # the workers take every share but the first, which this process scans itself
        # meanwhile: one share fewer to send back. Each worker gets this engine from its
        # initializer (inherited by fork, not pickled); nothing is left in this process.
        context = multiprocessing.get_context("fork")
        with context.Pool(len(shares) - 1, initializer=_worker_start, initargs=(self,)) as pool:
            pending = pool.map_async(_scan_share, shares[1:])
            own = self._scan_sources(shares[0])
            return [own, *pending.get()]

    def _scan_source(
        self, source: Source, result: ScanResult, retained: list[K8sObject], context: bool = False
    ) -> list[Finding]:
        return self._scan_items(read_source(source), result, retained, context)

    def context_view(self, obj: K8sObject) -> K8sObject | None:
        """What the cluster rules need of a context object (never judged itself): the
        object, a slim copy of it, or None."""
        keep = self._keep(obj)
        if keep is None:
            return None
        kept = obj if keep == "full" else obj.identity(keep if isinstance(keep, dict) else None)
        kept.unjudged = True
        kept.field_positions = {}
        return kept

    def _keep_context(self, obj: K8sObject, retained: list, order: int | None = None) -> None:
        kept = self.context_view(obj)
        if kept is not None:
            retained.append(kept if order is None else (order, kept))

    def _scan_items(
        self,
        items: Iterator[K8sObject | Problem | Skipped],
        result: ScanResult,
        retained: list[K8sObject],
        context: bool,
    ) -> list[Finding]:
        found: list[Finding] = []
        index = PositionIndex()
        for item in items:
            if item.__class__ is K8sObject:
                obj: K8sObject = item  # type: ignore[assignment]
                if context:
                    self._keep_context(obj, retained)
                    continue
                keep = self._keep(obj)
                result.objects += 1
                own: list[Finding] = []
                for r, ctx, check in self._rules_for(obj.kind):
                    # inline, not a method: this runs once per rule and object
                    try:
                        findings = list(check(obj, ctx))
                    except Exception as exc:  # noqa: BLE001 - a rule bug must not end the scan
                        result.crashes.append(_crash(r, obj, exc))
                        continue
                    if findings:
                        for f in findings:
                            f.target = obj
                            self._stamp(f, r)
                        own.extend(findings)
                if self.config.inline_suppressions:
                    self._suppressions(obj, own, index, result)
                for f in own:
                    self._place_one(f, index)  # now, from the nodes the parser just built
                found.extend(own)
                if keep != "full":
                    obj.template_cache = None  # it points back at obj: free it by refcount
                if keep == "full":
                    # objects from memory have no nodes to take positions from: they are placed at their line
                    obj.field_positions = field_positions(obj.doc, obj.base) if obj.doc.node is not None else {}
                    retained.append(obj)
                elif keep is not None:
                    slim = obj.identity(keep if isinstance(keep, dict) else None)
                    slim.field_positions = {("metadata", "name"): index.locate(obj.doc, (*obj.base, "metadata", "name"))}
                    retained.append(slim)
                if self.record_checks:
                    result.checked.append(
                        (obj.ref, obj.doc.source.display, obj.line, self._applicable_rules(obj.kind))
                    )
            elif item.__class__ is Problem:
                found.extend(self._problem(item, result))  # type: ignore[arg-type]
            else:
                if item.empty_list:  # type: ignore[union-attr]
                    result.empty_lists += 1  # valid input holding nothing: not a skipped document
                else:
                    result.skipped.append(item)  # type: ignore[arg-type]
        return found

    def _suppressions(
        self, obj: K8sObject, findings: list[Finding], index: PositionIndex, result: ScanResult
    ) -> None:
        """Read the object's kubevet.io/ignore annotations and apply them to its findings."""
        template_path = self.workloads.template_path(obj)
        sups = suppress.parse(obj, template_path, lookup_named)
        if sups is None:
            return
        obj.suppressions = sups
        for f in findings:
            sups.apply(f, suppress.container_of(obj, template_path, f.path))
        for s in sups.items:
            s.line, s.column = index.locate(obj.doc, (*obj.base, *s.path))
        result.suppressions.append(sups)

    def _enabled(self, name: str) -> bool:
        """Whether a rule, or any rule of a group (kubevet.groups), runs in this scan."""
        group = group_lookup(name)
        members = group.members if group is not None else (name,)
        return any(m in self._active_names for m in members)

    def _suppression_findings(self, result: ScanResult) -> list[Finding]:
        """suppression-reason-missing and suppression-unused, once every rule has run."""
        out: list[Finding] = []
        for sups in result.suppressions:
            for s in sups.items:
                if s.reason is None and "suppression-reason-missing" in self._active_input:
                    out.append(self._engine_finding(
                        "suppression-reason-missing",
                        f"{s.path[-1]} has no {suppress.REASON} annotation beside it",
                        sups, s,
                    ))
                if "suppression-unused" not in self._active_input:
                    continue
                for name in s.unknown:
                    out.append(self._engine_finding("suppression-unused", f"{s.path[-1]} names unknown rule {name!r}", sups, s))
                if suppress.ALL in s.rules:
                    unused = [] if s.used else [suppress.ALL]
                else:
                    unused = sorted(s.rules - s.used)
                if unused:
                    idle = [n for n in unused if n != suppress.ALL and not self._enabled(n)]
                    note = f" (not enabled: {', '.join(idle)})" if idle else ""
                    out.append(self._engine_finding(
                        "suppression-unused",
                        f"{s.path[-1]} suppresses {', '.join(unused)} but nothing was found here{note}",
                        sups, s,
                    ))
        return out

    def _engine_finding(self, rule: str, message: str, sups, s) -> Finding:
        f = Finding(message, s.path, file=sups.file, line=s.line, column=s.column, obj=sups.obj_ref)
        self._stamp(f, self._input[rule])
        return f

    def _keep(self, obj: K8sObject) -> str | dict | None:
        """What the cluster rules need of an object: "full", "identity", a projection of its
        data (a dict a retain function chose), or nothing. Two projections make "full"."""
        kind = obj.kind
        if self._retain_all or kind in self._retain:
            return "full"
        keep: str | dict | None = "identity" if self._identity_all or kind in self._identity else None
        for decide, kinds, ctx in self._retain_by:
            if kinds is None or kind in kinds:
                wanted = decide(obj, ctx)
                if wanted == "full" or (isinstance(wanted, dict) and isinstance(keep, dict)):
                    return "full"
                if isinstance(wanted, dict) or keep is None:
                    keep = wanted
        return keep

    def _run_cluster(self, retained: list[K8sObject], result: ScanResult, shared: dict) -> list[Finding]:
        found: list[Finding] = []
        # shared: the indexes the cluster rules build once and share
        for r in self._cluster:
            ctx = RuleContext(r, self.config.options_of(r), self.workloads, retained, self.config, shared)
            try:
                findings = list(r.check(ctx))  # type: ignore[misc]
            except Exception as exc:  # noqa: BLE001
                result.crashes.append(_crash(r, None, exc))
                continue
            for f in findings:
                self._stamp(f, r)
            found.extend(findings)
        return found

    def _stamp(self, f: Finding, r: Rule) -> None:
        f.rule = r.name
        f.code = r.code
        f.severity = self.config.severity_of(r, f.default_severity)

    def _problem(self, problem: Problem, result: ScanResult) -> list[Finding]:
        if problem.rule in INPUT_ERRORS:
            result.input_errors.append(
                InputError(problem.file, problem.line, problem.message, problem.rule, problem.column)
            )
        if problem.rule not in self._active_input:
            return []
        r = self._input[problem.rule]
        f = Finding(problem.message, file=problem.file, line=problem.line, column=problem.column)
        self._stamp(f, r)
        return [f]

    def _place(self, findings: list[Finding]) -> None:
        """Place findings about retained objects, document by document.

        Only one document's nodes are held at a time, and most findings are placed from
        their object's field positions without parsing anything.
        """
        index = PositionIndex()
        placed = [f for f in findings if f.target is not None]
        placed.sort(key=lambda f: (f.target.doc.source.display, f.target.doc.offset))
        current = None
        for f in placed:
            doc = f.target.doc
            if doc is not current:
                if current is not None:
                    index.forget(current)
                current = doc
            self._place_one(f, index)

    @staticmethod
    def _place_one(f: Finding, index: PositionIndex) -> None:
        """Set the file, line, column and object of a finding about an object."""
        obj = f.target
        doc = obj.doc
        f.obj = obj.ref
        f.file = doc.source.display
        f.line, f.column = index.locate(doc, (*obj.base, *f.path), obj)
        if any(part.__class__ is int for part in f.path):
            f.named_path = named_path(obj.data, f.path)
        origin = doc.source.origin_of
        if origin is not None:
            f.origin = origin(doc, f.line)
        f.target = None


class PreparedContext:
    """Context objects kept once for an engine, with their index by kind and namespace,
    updated in place as objects come and go (what a ``ClusterState`` holds)."""

    def __init__(self) -> None:
        self.objects: list[K8sObject] = []
        self.by_kind: dict = {}
        self._workloads: list | None = None  # (object, pod template) of those that have one
        # what checks derive from these objects alone, kept while they do not change
        # (keyed by the check; see rules.schema._scan.analysis)
        self.memo: dict = {}

    def workload_objects(self, workloads: Workloads) -> list:
        """(object, pod template) of the objects with a pod template, in order (found once,
        until the objects change)."""
        if self._workloads is None:
            pod_template = workloads.pod_template
            self._workloads = [(o, t) for o in self.objects if (t := pod_template(o)) is not None]
        return self._workloads

    def add(self, obj: K8sObject) -> None:
        self._workloads = None
        self.memo.clear()
        self.objects.append(obj)
        self.by_kind.setdefault(obj.kind, []).append(obj)
        self.by_kind.setdefault((obj.kind, namespace_of(obj)), []).append(obj)

    def remove(self, obj: K8sObject) -> None:
        self._workloads = None
        self.memo.clear()
        self.objects.remove(obj)
        for key in (obj.kind, (obj.kind, namespace_of(obj))):
            items = self.by_kind[key]
            items.remove(obj)
            if not items:
                del self.by_kind[key]

    def index_with(self, objects: list[K8sObject]) -> dict:
        """The index by kind of these objects and the scan's, the context's first.

        The context's lists are shared, not copied: only those the scan's objects join are
        (so that judging one object does not copy the whole index)."""
        return merged(self.by_kind, ((key, obj) for obj in objects for key in (obj.kind, (obj.kind, namespace_of(obj)))))


def _without_judged_copies(retained: list[tuple[int, K8sObject]]) -> list[tuple[int, K8sObject]]:
    """The kept objects, less the context's copies of objects the scan judges: an object
    stands in for its copy in ``--context`` (``kubevet scan app/ --context app/`` counts
    each workload once against a quota, not twice)."""
    judged = {_object_key(obj) for _, obj in retained if not obj.unjudged and obj.name}
    if not judged or all(not obj.unjudged for _, obj in retained):
        return retained
    return [(order, obj) for order, obj in retained
            if not (obj.unjudged and obj.name and _object_key(obj) in judged)]


def _object_key(obj: K8sObject) -> tuple:
    return (obj.kind, namespace_of(obj), obj.name)


@dataclass
class _PartialScan:
    """What one worker (or the serial scan) returns: its result and the objects it kept.

    A worker sends the kept objects' data and field positions as one ``marshal`` blob
    (``packed``): plain dicts, lists, strings and numbers, which marshal writes and reads
    back exactly as they were (tuple keys and all) several times faster than pickle, and
    faster than JSON, which would need the positions rebuilt. Data marshal cannot write
    (none that YAML or JSON decoding makes) leaves the objects to travel by pickle.
    """

    result: ScanResult
    retained: list[tuple[int, K8sObject]]
    packed: bytes | None = None

    def pack(self) -> _PartialScan:
        import marshal

        objs = [obj for _, obj in self.retained]
        try:
            self.packed = marshal.dumps([(obj.data, obj.field_positions or {}) for obj in objs])
        except ValueError:  # a value of a type marshal does not write: pickled with the objects
            return self
        for obj in objs:
            obj.data = obj.field_positions = obj.template_cache = None  # type: ignore[assignment]
        return self

    def unpack(self) -> None:
        if self.packed is None:
            return
        import marshal

        for (_, obj), (data, positions) in zip(self.retained, marshal.loads(self.packed)):
            obj.data = data
            obj.field_positions = positions
        self.packed = None


_WORKER_ENGINE: list[Engine] = []  # set in a forked worker only, by _worker_start


def _worker_start(engine: Engine) -> None:
    """In a new worker process: remember the engine to scan with, and leave the GC off
    (the worker is short-lived and builds no cycles worth collecting)."""
    gc.disable()
    _WORKER_ENGINE.append(engine)


def _scan_share(share: list[tuple[int, Source]]) -> _PartialScan:
    return _WORKER_ENGINE[0]._scan_sources(share).pack()


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _shares_of(sources: list[Source], jobs: int) -> list[tuple[int, Source]]:
    """The sources numbered in order, those too big to balance among ``jobs`` workers cut
    into parts at their document markers (reader.split_source), so that one large file
    is not one process's work. Parts keep their source's number: objects and findings come
    back in the source's order."""
    fair = input_size(sources) / jobs
    work: list[tuple[int, Source]] = []
    for order, source in enumerate(sources):
        size = _size(source)
        if size > fair * 0.75 and size >= _SPLIT_MIN:
            work.extend((order, part) for part in split_source(source, max(2, round(size / (fair / 2)))))
        else:
            work.append((order, source))
    return work


_SPLIT_MIN = 1 << 20  # a smaller file is not worth reading twice to cut
# what one document costs to judge, in bytes of YAML to read: the rules run per object, so
# a file of a few huge CRDs is less work than its size says and one of many small objects
# more (measured: ~8 ms per MB read against ~0.17 ms per object judged, on the real and
# the generated corpora); the shares of a parallel scan are balanced by both
_DOCUMENT_WEIGHT = 20_000


def _weight(source: Source) -> int:
    """A source's share of a scan's work: its bytes plus ``_DOCUMENT_WEIGHT`` per document
    (document markers counted; the file is in the page cache for its worker afterwards)."""
    size = _size(source)
    start, end = (source.start, source.end) if source.__class__ is SourcePart else (0, None)  # type: ignore[attr-defined]
    data = source.data
    if data is None:
        try:
            with open(source.path or "", "rb") as fh:
                fh.seek(start)
                data = fh.read(-1 if end is None else end - start)
        except OSError:
            return size
        start, end = 0, None
    documents = data.count(b"\n---", start, len(data) if end is None else end) + 1
    return size + _DOCUMENT_WEIGHT * documents


def input_size(sources: list[Source]) -> int:
    """Bytes of input the sources hold (files by their size on disk)."""
    return sum(_size(s) for s in sources)


def _size(source: Source) -> int:
    if source.__class__ is SourcePart:
        return source.end - source.start  # type: ignore[attr-defined]
    if source.data is not None:
        return len(source.data)
    try:
        return os.path.getsize(source.path or "")
    except OSError:
        return 0


def _crash(r: Rule, obj: K8sObject | None, exc: BaseException) -> RuleCrash:
    if obj is None:
        return RuleCrash(r.name, r.code, type(exc).__name__, str(exc))
    return RuleCrash(r.name, r.code, type(exc).__name__, str(exc), obj.ref, obj.doc.source.display, obj.line)


def lint_text(text: str | bytes, config: Config | None = None, name: str = "<text>") -> ScanResult:
    """Scan YAML given as a string: the entry point for tests, the docs and embedding."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return Engine(config).scan([Source(None, name, data)])

