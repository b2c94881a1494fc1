"""One schema analysis per scan, shared by the schema rules (SCH001, SCH002, SCH004).

The rules are cluster-scope because a custom resource is validated by a CRD that may come
anywhere in the scan, before or after it, in another file; and SCH002 reports each kind
once per scan. Each rule asks for the analysis; the first one computes it, the others
reuse it (same objects, same target, same --crd files).

Objects of built-in kinds (and of removed APIs) do not depend on any CRD: SCH001 judges
them as they stream by (``early``) and ``keep`` tells the engine not to hold them for the
end of the scan, so only CRDs, custom resources and unknown kinds are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubevet.rules._base import Option, kube_version
from kubevet.schema.crd import CRD_KIND

KUBE_VERSION = Option(
    "kube-version",
    "",
    "Kubernetes version to validate for (1.16 to the newest shipped); set for every rule by "
    "--kube-version or the config's kube_version. Empty: the newest version whose schemas "
    "kubevet ships.",
    kube_version,
)
CRD_FILES = Option(
    "crd-files",
    [],
    "Files or directories of CustomResourceDefinitions that validate custom resources "
    "besides the CRDs of the scan; set for every rule by --crd.",
)


@dataclass
class Analysis:
    catalog: Any
    invalid: list = field(default_factory=list)  # (obj, message, path)
    unknown: dict = field(default_factory=dict)  # (apiVersion, kind) -> [first obj, count, message]


# target version -> Catalog without CRDs: built once per process and never changed after
# (a read-only cache, safe to share between scans and threads)
_BUILTIN: dict = {}


def builtin_catalog(ctx):
    """The catalog of built-in kinds for the rule's target version, built once."""
    from kubevet.schema.catalog import Catalog
    from kubevet.schema.versions import parse

    target = parse(ctx.option("kube-version"))
    catalog = _BUILTIN.get(target)
    if catalog is None:
        catalog = _BUILTIN[target] = Catalog(target, [])
    return catalog


def judged_early(obj, ctx) -> bool:
    """Whether an object's verdict needs no CRD: a built-in kind or a removed API."""
    if obj.kind == CRD_KIND:
        return False
    return builtin_catalog(ctx).verdict(obj).state in ("builtin", "removed")


def validate_early(obj, ctx):
    """SCH001's findings for objects judged as they stream by."""
    catalog = builtin_catalog(ctx)
    verdict = catalog.verdict(obj)
    if obj.kind == CRD_KIND or verdict.state not in ("builtin", "removed"):
        return []
    return catalog.validate(obj, verdict)


def keep(obj, ctx) -> str | None:
    """What the schema rules need at the end of the scan: everything not judged early."""
    return None if judged_early(obj, ctx) else "full"


def analysis(ctx) -> Analysis:
    """The scan's analysis, computed by the first schema rule that asks and kept in the
    scan's shared indexes (``ctx.shared``) for the others: nothing outlives the scan."""
    from kubevet.schema.catalog import Catalog, load_crd_files
    from kubevet.schema.versions import parse

    target = parse(ctx.option("kube-version"))
    crd_files = tuple(ctx.option("crd-files"))
    key = ("schema-analysis", target, crd_files)
    done = ctx.shared.get(key)
    if done is not None:
        return done
    crds = [*ctx.objects(CRD_KIND), *load_crd_files(crd_files)]
    catalog = Catalog(target, crds)
    result = Analysis(catalog)
    context_verdicts: dict[tuple[str, str], Any] = {}
    objs = ctx.objects()
    prepared, own = ctx.shared.get("prepared"), ctx.shared.get("scan-objects")
    if prepared is not None and own is not None:
        # a prepared context (never judged, and first in scan order) counts only by kind:
        # its kinds, each with its first object and its number of objects, are kept with it
        kinds = prepared.memo.get("schema-kinds")
        if kinds is None:
            kinds = prepared.memo["schema-kinds"] = {}
            for obj in prepared.objects:
                entry = kinds.setdefault((obj.api_version, obj.kind), [obj, 0])
                entry[1] += 1
        for kind, (first, count) in kinds.items():
            verdict = context_verdicts[kind] = catalog.verdict(first)
            if verdict.state == "unknown":
                result.unknown.setdefault(kind, [first, 0, verdict.message])[1] += count
        objs = iter(own)
    for obj in objs:
        if obj.unjudged:
            # never reported on: it only counts among the objects of an unknown kind, which
            # its apiVersion and kind decide (asked once per kind)
            kind = (obj.api_version, obj.kind)
            verdict = context_verdicts.get(kind)
            if verdict is None:
                verdict = context_verdicts[kind] = catalog.verdict(obj)
            if verdict.state == "unknown":
                entry = result.unknown.setdefault((obj.api_version, obj.kind), [obj, 0, verdict.message])
                entry[1] += 1
            continue
        if judged_early(obj, ctx):
            continue  # SCH001 judged it while it streamed by; other rules kept it
        verdict = catalog.verdict(obj)
        if verdict.state == "unknown":
            entry = result.unknown.setdefault((obj.api_version, obj.kind), [obj, 0, verdict.message])
            entry[1] += 1
            continue
        for message, path in catalog.validate(obj, verdict):
            result.invalid.append((obj, message, path))
    ctx.shared[key] = result
    return result
