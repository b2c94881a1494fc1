"""Ready-to-apply manifests for namespace guardrail findings (``kubevet scan --suggest-fixes DIR``).

Each unsuppressed finding of these rules gets a manifest that makes it go away:

- ``namespace-default-deny-missing``: a NetworkPolicy ``default-deny`` selecting every pod
  of the namespace, for the directions reported; when Egress is denied, a second policy
  ``allow-dns`` lets pods reach the cluster DNS (``k8s-app: kube-dns`` in kube-system),
  without which nothing resolves a name.
- ``namespace-limitrange-missing``: a LimitRange ``defaults`` giving the missing container
  defaults: requests of 100m CPU and 128Mi memory, limits of 500m CPU and 512Mi memory,
  a default limit raised to the largest request set without a limit in the namespace (a
  default limit below a request makes the pod invalid), all within the bounds of the
  namespace's other LimitRanges.
- ``namespace-quota-missing``: a ResourceQuota ``compute`` for the resources not yet
  capped, sized from what the namespace's workloads need during a rolling update (as
  ``quota-exceeded`` counts it, with the suggested LimitRange defaults applied) plus 50%
  headroom, and at least 1 CPU and 1Gi requested, 2 CPU and 2Gi limits and 10 pods, so a
  small namespace can still grow. Limits are capped only when every container has one;
  a quota on limits rejects pods without.
- ``pdb-missing``: a PodDisruptionBudget for the workload, with its own selector,
  ``maxUnavailable: 1`` and ``unhealthyPodEvictionPolicy: AlwaysAllow``.

Files go to ``DIR/<namespace>/<kind>-<name>.yaml``, and nowhere else: a namespace or name that is
not a valid Kubernetes name, or a path that resolves outside DIR, is refused (see ``write``). Objects in ``default`` get no
``metadata.namespace``, so that they follow the ``-n`` the rest is applied with. A name
already taken in the namespace gets a ``kubevet-`` prefix. Applied together with the
scanned manifests, the suggestions draw no finding of the rule they answer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

import yaml

from kubevet.config import Config
from kubevet.findings import Finding
from kubevet.k8s import selectors
from kubevet.k8s.compute import (
    QUOTA_KEYS,
    RESOURCES,
    container_items,
    container_resources,
    format_amount,
    limitrange_defaults,
    namespace_workloads,
    pod_amount,
    pod_count,
    pod_resources,
    quota_hard,
    quota_scoped,
)
from kubevet.k8s.index import ObjectIndex, namespace_of
from kubevet.k8s.names import label_problem, subdomain_problem
from kubevet.k8s.quantity import parse_quantity
from kubevet.k8s.workloads import Workloads, containers, parse_workload_kinds
from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Source
from kubevet.rules import lookup

FIXED = ("namespace-default-deny-missing", "namespace-limitrange-missing", "namespace-quota-missing", "pdb-missing")
HEADROOM = Decimal("1.5")
# the least a suggested quota allows, and the steps its values are rounded up to
QUOTA_FLOOR = {"requests.cpu": "1", "requests.memory": "1Gi", "limits.cpu": "2", "limits.memory": "2Gi", "pods": "10"}
STEP = {"cpu": Decimal("0.1"), "memory": Decimal(64 << 20), "pods": Decimal(1)}
DEFAULTS = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}


@dataclass
class Suggestion:
    """One manifest file: the objects in it and the findings it answers."""

    namespace: str
    kind: str
    name: str
    documents: list[dict]
    answers: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return os.path.join(self.namespace, f"{self.kind.lower()}-{self.name}.yaml")

    def text(self) -> str:
        head = "".join(f"# {line}\n" for line in ["Suggested by kubevet scan --suggest-fixes for:", *self.answers])
        return head + "---\n".join(yaml.safe_dump(d, sort_keys=False) for d in self.documents)


def load(sources: Iterable[Source], context: Iterable[Source] = ()) -> list[K8sObject]:
    """The objects of the scanned sources and of the context (marked as such), read again."""
    objects = []
    for sources_, is_context in ((sources, False), (context, True)):
        for source in sources_:
            for item in read_source(source):
                if isinstance(item, K8sObject):
                    item.unjudged = is_context
                    objects.append(item)
    return objects


def suggest(findings: Iterable[Finding], objects: list[K8sObject], config: Config) -> list[Suggestion]:
    """A manifest for every unsuppressed finding of the rules in FIXED: one per workload
    for pdb-missing, one per namespace and kind for the namespace rules."""
    wanted: dict[str, dict[str, list[Finding]]] = {name: {} for name in FIXED if name != "pdb-missing"}
    workloads_without_pdb = []
    for f in findings:
        if f.suppressed:
            continue
        if f.rule == "pdb-missing":
            workloads_without_pdb.append(f)
        elif f.rule in wanted:
            wanted[f.rule].setdefault(f.extra["namespace"], []).append(f)
    workloads = Workloads(parse_workload_kinds(config.workload_kinds))
    ctx = ObjectIndex(workloads, objects, config)
    names = _Names(ctx)
    out = [_pdb(ctx, f, names) for f in workloads_without_pdb]
    for ns, fs in wanted["namespace-default-deny-missing"].items():
        out.append(_default_deny(ns, fs, names))
    limitranges: dict[str, Suggestion] = {}
    cpu_limit = config.options_of(lookup("namespace-limitrange-missing"))["cpu-limit"]
    for ns, fs in wanted["namespace-limitrange-missing"].items():
        limitranges[ns] = _limitrange(ctx, ns, fs, cpu_limit, names)
        out.append(limitranges[ns])
    for ns, fs in wanted["namespace-quota-missing"].items():
        extra = _as_objects(limitranges[ns]) if ns in limitranges else []
        out.append(_quota(ctx, ns, fs, extra, names))
    return [s for s in out if s is not None]


def write(directory: str, suggestions: Sequence[Suggestion]) -> tuple[list[str], list[str]]:
    """Write the suggestions under ``directory``: the paths written, and why each refused
    one was refused.

    Paths are built from the scanned objects' namespaces and names, which an untrusted
    manifest controls: a suggestion is refused unless its namespace is a DNS-1123 label and
    its name a DNS-1123 subdomain (as Kubernetes requires; no ``/``, no ``..``), and unless
    its file, symbolic links resolved, lies inside ``directory``.
    """
    written, refused = [], []
    root = os.path.realpath(directory)
    for s in suggestions:
        problem = _unsafe(s)
        if problem:
            refused.append(f"{s.kind} {s.namespace!r}/{s.name!r}: {problem}")
            continue
        path = os.path.join(directory, s.path)
        if _outside(path, root):  # a directory on the way is a symbolic link out of DIR
            refused.append(f"{s.kind} {s.namespace}/{s.name}: {s.path} resolves outside {directory}; no file written")
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(s.text())
        written.append(path)
    return written, refused


def _unsafe(s: Suggestion) -> str | None:
    """Why a suggestion's file may not be written, or None."""
    if not isinstance(s.namespace, str) or label_problem(s.namespace):
        return "the namespace is not a valid Kubernetes namespace name (a DNS-1123 label); no file written"
    if not isinstance(s.name, str) or subdomain_problem(s.name):
        return "the name is not a valid Kubernetes name (a DNS-1123 subdomain); no file written"
    return None


def _outside(path: str, root: str) -> bool:
    resolved = os.path.realpath(path)
    return os.path.commonpath([resolved, root]) != root


# --- PodDisruptionBudget ----------------------------------------------------------------


def _pdb(ctx: ObjectIndex, finding: Finding, names: _Names) -> Suggestion | None:
    obj = _workload(ctx, finding)
    template = ctx.pod_template(obj) if obj is not None else None
    if template is None:
        return None
    selector = obj.spec.get("selector")
    if not (isinstance(selector, dict) and not selectors.is_empty(selector) and selectors.matches(selector, template.labels)):
        selector = {"matchLabels": dict(template.labels)}
    ns = namespace_of(obj)
    name = names.free("PodDisruptionBudget", ns, obj.name)
    document = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(name, ns),
        "spec": {"maxUnavailable": 1, "unhealthyPodEvictionPolicy": "AlwaysAllow", "selector": selector},
    }
    return Suggestion(ns, "PodDisruptionBudget", name, [document], _answers([finding]))


def _workload(ctx: ObjectIndex, finding: Finding) -> K8sObject | None:
    """The workload a finding is about: of its kind, namespace and name, and (should the
    scan hold several) the last one that starts before the finding in its file."""
    ref = finding.obj
    if ref is None:
        return None
    same = [o for o in ctx.objects(ref.kind) if not o.unjudged and o.namespace == ref.namespace and o.name == ref.name]
    before = [o for o in same if o.doc.source.display == finding.file and o.line <= finding.line]
    if before:
        return before[-1]
    return same[0] if same else None


# --- NetworkPolicy ----------------------------------------------------------------------


def _default_deny(ns: str, findings: list[Finding], names: _Names) -> Suggestion:
    directions = [d for d in ("Ingress", "Egress") if any(f.extra.get("direction") == d for f in findings)]
    name = names.free("NetworkPolicy", ns, "default-deny")
    documents = [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _metadata(name, ns),
            "spec": {"podSelector": {}, "policyTypes": directions},
        }
    ]
    if "Egress" in directions:
        dns = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
               "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
        documents.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": _metadata(names.free("NetworkPolicy", ns, "allow-dns"), ns),
                "spec": {
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "egress": [{"to": [dns], "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}],
                },
            }
        )
    return Suggestion(ns, "NetworkPolicy", name, documents, _answers(findings))


# --- LimitRange -------------------------------------------------------------------------


def _limitrange(ctx: ObjectIndex, ns: str, findings: list[Finding], cpu_limit: bool, names: _Names) -> Suggestion:
    existing = list(ctx.objects("LimitRange", ns))
    given = {(s, r) for lr in existing for s, values in limitrange_defaults(lr).items() for r in values}
    bounds = _bounds(existing)
    item: dict[str, dict[str, str]] = {}
    for resource in ("cpu", "memory"):
        limit = _default_limit(ctx, ns, resource, bounds)
        if ("limits", resource) not in given and (resource == "memory" or cpu_limit):
            item.setdefault("default", {})[resource] = format_amount(resource, limit)
        if ("requests", resource) not in given:
            request = min(parse_quantity(DEFAULTS["requests"][resource]), limit)
            request = max(request, bounds["min"].get(resource, Decimal(0)))
            item.setdefault("defaultRequest", {})[resource] = format_amount(resource, request)
    name = names.free("LimitRange", ns, "defaults")
    document = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": _metadata(name, ns),
        "spec": {"limits": [{"type": "Container", **item}]},
    }
    return Suggestion(ns, "LimitRange", name, [document], _answers(findings))


def _bounds(limitranges: list[K8sObject]) -> dict[str, dict[str, Decimal]]:
    """The tightest min and max per resource of the Container items of some LimitRanges."""
    out: dict[str, dict[str, Decimal]] = {"min": {}, "max": {}}
    for lr in limitranges:
        for item in container_items(lr):
            for bound, pick in (("min", max), ("max", min)):
                values = item.get(bound)
                for resource, text in (values.items() if isinstance(values, dict) else ()):
                    amount = parse_quantity(text)
                    if amount is not None:
                        seen = out[bound].get(resource)
                        out[bound][resource] = amount if seen is None else pick(seen, amount)
    return out


def _default_limit(ctx: ObjectIndex, ns: str, resource: str, bounds: dict) -> Decimal:
    """A default limit no request set without a limit exceeds, within the namespace's max."""
    limit = parse_quantity(DEFAULTS["limits"][resource])
    for _, template in namespace_workloads(ctx).get(ns, []):
        for c in containers(template, ephemeral=False):
            own = container_resources(c)  # what the container sets itself
            if resource in own.requests and resource not in own.limits:
                limit = max(limit, _round_up(own.requests[resource], STEP[resource]))
    return min(limit, bounds["max"].get(resource, limit))


# --- ResourceQuota ----------------------------------------------------------------------


def _quota(ctx: ObjectIndex, ns: str, findings: list[Finding], suggested: list[K8sObject], names: _Names) -> Suggestion:
    existing = [q for q in ctx.objects("ResourceQuota", ns) if not quota_scoped(q)]
    capped = {QUOTA_KEYS[k][1] if k in QUOTA_KEYS else k for q in existing for k in quota_hard(q)}
    limitranges = [*ctx.objects("LimitRange", ns), *suggested]
    keys = [f"{s}.{r}" for s in ("requests", "limits") for r in ("cpu", "memory") if r not in capped]
    if "pods" not in capped:
        keys.append("pods")
    needs = {key: Decimal(0) for key in keys}
    unlimited: set[str] = set()
    for obj, template in namespace_workloads(ctx).get(ns, []):
        count = pod_count(ctx, obj)
        if count is None or count.total == 0:
            continue
        resources = pod_resources(template, limitranges)
        unlimited.update(r for c in resources for r in RESOURCES if c.value("limits", r) is None)
        for key in keys:
            per_pod = Decimal(1) if key == "pods" else pod_amount(template, resources, *QUOTA_KEYS[key])
            needs[key] += per_pod * count.total
    hard = {}
    for key in keys:
        resource = QUOTA_KEYS[key][1] if key in QUOTA_KEYS else "pods"
        if key.startswith("limits.") and resource in unlimited:
            continue  # a quota on limits rejects the pods of containers without one
        amount = max(_round_up(needs[key] * HEADROOM, STEP[resource]), parse_quantity(QUOTA_FLOOR[key]))
        hard[key] = format_amount(resource, amount)
    name = names.free("ResourceQuota", ns, "compute")
    document = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": _metadata(name, ns), "spec": {"hard": hard}}
    return Suggestion(ns, "ResourceQuota", name, [document], _answers(findings))


# --- helpers ----------------------------------------------------------------------------


def _as_objects(suggestion: Suggestion) -> list[K8sObject]:
    """A suggestion's documents as the objects the rules would see."""
    source = Source(None, suggestion.path, suggestion.text().encode("utf-8"))
    return [o for o in read_source(source) if isinstance(o, K8sObject)]


def _metadata(name: str, ns: str) -> dict[str, Any]:
    return {"name": name} if ns == "default" else {"name": name, "namespace": ns}


class _Names:
    """Names of the suggested objects: free in their namespace, and not suggested twice."""

    def __init__(self, ctx: ObjectIndex) -> None:
        self.ctx = ctx
        self.suggested: set[tuple[str, str, str]] = set()

    def free(self, kind: str, ns: str, name: str) -> str:
        taken = {o.name for o in self.ctx.objects(kind, ns)} | {n for k, s, n in self.suggested if (k, s) == (kind, ns)}
        candidate, n = name, 1
        while candidate in taken:
            candidate = f"kubevet-{name}" if n == 1 else f"kubevet-{name}-{n}"
            n += 1
        self.suggested.add((kind, ns, candidate))
        return candidate


def _answers(findings: list[Finding]) -> list[str]:
    return [f"  {f.rule} ({f.code}) {f.file}:{f.line}: {f.message}" for f in findings]


def _round_up(amount: Decimal, step: Decimal) -> Decimal:
    return (amount / step).to_integral_value(rounding=ROUND_CEILING) * step
