"""Shared by the network rules: what NetworkPolicies select and isolate, and the pods there are.

Pods are known from the pod templates of the scan and its context, with the labels their
controllers add (a Job's pods carry ``job-name``; ``pod-template-hash`` and the like carry
values the manifests do not tell, so a selector on them is taken to match).

Operators create pods that no template of the scan describes: a Prometheus resource
becomes a StatefulSet, a CloudNativePG Cluster becomes pods. A selector is taken to aim
at such pods, and is not reported as selecting nothing, when one of its values is the name
of a custom resource in the namespace (``cnpg.io/cluster: pg-main`` with a Cluster
``pg-main``), when it matches a label map of such a resource (its labels, a
``podMetadata`` or ``podTemplate`` ...), or when a label key belongs to the API domain of
a custom resource or CustomResourceDefinition of the scan (``longhorn.io/component`` with
the ``longhorn.io`` CRDs).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kubevet.k8s import selectors
from kubevet.k8s.namespaces import BUILTIN_GROUPS
from kubevet.k8s.workloads import PodTemplate
from kubevet.model import K8sObject
from kubevet.rules._base import RuleContext, namespace_of

DIRECTIONS = ("Ingress", "Egress")
RULES = {"Ingress": ("ingress", "from"), "Egress": ("egress", "to")}  # rule list, peer list
EVERYWHERE = ("0.0.0.0/0", "::/0")

# API groups served by Kubernetes itself (and OpenShift's built-in workloads): their
# objects create no pods beyond the workloads kubevet models
# label-key domains of Kubernetes itself, shared by built-in and custom APIs alike
KUBERNETES_DOMAINS = frozenset({"k8s.io", "kubernetes.io"})

# labels controllers add to the pods they create, with values the manifests do not tell
_OPEN_LABELS = {
    "Deployment": ("pod-template-hash",),
    "DaemonSet": ("controller-revision-hash", "pod-template-generation"),
    "StatefulSet": ("controller-revision-hash", "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index"),
    "Job": ("controller-uid", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-completion-index"),
    "CronJob": (
        "job-name", "batch.kubernetes.io/job-name", "controller-uid",
        "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-completion-index",
    ),
}
_JOB_NAME_LABELS = ("job-name", "batch.kubernetes.io/job-name")


# --- NetworkPolicies --------------------------------------------------------------------


def policy_types(policy: K8sObject) -> set[str]:
    """The directions a policy isolates, with the API server's default for ``policyTypes``:
    Ingress always, Egress too when the policy has egress rules."""
    types = policy.spec.get("policyTypes")
    if isinstance(types, list) and types:
        return {t for t in types if t in DIRECTIONS}
    egress = policy.spec.get("egress")
    return {"Ingress", "Egress"} if isinstance(egress, list) and egress else {"Ingress"}


def pod_selector(policy: K8sObject) -> Any:
    """The policy's podSelector; an omitted one is the empty selector (every pod)."""
    selector = policy.spec.get("podSelector")
    return {} if selector is None else selector


def rules_of(policy: K8sObject, direction: str) -> list:
    rules = policy.spec.get(RULES[direction][0])
    return rules if isinstance(rules, list) else []


def allows_everything(rule: Any) -> bool:
    """A rule that lets every peer through on every port: no ports, and no peers or a
    peer that is the whole address space."""
    if not isinstance(rule, dict) or rule.get("ports"):
        return False
    peers = rule.get("from", rule.get("to"))
    if not peers:
        return True
    for peer in peers if isinstance(peers, list) else []:
        block = peer.get("ipBlock") if isinstance(peer, dict) else None
        if isinstance(block, dict) and isinstance(block.get("cidr"), str) and block["cidr"] in EVERYWHERE and not block.get("except"):
            return True
    return False


def service_selector(service: K8sObject) -> dict | None:
    """The selector of a Service that routes to pods; None for an ExternalName Service or
    one without a selector (its endpoints are managed by hand or by a controller)."""
    selector = service.spec.get("selector")
    if service.spec.get("type") == "ExternalName" or not isinstance(selector, dict) or not selector:
        return None
    return selector


def running_workloads(ctx: RuleContext) -> Iterator[tuple[K8sObject, PodTemplate]]:
    """The scan's own workloads whose pods NetworkPolicies can govern.

    PodTemplate objects run nothing themselves, and pods on the host network are outside
    the reach of NetworkPolicies.
    """
    for obj, template in ctx.workload_objects():
        if obj.unjudged or obj.kind == "PodTemplate" or template.spec.get("hostNetwork") is True:
            continue
        yield obj, template


def labels_path(template: PodTemplate) -> tuple:
    """Where the pod template's labels are, or the deepest parent of them written."""
    if isinstance(template.metadata.get("labels"), dict):
        return (*template.path, "metadata", "labels")
    if template.metadata:
        return (*template.path, "metadata")
    return template.path


# --- the pods of the scan ---------------------------------------------------------------


_ALL_OPEN_KEYS = frozenset(key for keys in _OPEN_LABELS.values() for key in keys)


@dataclass
class Pods:
    """The pods of one workload: its template's labels, those its controller adds with
    known values, and the keys its controller adds with unknown values."""

    labels: dict
    open_keys: frozenset[str]
    template: PodTemplate | None  # None when the template has no pod spec

    def may_match(self, selector: Any) -> bool:
        """Whether a LabelSelector may select these pods: a requirement on an open key
        holds when some value satisfies it."""
        if not isinstance(selector, dict):
            return False
        match_labels = selector.get("matchLabels")
        if isinstance(match_labels, dict):
            match_labels = {k: v for k, v in match_labels.items() if k not in self.open_keys}
        expressions = selector.get("matchExpressions")
        if isinstance(expressions, list):
            rest = []
            for expr in expressions:
                if isinstance(expr, dict) and isinstance(expr.get("key"), str) and expr["key"] in self.open_keys:
                    values = expr.get("values") or []
                    probe = {expr["key"]: values[0] if expr.get("operator") == "In" and values else "\0"}
                    if not selectors.matches({"matchExpressions": [expr]}, probe):
                        return False
                else:
                    rest.append(expr)
            expressions = rest
        return selectors.matches({"matchLabels": match_labels, "matchExpressions": expressions}, self.labels)

    def may_match_map(self, selector: dict) -> bool:
        """Whether a Service selector may select these pods."""
        return selectors.matches_map({k: v for k, v in selector.items() if k not in self.open_keys}, self.labels)


@dataclass
class PodIndex:
    """The pods of the scan and its context by namespace, and hints of pods operators create."""

    pods: dict[str, list[Pods]] = field(default_factory=dict)
    # (namespace, label key, value) -> the pods carrying that label, to narrow lookups
    by_label: dict[tuple[str, str, str], list[Pods]] = field(default_factory=dict)
    resource_names: dict[str, set[str]] = field(default_factory=dict)  # custom resources
    resource_labels: dict[str, list[dict]] = field(default_factory=dict)
    domains: set[str] = field(default_factory=set)  # API domains of custom resources and CRDs

    def in_namespace(self, namespace: str) -> list[Pods]:
        return self.pods.get(namespace, [])

    def candidates(self, namespace: str, match_labels: Any) -> list[Pods]:
        """Pods of the namespace that may carry these labels: those filed under the rarest
        of its pairs (pairs on labels a controller sets are no filter); all pods when none."""
        pairs = [
            (k, selectors.label_text(v))
            for k, v in (match_labels.items() if isinstance(match_labels, dict) else ())
            if k not in _ALL_OPEN_KEYS
        ]
        if not pairs:
            return self.in_namespace(namespace)
        return min((self.by_label.get((namespace, *pair), []) for pair in pairs), key=len)

    def operator_may_create(self, namespace: str, selector: Any, plain_map: bool = False) -> bool:
        """Whether a selector (a LabelSelector, or with ``plain_map`` a Service's map)
        seems to aim at pods an operator creates from a custom resource of the namespace."""
        if not isinstance(selector, dict):
            return False
        pairs = _requirements(selector, plain_map)
        names = self.resource_names.get(namespace, set())
        if any(value in names for _, value in pairs):
            return True
        if any(_domain(key.partition("/")[0]) in self.domains for key, _ in pairs if "/" in key):
            return True
        match = selectors.matches_map if plain_map else selectors.matches
        return any(match(selector, labels) for labels in self.resource_labels.get(namespace, ()))


def pod_index(ctx: RuleContext) -> PodIndex:
    """Index the pods and custom resources of the scan and its context (once per scan)."""
    index = ctx.shared.get("network-pod-index")
    if index is None:
        index = ctx.shared["network-pod-index"] = _build_pod_index(ctx)
    return index


def _build_pod_index(ctx: RuleContext) -> PodIndex:
    index = PodIndex()
    for obj in ctx.objects():
        ns = namespace_of(obj)
        if ctx.workloads.template_path(obj) is not None:
            pods = pods_of(ctx, obj)
            if pods is not None:
                index.pods.setdefault(ns, []).append(pods)
                for key, value in pods.labels.items():
                    index.by_label.setdefault((ns, key, selectors.label_text(value)), []).append(pods)
        elif obj.kind == "CustomResourceDefinition" and obj.group == "apiextensions.k8s.io":
            group = obj.spec.get("group")
            if isinstance(group, str):
                index.domains.add(_domain(group))
        elif obj.group not in BUILTIN_GROUPS:
            index.domains.add(_domain(obj.group))
            if obj.name:
                index.resource_names.setdefault(ns, set()).add(obj.name)
            index.resource_labels.setdefault(ns, []).extend(_label_maps(obj.data))
    index.domains -= KUBERNETES_DOMAINS
    return index


def pods_of(ctx: RuleContext, obj: K8sObject) -> Pods | None:
    """The pods of a workload; None when it has no pod template.

    A template without a pod spec still counts (the API server rejects it, and other rules
    say so): what matters here is which labels the workload's pods carry.
    """
    path = ctx.workloads.template_path(obj)
    if path is None:
        return None
    node: Any = obj.data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return None
    metadata = node.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    labels = dict(labels) if isinstance(labels, dict) else {}
    if obj.kind == "Job" and obj.name:
        labels.update(dict.fromkeys(_JOB_NAME_LABELS, obj.name))
    open_keys = frozenset(_OPEN_LABELS.get(obj.kind, ()))
    return Pods(labels, open_keys, ctx.pod_template(obj))


def _label_maps(node: Any) -> Iterator[dict]:
    """Every map under a ``labels`` key, anywhere in a custom resource."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "labels" and isinstance(value, dict):
                yield value
            else:
                yield from _label_maps(value)
    elif isinstance(node, list):
        for item in node:
            yield from _label_maps(item)


def _requirements(selector: dict, plain_map: bool) -> list[tuple[str, str]]:
    """(key, value) of every label a selector names."""
    if plain_map:
        return [(str(k), selectors.label_text(v)) for k, v in selector.items()]
    pairs = []
    match_labels = selector.get("matchLabels")
    if isinstance(match_labels, dict):
        pairs += [(str(k), selectors.label_text(v)) for k, v in match_labels.items()]
    expressions = selector.get("matchExpressions")
    for expr in expressions if isinstance(expressions, list) else []:
        if isinstance(expr, dict):
            values = expr.get("values") if isinstance(expr.get("values"), list) else []
            pairs += [(str(expr.get("key")), selectors.label_text(v)) for v in values] or [(str(expr.get("key")), "")]
    return pairs


def _domain(name: str) -> str:
    """The registered domain of an API group or label prefix: its last two labels."""
    return ".".join(name.split(".")[-2:])
