"""Shared by the host-namespace rules: a pod field that puts the pod in a node namespace."""

from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.model import K8sObject
from kubevet.rules._base import RuleContext


def shared_namespace(obj: K8sObject, ctx: RuleContext, field: str, namespace: str) -> Iterator[Finding]:
    """A finding at ``spec.<field>`` when it is true: the pod shares the node's namespace."""
    template = ctx.pod_template(obj)
    if template is not None and template.spec.get(field) is True:
        yield Finding(f"{field} is true: the pod shares the node's {namespace}", (*template.spec_path, field))
