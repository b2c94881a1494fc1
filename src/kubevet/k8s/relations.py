"""How objects refer to each other: Services, PDBs and HPAs that select or target a workload.

Cluster-scope rules use these with the objects of their lint context. Everything is
matched within a namespace (an object without one lands in "default", as with kubectl).
"""

from __future__ import annotations

from collections.abc import Iterator

from kubevet.k8s import selectors
from kubevet.k8s.workloads import PodTemplate, containers, replicas
from kubevet.model import K8sObject
from kubevet.rules._base import RuleContext, namespace_of


def services_selecting(ctx: RuleContext, template: PodTemplate) -> Iterator[K8sObject]:
    """Services whose selector matches the pod template's labels (same namespace)."""
    ns = namespace_of(template.obj)
    labels = template.labels
    for svc in ctx.objects("Service", ns):
        selector = svc.spec.get("selector")
        if isinstance(selector, dict) and selector and selectors.matches_map(selector, labels):
            yield svc


def serves_traffic(ctx: RuleContext, template: PodTemplate) -> bool:
    """Whether the pod serves traffic.

    It does when a long-running container declares a port, or when a Service of the scan
    selects it (other than an ExternalName Service, which routes to no pod).
    """
    if any(c.ports for c in containers(template, ephemeral=False) if c.long_running):
        return True
    return any(svc.spec.get("type") != "ExternalName" for svc in services_selecting(ctx, template))


def pdb_selects(pdb: K8sObject, labels: dict) -> bool:
    """Whether a PodDisruptionBudget selects pods with these labels.

    In policy/v1 an empty selector selects every pod of the namespace; in policy/v1beta1
    it selects none.
    """
    empty_matches_all = pdb.api_version != "policy/v1beta1"
    return selectors.matches(pdb.spec.get("selector"), labels, empty_matches_all=empty_matches_all)


def pdbs_selecting(ctx: RuleContext, template: PodTemplate) -> Iterator[K8sObject]:
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


def hpas_targeting(ctx: RuleContext, obj: K8sObject) -> Iterator[K8sObject]:
    """HorizontalPodAutoscalers of the namespace whose scaleTargetRef is ``obj``."""
    for hpa in ctx.objects("HorizontalPodAutoscaler", namespace_of(obj)):
        if hpa_target(hpa) == (obj.kind, obj.name):
            yield hpa


def hpa_min_replicas(hpa: K8sObject) -> int | None:
    """The fewest replicas a HorizontalPodAutoscaler keeps: minReplicas, 1 when unset."""
    value = hpa.spec.get("minReplicas", 1)
    if value is None:
        return 1
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def fewest_replicas(ctx: RuleContext, obj: K8sObject) -> tuple[int, K8sObject | None] | None:
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
