"""Namespaces as a whole: which ones a scan judges, and where a finding about one points.

A namespace is *judged* (its guardrails are required: a quota, container defaults, a
default-deny policy) when the scan defines it with a Namespace object, or when the user
names it with ``--namespace-guardrails NS...`` (``all``: every namespace the scan puts
objects in, except the cluster's own kube-system, kube-public and kube-node-lease, which
are judged only when named). Objects from ``--context`` count as present (a platform repository's quotas
and policies) but never make a namespace judged: the scan's own files decide that.

A finding about a namespace points at its Namespace object when the scan has one (at
``metadata.name``); otherwise at the first object of the scan in that namespace (at
``metadata.namespace``, or at the object itself when it lands in ``default`` without
naming it). A namespace with nothing of the scan in it is not reported on: there is no
place to point at, and nothing the scan deploys runs there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kubevet.findings import Path
from kubevet.k8s.index import ObjectIndex, namespace_of
from kubevet.model import K8sObject

ALL = "all"
"""``--namespace-guardrails all``: judge every namespace of the scan."""

SYSTEM = frozenset({"kube-system", "kube-public", "kube-node-lease"})
"""The cluster's own namespaces: ``all`` leaves them out (name them to judge them)."""

_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")

NAME_LABEL = "kubernetes.io/metadata.name"
"""The label the API server sets on every namespace: its name."""

# built-in kinds that live outside namespaces, by (API group, kind); a custom kind is
# taken as namespaced
CLUSTER_SCOPED = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("extensions", "PodSecurityPolicy"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("node.k8s.io", "RuntimeClass"),
        ("policy", "PodSecurityPolicy"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
    }
)


def cluster_scoped(obj: K8sObject) -> bool:
    """Whether the object lives outside namespaces (its metadata.namespace is ignored)."""
    return (obj.group, obj.kind) in CLUSTER_SCOPED


def is_namespace(obj: K8sObject) -> bool:
    return obj.kind == "Namespace" and obj.group == "" and obj.name is not None


def scan_namespaces(objects: Iterable[K8sObject]) -> dict[str, tuple[K8sObject, Path]]:
    """Every namespace the scan's own objects define or land in, with where to point.

    In order of first appearance; a Namespace object wins over the objects in it.
    Context objects are left out, and so are names that are no namespace name (a
    template placeholder such as ``${NAMESPACE}``).
    """
    anchors: dict[str, tuple[K8sObject, Path]] = {}
    defined: set[str] = set()
    for obj in objects:
        if obj.unjudged:
            continue
        if is_namespace(obj):
            if obj.name not in defined and _NAME.match(obj.name):
                defined.add(obj.name)
                anchors[obj.name] = (obj, ("metadata", "name"))
        elif not cluster_scoped(obj):
            ns = namespace_of(obj)
            if ns not in anchors and _NAME.match(ns):
                anchors[ns] = (obj, ("metadata", "namespace") if obj.namespace else ())
    return anchors


# API groups Kubernetes serves itself; objects of other groups are custom resources
BUILTIN_GROUPS = frozenset(
    {
        "", "apps", "batch", "autoscaling", "policy", "extensions", "networking.k8s.io",
        "rbac.authorization.k8s.io", "storage.k8s.io", "scheduling.k8s.io", "node.k8s.io",
        "discovery.k8s.io", "coordination.k8s.io", "admissionregistration.k8s.io",
        "apiextensions.k8s.io", "apiregistration.k8s.io", "certificates.k8s.io",
        "events.k8s.io", "flowcontrol.apiserver.k8s.io", "resource.k8s.io",
        "apps.openshift.io",
    }
)

# what the namespace and network rules read whole; of every other object they only need
# to know that it exists, in which namespace, and where it is written
_READ_WHOLE = frozenset(
    {
        "Namespace", "ResourceQuota", "LimitRange", "NetworkPolicy", "Service", "Ingress",
        "HorizontalPodAutoscaler", "CustomResourceDefinition",
    }
)


def keep_for_namespaces(obj: K8sObject, ctx: ObjectIndex) -> str:
    """What the namespace and network rules keep of an object until the end of the scan:
    the kinds they read, workloads and custom resources whole, the identity of the rest."""
    if obj.kind in _READ_WHOLE or obj.group not in BUILTIN_GROUPS or ctx.workloads.template_path(obj) is not None:
        return "full"
    return "identity"


def defined_namespaces(objects: Iterable[K8sObject]) -> list[str]:
    """Names of the namespaces the scan's own Namespace objects define."""
    return list(dict.fromkeys(o.name for o in objects if is_namespace(o) and not o.unjudged))


def judged_namespaces(ctx: ObjectIndex) -> Iterator[tuple[str, K8sObject, Path]]:
    """The namespaces whose guardrails are judged, with the object and path to report at."""
    objects = list(ctx.judged())  # the context's are left out by both below
    anchors = scan_namespaces(objects)
    named = list(getattr(ctx.config, "namespace_guardrails", None) or [])
    if ALL in named:
        chosen = [ns for ns in anchors if ns not in SYSTEM]
    else:
        chosen = list(dict.fromkeys([*defined_namespaces(objects), *named]))
    for ns in chosen:
        if ns in anchors:
            obj, path = anchors[ns]
            yield ns, obj, path


def namespace_anchor(ctx: ObjectIndex, namespace: str) -> tuple[K8sObject, Path] | None:
    """Where a finding about ``namespace`` points; None when the scan has nothing there."""
    return scan_namespaces(ctx.judged()).get(namespace)
