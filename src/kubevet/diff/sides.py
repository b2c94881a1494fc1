"""One side of a diff: what was deployed (OLD) or is about to be (NEW), loaded and keyed.

A side is anything ``kubevet scan`` takes (files, directories, ``-``, charts with their own
values, kustomizations), the saved output of ``helm get manifest`` or ``kubectl get -o
yaml`` (a ``List``; managedFields and status are noise the diff ignores), or a path at
another git revision (``--old-ref``), read with ``git archive`` into a temporary directory
so that the work tree is never touched.

Objects are keyed by API group, kind, namespace and name. An apiVersion move within a group
(``apps/v1beta2`` -> ``apps/v1``) or one of the known moves between groups (``extensions``
-> ``apps``, ``extensions`` -> ``networking.k8s.io``) keeps the key; a namespaced object
without a namespace lands in the release namespace, as Helm and kubectl put it there.

The live cluster as OLD (``kubevet diff --live``) is a third kind of side: ``load_live``
reads NEW's objects from it through ``kubevet.audit``, see its docstring.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field

from kubevet.errors import UsageError
from kubevet.k8s.namespaces import CLUSTER_SCOPED
from kubevet.loading.positions import PositionIndex
from kubevet.loading.reader import read_source
from kubevet.loading.rendered import HelmOptions, RenderedSource
from kubevet.model import K8sObject, Problem, Skipped, Source
from kubevet.output.escape import printable
from kubevet.result import INPUT_ERRORS

# (old group, kind) -> the group the kind moved to; the object stays the same object
GROUP_MOVES: dict[tuple[str, str], str] = {
    ("extensions", "Deployment"): "apps",
    ("extensions", "DaemonSet"): "apps",
    ("extensions", "ReplicaSet"): "apps",
    ("extensions", "Ingress"): "networking.k8s.io",
    ("extensions", "NetworkPolicy"): "networking.k8s.io",
    ("extensions", "PodSecurityPolicy"): "policy",
    ("events.k8s.io", "Event"): "",
}

Key = tuple[str, str, str, str]  # (group, kind, namespace or "", name)


def object_key(obj: K8sObject, release_namespace: str, cluster_kinds: frozenset = frozenset()) -> Key:
    """The identity the diff matches objects by (see the module docstring)."""
    group = GROUP_MOVES.get((obj.group, obj.kind), obj.group)
    if (group, obj.kind) in CLUSTER_SCOPED or (group, obj.kind) in cluster_kinds:
        namespace = ""
    else:
        namespace = obj.namespace or release_namespace
    return (group, obj.kind, namespace, obj.name or "")


def key_text(key: Key) -> str:
    group, kind, namespace, name = key
    kind_text = f"{kind}.{group}" if group else kind
    return f"{kind_text} {namespace}/{name}" if namespace else f"{kind_text} {name}"


@dataclass
class SideSpec:
    """What the command line says about one side."""

    label: str  # "old" or "new"
    paths: list[str]
    helm: HelmOptions
    exclude: list[str] = field(default_factory=list)
    git_ref: str | None = None  # read paths at this revision (--old-ref)


@dataclass
class Side:
    """The objects of one side by key, and what could not be read."""

    label: str
    display: str  # what the side is, for reports: "k8s/ at origin/main"
    objects: dict[Key, K8sObject] = field(default_factory=dict)
    order: list[Key] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # input errors: the diff is incomplete
    skipped: list[Skipped] = field(default_factory=list)
    duplicates: list[tuple[Key, str, str]] = field(default_factory=list)  # key, first place, second place
    release_namespace: str = "default"
    _tmp: tempfile.TemporaryDirectory | None = None
    _index: PositionIndex = field(default_factory=PositionIndex)

    def where(self, key: Key, path: tuple = ()) -> tuple[str, int]:
        """The file and line of a field of an object of this side (its template when rendered)."""
        obj = self.objects[key]
        doc = obj.doc
        line, column = self._index.locate(doc, (*obj.base, *path), obj)
        source = doc.source
        if isinstance(source, RenderedSource):
            try:
                placed = source.render.place(source, line, column, tuple(path))
            except Exception:  # noqa: BLE001 - mapping back is best effort
                placed = None
            if placed is not None:
                return placed.file, placed.line
        return source.display, line

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def load(spec: SideSpec, stdin=None) -> Side:
    """Read a side: discover its sources (rendering charts), read every object, key them."""
    from kubevet import api

    paths = list(spec.paths)
    tmp = None
    display = " ".join(paths)
    rename: tuple[str, str] | None = None
    if spec.git_ref:
        tmp, paths, prefix = checkout(spec.git_ref, paths)
        display = f"{display} at {spec.git_ref}"
        rename = (prefix, f"{spec.git_ref}:")
    side = Side(spec.label, display, release_namespace=spec.helm.namespace, _tmp=tmp)
    try:
        inputs = api.discover(paths, helm=spec.helm, exclude=spec.exclude, stdin=stdin)
        sources, problems = inputs.sources, inputs.problems
    except Exception:
        side.close()
        raise
    if rename is not None:
        for s in sources:
            if s.display.startswith(rename[0]):
                s.display = rename[1] + s.display[len(rename[0]) :].lstrip("/")
        for p in problems:
            if p.file.startswith(rename[0]):
                p.file = rename[1] + p.file[len(rename[0]) :].lstrip("/")
    side.sources = sources
    side.problems = [p for p in problems if p.rule in INPUT_ERRORS]
    objects: list[K8sObject] = []
    for source in sources:
        for item in read_source(source):
            if item.__class__ is K8sObject:
                objects.append(item)  # type: ignore[arg-type]
            elif item.__class__ is Problem:
                if item.rule in INPUT_ERRORS:  # type: ignore[union-attr]
                    side.problems.append(item)  # type: ignore[arg-type]
            else:
                side.skipped.append(item)  # type: ignore[arg-type]
    cluster_kinds = _cluster_scoped_custom_kinds(objects)
    for obj in objects:
        key = object_key(obj, spec.helm.namespace, cluster_kinds)
        if key in side.objects:
            first = side.objects[key]
            side.duplicates.append((key, f"{first.doc.source.display}:{first.line}", f"{obj.doc.source.display}:{obj.line}"))
            continue
        side.objects[key] = obj
        side.order.append(key)
    return side


def _cluster_scoped_custom_kinds(objects: list[K8sObject]) -> frozenset:
    """(group, kind) of the custom resources that the side's own CRDs declare cluster-scoped."""
    out = set()
    for obj in objects:
        if obj.kind == "CustomResourceDefinition" and obj.spec.get("scope") == "Cluster":
            names = obj.spec.get("names")
            group = obj.spec.get("group")
            if isinstance(names, dict) and isinstance(names.get("kind"), str) and isinstance(group, str):
                out.add((group, names["kind"]))
    return frozenset(out)


def checkout(ref: str, paths: list[str]) -> tuple[tempfile.TemporaryDirectory, list[str], str]:
    """Extract ``paths`` as they are at git revision ``ref`` into a temporary directory.

    ``git archive`` reads the object database only: the work tree, the index and HEAD are
    left as they are. Returns the directory, the paths inside it, and its prefix.
    """
    if any(p == "-" for p in paths):
        raise UsageError("--old-ref reads OLD from git: standard input (-) has no revision")
    first = paths[0]
    where = first if os.path.isdir(first) else os.path.dirname(os.path.abspath(first)) or "."
    top = _git(["rev-parse", "--show-toplevel"], where).decode().strip()
    rels = []
    for p in paths:
        rel = os.path.relpath(os.path.abspath(p), os.path.realpath(top))
        if rel.startswith(".."):
            raise UsageError(f"--old-ref: {p} is outside the git repository {top}")
        rels.append(rel)
    _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top, what=f"--old-ref: {ref!r} is no revision of {top}")
    tmp = tempfile.TemporaryDirectory(prefix="kubevet-old-")
    try:
        archive = _git(["archive", "--format=tar", ref, "--", *("." if r == "." else r for r in rels)], top,
                       what=f"--old-ref: {', '.join(rels)} not found at {ref}")
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp.name, filter=_inside)
    except BaseException:
        tmp.cleanup()
        raise
    return tmp, [os.path.join(tmp.name, r) if r != "." else tmp.name for r in rels], tmp.name


def _inside(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """tarfile's "data" filter, but a member it refuses (a symbolic link to an absolute
    path or out of the checkout, which the revision's author controls) is left out with a
    note rather than failing the diff."""
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError as exc:
        print(f"kubevet: note: --old-ref: {printable(member.name)} left out: {printable(str(exc))}", file=sys.stderr)
        return None


def _git(args: list[str], cwd: str, what: str | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("--old-ref needs git, which is not installed") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise UsageError(what or f"git {' '.join(args)}: {detail[-1] if detail else 'failed'}")
    return done.stdout


def load_live(spec: SideSpec, new: Side, kubeconfig: str | None = None, context: str | None = None) -> Side:
    """OLD from the cluster (``kubevet diff --live``): what it holds for NEW's objects.

    Each object of ``new`` is looked up by kind, namespace (the release namespace when it
    names none) and name through the kubeconfig (``kubevet.audit``, GET only) and turned
    back into the manifest it came from (status, server bookkeeping and defaults removed,
    Secret values compared, never copied: ``kubevet.audit.fetch_live``). Objects the
    cluster lacks are absent from OLD, so NEW adds them; what the cluster holds beyond
    NEW's objects is not part of the diff.
    """
    import yaml

    from kubevet.audit import Cluster, fetch_live

    wanted = [new.objects[key].data for key in new.order]
    with Cluster(kubeconfig, context) as cluster:
        live = fetch_live(cluster, wanted, default_namespace=spec.helm.namespace)
        server = cluster.server
    items = [obj for obj in live if obj is not None]
    text = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}, sort_keys=False)
    side = load(SideSpec(spec.label, ["-"], spec.helm, spec.exclude), stdin=io.BytesIO(text.encode()))
    side.display = f"the cluster at {server}"
    for source in side.sources:
        source.display = f"live:{server}"
    return side
