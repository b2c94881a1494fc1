"""The whole triage: read the inputs, parse them, diagnose, chain, link to the manifests."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone

from kubevet.triage import chain
from kubevet.triage.diagnoses import Diagnosis, Index, find_all
from kubevet.triage.model import Obj, Parsed, Signal, Unparsed
from kubevet.triage.parsers import detect

MAX_BYTES = 512 << 20


@dataclass
class Input:
    """One input (a file or stdin) and what was read from it."""

    name: str
    at: datetime | None = None
    error: str = ""
    parts: list[Parsed] = field(default_factory=list)

    @property
    def unparsed(self) -> list[Unparsed]:
        return [u for p in self.parts for u in p.unparsed]

    @property
    def recognised(self) -> bool:
        return any(p.kind != "unrecognised" for p in self.parts)


@dataclass
class Triage:
    at: datetime
    inputs: list[Input]
    signals: list[Signal]
    diagnoses: list[Diagnosis]
    roots: list[Diagnosis]
    manifest_errors: list[str] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if not any(i.recognised for i in self.inputs):
            return 2
        return 1 if self.diagnoses else 0


def read_input(name: str, at: datetime | None, stdin=None) -> Input:
    """Read one input; ``at`` None means: the file's modification time (now for stdin)."""
    item = Input(name)
    try:
        if name == "-":
            data = (stdin or sys.stdin.buffer).read(MAX_BYTES + 1)
            item.at = at or datetime.now(timezone.utc)
        else:
            with open(name, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
            item.at = at or datetime.fromtimestamp(os.stat(name).st_mtime, timezone.utc)
    except OSError as exc:
        item.error = f"cannot read: {exc.strerror or exc}"
        return item
    if len(data) > MAX_BYTES:
        item.error = f"larger than {MAX_BYTES >> 20} MB"
        return item
    if b"\0" in data[:8192]:
        item.error = "a binary file, not text"
        return item
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    item.parts = detect.parse(text, name, item.at)
    return item


def triage(paths: list[str], at: datetime | None = None, manifests: list[str] | None = None,
           namespace: str | None = None, stdin=None) -> Triage:
    inputs = [read_input(p, at, stdin) for p in paths]
    signals = [s for i in inputs for p in i.parts for s in p.signals]
    _fill_namespaces(signals, namespace)
    signals = _merge(signals)
    ix = Index(signals)
    diagnoses = [Diagnosis(kind, found) for kind, found in find_all(ix)]
    chain.link(diagnoses)
    result = Triage(at or max((i.at for i in inputs if i.at), default=datetime.now(timezone.utc)), inputs, signals,
                    diagnoses, chain.roots(diagnoses), manifests=list(manifests or []))
    if manifests:
        from kubevet.triage import manifests as mf
        from kubevet.triage import scan_adapter

        loaded = scan_adapter.scan(list(manifests))
        result.manifest_errors = loaded.errors
        mf.link(diagnoses, loaded, ix.owner_of)
    return result


def _merge(signals: list[Signal]) -> list[Signal]:
    """One signal for an event that several inputs show (``get events`` and ``describe``):
    the same object, reason, message and count, seen within two minutes."""
    out: list[Signal] = []
    seen: dict[tuple, list[Signal]] = {}
    for s in signals:
        if s.source != "event" or s.obj is None:
            out.append(s)
            continue
        key = (s.obj.kind, s.obj.name, s.reason, " ".join(s.message.split()), s.count)
        twin = next((t for t in seen.get(key, ()) if t.loc.file != s.loc.file and _near(t, s)), None)
        if twin is None:
            seen.setdefault(key, []).append(s)
            out.append(s)
        else:
            twin.also.append(s.loc)
    return out


def _near(a: Signal, b: Signal) -> bool:
    if a.time is None or b.time is None:
        return a.time is b.time
    return abs((a.time - b.time).total_seconds()) <= 120


def _fill_namespaces(signals: list[Signal], default: str | None) -> None:
    """Objects named without a namespace (``kubectl get events`` without -A) take the one
    another input gives the same object, else ``--namespace``."""
    known: dict[tuple[str, str], str] = {}
    for s in signals:
        if s.obj and s.obj.namespace:
            known.setdefault((s.obj.kind, s.obj.name), s.obj.namespace)
    namespaces = {ns for ns in known.values()}
    only = next(iter(namespaces)) if len(namespaces) == 1 else None
    for s in signals:
        if s.obj and s.obj.namespace is None and s.obj.kind not in ("Node", "Namespace", "PersistentVolume"):
            ns = known.get((s.obj.kind, s.obj.name)) or default or only
            if ns:
                s.obj = Obj(s.obj.kind, ns, s.obj.name)
