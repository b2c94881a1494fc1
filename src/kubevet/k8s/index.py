"""The objects of a scan as Kubernetes sees them: by kind, by namespace, with pod templates.

An ``ObjectIndex`` is what cross-object knowledge (``relations``, ``namespaces``,
``compute``, ``rbac``) reads: the objects of a scan and of its context, the workload
registry that finds their pod templates, the scan's configuration, and ``shared``, the
indexes built from them once per scan (Services by namespace, pods by labels ...). It
knows nothing of rules: a rule's ``RuleContext`` is an ``ObjectIndex`` with the rule's
options besides.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubevet.k8s.workloads import PodTemplate, Workloads
    from kubevet.model import K8sObject


def namespace_of(obj: K8sObject) -> str:
    """The namespace an object lands in when applied without -n: its own or "default"."""
    return obj.namespace or "default"


def merged(base: dict, additions: Iterable[tuple[Hashable, Any]]) -> dict:
    """``base`` (a dict of lists) with each ``(key, value)`` appended to its key's list;
    ``base`` and its lists are left as they are, and only the lists that get something
    are copied (judging one object against a large prepared context copies little)."""
    out = dict(base)
    copied: set = set()
    for key, value in additions:
        if key not in copied:
            copied.add(key)
            out[key] = list(out.get(key, ()))
        out[key].append(value)
    return out


class ObjectIndex:
    """Objects of a scan (and its context), looked up by kind and namespace.

    ``by_kind`` may be given already built (a ``ClusterState`` keeps its own up to date):
    it maps a kind, and a (kind, namespace) pair, to the objects in scan order.
    """

    def __init__(
        self,
        workloads: Workloads,
        objects: list[K8sObject] | None = None,
        config: Any = None,
        shared: dict | None = None,
    ) -> None:
        self.workloads = workloads
        self.config = config  # the scan's Config (namespaces to judge, target version ...)
        self._objects = objects or []
        # indexes every cross-object check of the scan can reuse (see k8s.relations); the
        # objects by kind and by (kind, namespace) live here too
        self.shared: dict = shared if shared is not None else {}

    def pod_template(self, obj: K8sObject) -> PodTemplate | None:
        return self.workloads.pod_template(obj)

    def objects(self, kind: str | None = None, namespace: str | None = None) -> Iterator[K8sObject]:
        """Objects of the scan, optionally of one kind and in one namespace (indexed)."""
        if kind is None:
            if namespace is None:
                return iter(self._objects)
            return (o for o in self._objects if namespace_of(o) == namespace)
        by_kind = self.shared.get("objects-by-kind")
        if by_kind is None:
            by_kind = self.shared["objects-by-kind"] = {}
            for obj in self._objects:
                by_kind.setdefault(obj.kind, []).append(obj)
                by_kind.setdefault((obj.kind, namespace_of(obj)), []).append(obj)
        return iter(by_kind.get(kind if namespace is None else (kind, namespace), ()))

    def workload_objects(self) -> Iterator[tuple[K8sObject, PodTemplate]]:
        """Every object with a pod template, with that template (found once per scan; those
        of a prepared context once for as long as it holds them)."""
        found = self.shared.get("workload-objects")
        if found is None:
            prepared = self.shared.get("prepared")
            own = self.shared.get("scan-objects")
            if prepared is not None and own is not None:
                found = [*prepared.workload_objects(self.workloads), *self._workloads_of(own)]
            else:
                found = self._workloads_of(self._objects)
            self.shared["workload-objects"] = found
        return iter(found)

    def _workloads_of(self, objects: list[K8sObject]) -> list[tuple[K8sObject, PodTemplate]]:
        pod_template = self.workloads.pod_template
        return [(obj, template) for obj in objects if (template := pod_template(obj)) is not None]

    def judged(self, kind: str | None = None, namespace: str | None = None) -> Iterator[K8sObject]:
        """``objects(kind, namespace)`` without those of the context: what the scan reports
        on. A check that judges each object on its own iterates these."""
        own = self.shared.get("judged-objects")
        if own is None:  # no engine said which they are: every object is looked at
            return (o for o in self.objects(kind, namespace) if not o.unjudged)
        if kind is None and namespace is None:
            return iter(own)
        return (
            o for o in own
            if (kind is None or o.kind == kind) and (namespace is None or namespace_of(o) == namespace)
        )

    def judged_workloads(self) -> Iterator[tuple[K8sObject, PodTemplate]]:
        """The workloads the scan judges: those of its context are left out (nothing is
        reported about them, so a check that only reports on each workload skips them)."""
        own = self.shared.get("judged-objects")
        for obj in self._objects if own is None else own:
            if not obj.unjudged:
                template = self.workloads.pod_template(obj)
                if template is not None:
                    yield obj, template
