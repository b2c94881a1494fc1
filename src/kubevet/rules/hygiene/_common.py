"""Shared by the hygiene rules: which kinds are cluster-scoped, and batch kinds."""

from __future__ import annotations

from kubevet.model import K8sObject

# built-in kinds that live outside namespaces, by (API group, kind); a custom kind is
# taken as namespaced, which errs towards reporting fewer duplicates, never more
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


def owned_by(obj: K8sObject, kind: str | None = None) -> bool:
    """Whether the object has an owner reference (of ``kind``, when given)."""
    refs = obj.metadata.get("ownerReferences")
    if not isinstance(refs, list):
        return False
    return any(isinstance(r, dict) and (kind is None or r.get("kind") == kind) for r in refs)


# annotations that hand an object's lifecycle to a deploy tool, which deletes it itself
HOOK_ANNOTATIONS = ("helm.sh/hook", "argocd.argoproj.io/hook")


def deploy_hook(obj: K8sObject) -> bool:
    """Whether the object is a Helm or Argo CD hook (a test pod, a migration job ...)."""
    return any(a in obj.annotations for a in HOOK_ANNOTATIONS)
