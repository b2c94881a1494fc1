"""How objects refer to each other: Services, PDBs and HPAs that select or target a workload.

Cluster-scope rules use these with the objects of their lint context. Everything is
matched within a namespace (an object without one lands in "default", as with kubectl).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubevet.k8s import selectors
from kubevet.k8s.index import ObjectIndex, namespace_of
from kubevet.k8s.workloads import PodTemplate, containers, replicas
from kubevet.model import K8sObject


class _LabelIndex:
    """Items of one namespace filed under each label pair they need or have.

    Matching a selector against every pod of a namespace is workloads x selectors; with
    the index, a lookup touches only the items that share a label pair with the query.
    """

    def __init__(self) -> None:
        self.by_pair: dict[tuple[str, str], list] = {}
        self.unfiled: list = []  # items with no pair to file them under


def _pairs(labels: dict) -> list[tuple[str, str]]:
    return [(k, selectors.label_text(v)) for k, v in labels.items() if isinstance(k, str)]


def _service_index(ctx: ObjectIndex, namespace: str) -> _LabelIndex:
    """The namespace's selecting Services, each filed under one pair of its selector."""
    key = ("services-by-selector", namespace)
    index = ctx.shared.get(key)
    if index is None:
        index = ctx.shared[key] = _LabelIndex()
        for svc in ctx.objects("Service", namespace):
            selector = svc.spec.get("selector")
            if isinstance(selector, dict) and selector:
                pairs = _pairs(selector)
                if pairs:
                    index.by_pair.setdefault(min(pairs), []).append(svc)
    return index


def services_selecting(ctx: ObjectIndex, template: PodTemplate) -> Iterator[K8sObject]:
    """Services whose selector matches the pod template's labels (same namespace)."""
    labels = template.labels
    if not labels:
        return
    index = _service_index(ctx, namespace_of(template.obj))
    for pair in _pairs(labels):
        for svc in index.by_pair.get(pair, ()):
            if selectors.matches_map(svc.spec["selector"], labels):
                yield svc


def templates_in(ctx: ObjectIndex, namespace: str) -> list[tuple[K8sObject, PodTemplate]]:
    """Every object with a pod template in a namespace, with the template (cached)."""
    key = ("templates", namespace)
    found = ctx.shared.get(key)
    if found is None:
        by_ns: dict[str, list] = {}
        for obj, template in ctx.workload_objects():
            by_ns.setdefault(namespace_of(obj), []).append((obj, template))
        for ns, items in by_ns.items():
            ctx.shared[("templates", ns)] = items
        found = ctx.shared.setdefault(key, [])
    return found


def serves_traffic(ctx: ObjectIndex, template: PodTemplate) -> bool:
    """Whether the pod serves traffic.

    It does when a long-running container declares a port, or when a Service of the scan
    selects it (other than an ExternalName Service, which routes to no pod).
    """
    if any(c.ports for c in containers(template, ephemeral=False) if c.long_running):
        return True
    return any(svc.spec.get("type") != "ExternalName" for svc in services_selecting(ctx, template))


# port names that carry no requests of the application: Prometheus scrapes and probes
_MONITORING_PORT = re.compile(r"(^|[-_])(metrics|prometheus|prom|monitoring|healthz?|probes?|profiling|pprof)($|[-_])")


def monitoring_port(name: object) -> bool:
    """Whether a port's name says it serves only metrics or health checks (``metrics``,
    ``http-metrics``, ``healthz``): a scraper or the kubelet calls it, not users."""
    return isinstance(name, str) and bool(_MONITORING_PORT.search(name.lower()))


def serves_requests(ctx: ObjectIndex, template: PodTemplate) -> bool:
    """Whether the pod serves requests beyond metrics and health checks: a long-running
    container declares a port not named as a monitoring port, or a Service of the scan
    selects it with such a port. A controller whose only port is ``metrics`` serves none."""
    for c in containers(template, ephemeral=False):
        if c.long_running and any(not monitoring_port(p.get("name")) for p in c.ports):
            return True
    for svc in services_selecting(ctx, template):
        if svc.spec.get("type") == "ExternalName":
            continue
        ports = svc.spec.get("ports")
        ports = [p for p in ports if isinstance(p, dict)] if isinstance(ports, list) else []
        if not ports or any(
            not monitoring_port(p.get("name")) and not monitoring_port(p.get("targetPort")) for p in ports
        ):
            return True
    return False


def single_writer(ctx: ObjectIndex, obj: K8sObject, template: PodTemplate) -> str | None:
    """The claim that keeps a Deployment to one pod, or None: with the Recreate strategy, a
    volume from a ReadWriteOnce (or ReadWriteOncePod) PersistentVolumeClaim of the scan.
    Such a Deployment cannot run two replicas (a second pod on another node cannot attach
    the volume), and Recreate is its author saying so."""
    strategy = obj.spec.get("strategy")
    if not isinstance(strategy, dict) or strategy.get("type") != "Recreate":
        return None
    volumes = template.spec.get("volumes")
    claims = {
        v["persistentVolumeClaim"].get("claimName")
        for v in (volumes if isinstance(volumes, list) else ())
        if isinstance(v, dict) and isinstance(v.get("persistentVolumeClaim"), dict)
    }
    for pvc in ctx.objects("PersistentVolumeClaim", namespace_of(obj)):
        modes = pvc.spec.get("accessModes")
        if pvc.name in claims and isinstance(modes, list) and modes and set(modes) <= {"ReadWriteOnce", "ReadWriteOncePod"}:
            return pvc.name
    return None


def pdb_selects(pdb: K8sObject, labels: dict) -> bool:
    """Whether a PodDisruptionBudget selects pods with these labels.

    In policy/v1 an empty selector selects every pod of the namespace; in policy/v1beta1
    it selects none.
    """
    empty_matches_all = pdb.api_version != "policy/v1beta1"
    return selectors.matches(pdb.spec.get("selector"), labels, empty_matches_all=empty_matches_all)


def pdbs_selecting(ctx: ObjectIndex, template: PodTemplate) -> Iterator[K8sObject]:
    """PodDisruptionBudgets of the namespace that select the template's pods."""
    for pdb in ctx.objects("PodDisruptionBudget", namespace_of(template.obj)):
        if pdb_selects(pdb, template.labels):
            yield pdb


def hpa_target(hpa: K8sObject) -> tuple[str, str] | None:
    """(kind, name) that a HorizontalPodAutoscaler scales, or None when it names none."""
    ref = hpa.spec.get("scaleTargetRef")
    if not isinstance(ref, dict):
        return None
    kind, name = ref.get("kind"), ref.get("name")
    if isinstance(kind, str) and isinstance(name, str):
        return kind, name
    return None


def hpas_targeting(ctx: ObjectIndex, obj: K8sObject) -> Iterator[K8sObject]:
    """HorizontalPodAutoscalers of the namespace whose scaleTargetRef is ``obj``, in scan order.

    Several rules ask this of every workload: the autoscalers are indexed by target once
    per scan (``ctx.shared``), not read again for each workload."""
    index = ctx.shared.get("hpas-by-target")
    if index is None:
        index = ctx.shared["hpas-by-target"] = {}
        for hpa in ctx.objects("HorizontalPodAutoscaler"):
            target = hpa_target(hpa)
            if target is not None:
                index.setdefault((namespace_of(hpa), *target), []).append(hpa)
    return iter(index.get((namespace_of(obj), obj.kind, obj.name), ()))


def hpa_min_replicas(hpa: K8sObject) -> int | None:
    """The fewest replicas a HorizontalPodAutoscaler keeps: minReplicas, 1 when unset."""
    value = hpa.spec.get("minReplicas", 1)
    if value is None:
        return 1
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def fewest_replicas(ctx: ObjectIndex, obj: K8sObject) -> tuple[int, K8sObject | None] | None:
    """The fewest pods a scalable workload runs, and the autoscaler that sets that number.

    The lowest minReplicas of the HorizontalPodAutoscalers that scale it (which then own
    the count, whatever ``replicas`` says), otherwise its replicas with no autoscaler.
    None when the number is unknown (not a scalable kind, a templated value).
    """
    hpas = list(hpas_targeting(ctx, obj))
    if not hpas:
        count = replicas(obj)
        return None if count is None else (count, None)
    known = [(count, hpa) for hpa in hpas if (count := hpa_min_replicas(hpa)) is not None]
    if len(known) < len(hpas):
        return None
    return min(known, key=lambda pair: pair[0])
