"""Shared by the hygiene rules: which kinds are cluster-scoped, and batch kinds."""

from __future__ import annotations

from kubevet.k8s.namespaces import cluster_scoped  # noqa: F401 - shared with the hygiene rules
from kubevet.model import K8sObject


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
