"""Shared by the resource rules: which containers need resources, and how to read them."""

from __future__ import annotations

from collections.abc import Iterator

from kubevet.k8s.workloads import Container, PodTemplate, containers
from kubevet.model import K8sObject
from kubevet.rules._base import RuleContext


def resourced_containers(obj: K8sObject, ctx: RuleContext) -> Iterator[tuple[PodTemplate, Container]]:
    """Containers the scheduler and kubelet account for: regular, init and sidecar ones.

    Ephemeral (debug) containers cannot set resources, so they are left out.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    for c in containers(template, init=True, ephemeral=False):
        yield template, c


def resource_value(c: Container, section: str, resource: str):
    """``resources.<section>.<resource>`` of a container, or None."""
    resources = c.data.get("resources")
    if not isinstance(resources, dict):
        return None
    values = resources.get(section)
    if not isinstance(values, dict):
        return None
    return values.get(resource)


def missing_path(c: Container, section: str) -> tuple:
    """Where a missing value belongs: the deepest of resources.<section> that exists."""
    resources = c.data.get("resources")
    if not isinstance(resources, dict):
        return c.path
    if not isinstance(resources.get(section), dict):
        return (*c.path, "resources")
    return (*c.path, "resources", section)
