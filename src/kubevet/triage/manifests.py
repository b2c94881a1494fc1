"""``--manifests``: from the affected pods to the objects that made them, their lines and findings.

A pod's owner is read from its ``Controlled By`` / ownerReferences when an input showed
them, and otherwise from its name: ``web-7d9f8b6c5d-x2x9k`` is a pod of ReplicaSet
``web-7d9f8b6c5d`` of Deployment ``web``; ``db-2`` is ordinal 2 of StatefulSet ``db``;
``backup-29412180-q8w2n`` is a pod of Job ``backup-29412180`` of CronJob ``backup``;
``agent-x7k2p`` a pod of a DaemonSet or Job ``agent``. The manifests are scanned like
``kubevet scan`` does (Helm charts and kustomizations included); each diagnosis gets the
manifest object, the line of the field its fix changes, and the scan findings of the
rules that prevent it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kubevet.triage.diagnoses import Diagnosis
from kubevet.triage.model import Obj

_RS_POD = re.compile(r"^(?P<rs>(?P<deploy>.+)-[bcdfghjklmnpqrstvwxz2456789]{6,10})-[a-z0-9]{5}$")
_CRON_POD = re.compile(r"^(?P<job>(?P<cron>.+)-\d{8,})-[a-z0-9]{5}$")
_ORDINAL = re.compile(r"^(?P<sts>.+)-(?P<n>\d+)$")
_SUFFIX = re.compile(r"^(?P<base>.+)-[a-z0-9]{5}$")
POD_OWNERS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "Pod")


@dataclass
class ManifestObject:
    kind: str
    namespace: str | None
    name: str
    file: str
    line: int
    data: dict = field(repr=False, default_factory=dict)
    # (container, or "" for the pod spec; field, or "" for the container itself) -> (line, field path)
    fields: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"


def candidates(obj: Obj, owner: tuple[str, str] | None = None) -> list[tuple[str, str]]:
    """(kind, name) of the manifest objects that may have made ``obj``, the likeliest first."""
    if obj.kind != "Pod":
        if obj.kind == "ReplicaSet":
            m = re.match(r"^(.+)-[a-z0-9]{6,10}$", obj.name)
            return [("ReplicaSet", obj.name)] + ([("Deployment", m.group(1))] if m else [])
        if obj.kind == "Job":
            m = re.match(r"^(.+)-\d{8,}$", obj.name)
            return [("Job", obj.name)] + ([("CronJob", m.group(1))] if m else [])
        return [(obj.kind, obj.name)]
    out: list[tuple[str, str]] = []
    if owner:
        kind, name = owner
        out += candidates(Obj(kind, obj.namespace, name))
    m = _RS_POD.match(obj.name)
    if m:
        out += [("Deployment", m.group("deploy")), ("ReplicaSet", m.group("rs"))]
    m = _CRON_POD.match(obj.name)
    if m:
        out += [("CronJob", m.group("cron")), ("Job", m.group("job"))]
    m = _ORDINAL.match(obj.name)
    if m:
        out.append(("StatefulSet", m.group("sts")))
    m = _SUFFIX.match(obj.name)
    if m:
        out += [("DaemonSet", m.group("base")), ("Job", m.group("base"))]
    out.append(("Pod", obj.name))
    seen, unique = set(), []
    for c in out:
        if c not in seen:
            seen.add(c)
            unique.append(c)
    return unique


class Manifests:
    """The objects and scan findings of the --manifests paths."""

    def __init__(self, objects: list[ManifestObject], findings: list, errors: list[str]) -> None:
        self.objects = objects
        self.findings = findings
        self.errors = errors
        self.by_name: dict[tuple[str, str], list[ManifestObject]] = {}
        for o in objects:
            self.by_name.setdefault((o.kind, o.name), []).append(o)

    def lookup(self, obj: Obj, owner: tuple[str, str] | None = None) -> ManifestObject | None:
        for kind, name in candidates(obj, owner):
            found = [o for o in self.by_name.get((kind, name), ())
                     if obj.namespace is None or o.namespace in (None, obj.namespace)]
            if found:
                return found[0]
        return None

    def findings_for(self, m: ManifestObject, codes: tuple[str, ...], container: str = "") -> list:
        out = []
        for f in self.findings:
            if f.code not in codes or f.obj is None or f.suppressed:
                continue
            if f.obj.kind == m.kind and f.obj.name == m.name and (f.obj.namespace or None) == (m.namespace or None):
                if container and f"'{container}'" not in f.message and "container" in f.message:
                    continue
                out.append(f)
        return out

    def rbac_for(self, m: ManifestObject, codes: tuple[str, ...]) -> list:
        """RBAC findings about the ServiceAccount the object's pods run as."""
        spec = _pod_spec(m.data)
        sa = (spec or {}).get("serviceAccountName") or (spec or {}).get("serviceAccount") or "default"
        who = f"ServiceAccount {m.namespace or 'default'}/{sa}"
        return [f for f in self.findings if f.code in codes and f.code.startswith("RBC") and who in f.message]


def _pod_spec(data: dict) -> dict | None:
    kind = data.get("kind")
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec") or {})
    tpl = spec.get("template") if isinstance(spec.get("template"), dict) else {}
    return tpl.get("spec") if isinstance(tpl.get("spec"), dict) else None


def link(diagnoses: list[Diagnosis], manifests: Manifests, owners: dict[str, tuple[str, str]]) -> None:
    """Fill each diagnosis's ``manifests``: object, fix line, findings of the preventing rules."""
    for d in diagnoses:
        seen = set()
        for obj in d.found.objects if d.found.fix_objects is None else d.found.fix_objects:
            if obj.kind in ("Node", "Namespace"):
                continue
            m = manifests.lookup(obj, owners.get(obj.name))
            if m is None or id(m) in seen:
                continue
            seen.add(id(m))
            findings = manifests.findings_for(m, d.kind.rules, d.found.container)
            if d.name == "mass-deletion":
                findings += manifests.findings_for(m, d.kind.rules) + manifests.rbac_for(m, d.kind.rules)
            fix_line, fix_path = _fix_line(m, d.kind.fix_field, d.found.container)
            d.manifests.append({
                "object": str(m), "kind": m.kind, "namespace": m.namespace, "name": m.name,
                "file": m.file, "line": m.line, "fix": {"field": fix_path, "file": m.file, "line": fix_line},
                "pods": sorted({o.name for o in d.found.objects if o.kind == "Pod" and manifests.lookup(
                    o, owners.get(o.name)) is m}),
                "findings": [{"code": f.code, "rule": f.rule, "severity": str(f.severity), "message": f.message,
                              "file": f.file, "line": f.line} for f in _unique(findings)],
            })


def _unique(findings: list) -> list:
    seen, out = set(), []
    for f in findings:
        key = (f.code, f.file, f.line, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return sorted(out, key=lambda f: (f.file, f.line, f.code))


def _fix_line(m: ManifestObject, fix_field: str, container: str) -> tuple[int, str]:
    """The line of the field the fix changes: the container's field, the pod spec's, the container, the object."""
    names = [c for c, f in m.fields if f == "" and c] if not container else [container]
    for name in names:
        if (name, fix_field) in m.fields and fix_field:
            return m.fields[(name, fix_field)]
    if ("", fix_field) in m.fields and fix_field:
        return m.fields[("", fix_field)]
    for name in names:
        if (name, "") in m.fields:
            return m.fields[(name, "")]
    return m.line, ""
