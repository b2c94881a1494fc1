"""Shared by the availability rules that judge a workload by how many pods it runs."""

from __future__ import annotations

from kubevet.model import K8sObject


def replicas_phrase(count: int, hpa: K8sObject | None) -> str:
    """A workload's fewest pods in words, naming the autoscaler that sets the number."""
    pods = f"{count} replica{'' if count == 1 else 's'}"
    if hpa is None:
        return pods
    return f"at least {pods} (minReplicas of HorizontalPodAutoscaler {hpa.name!r})"
