"""What the parsers produce: signals (one fact each, with where it was read) and objects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any


@dataclass(frozen=True, order=True)
class Loc:
    """An input position: the file (as given on the command line) and its 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, order=True)
class Obj:
    """A Kubernetes object as the outputs name it: kind (capitalised), namespace, name."""

    kind: str
    namespace: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "namespace": self.namespace, "name": self.name}


# kubectl prints an event's object as kind/name in lower case; the kinds it names
KINDS = {
    k.lower(): k
    for k in (
        "Pod", "Node", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
        "Service", "Endpoints", "EndpointSlice", "PersistentVolumeClaim", "PersistentVolume",
        "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap", "Secret", "Namespace",
        "ResourceQuota", "LimitRange", "Ingress", "ServiceAccount", "VolumeAttachment",
        "ReplicationController", "NetworkPolicy", "Lease", "Event",
    )
}
KINDS.update({"hpa": "HorizontalPodAutoscaler", "pvc": "PersistentVolumeClaim", "pv": "PersistentVolume",
              "pdb": "PodDisruptionBudget", "rs": "ReplicaSet", "sts": "StatefulSet", "deploy": "Deployment"})


CLUSTER_SCOPED = frozenset({"Node", "Namespace", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
                            "StorageClass", "PriorityClass", "CustomResourceDefinition"})


_HASHED = re.compile(r"^(.*)-[a-z0-9]{6,10}-[a-z0-9]{5}$|^(.*)-[a-z0-9]{5}$|^(.*)-\d+$")


def workload(pod: str) -> str:
    """The workload a pod's name comes from: web-7d9f8b6c5d-x2x9k, web-x2x9k and web-0 -> web."""
    m = _HASHED.match(pod)
    return next((g for g in m.groups() if g), pod) if m else pod


@lru_cache(maxsize=65536)
def obj(kind: str, namespace: str | None, name: str) -> Obj:
    """An Obj with the kind's proper name; cluster-scoped kinds lose the namespace
    (``kubectl get events -A`` prints a node's events in namespace default)."""
    kind = kind_name(kind)
    return Obj(kind, None if kind in CLUSTER_SCOPED else (namespace or None), name)


def kind_name(kind: str) -> str:
    """``pod`` -> ``Pod``; ``horizontalpodautoscaler`` -> ``HorizontalPodAutoscaler``."""
    return KINDS.get(kind.lower(), kind[:1].upper() + kind[1:])


@dataclass
class Signal:
    """One fact read from the input.

    ``source`` says what kind of fact: ``event`` (a Kubernetes Event, from any input form),
    ``container`` (a container's state: reason, exit code, restarts), ``probe`` (a probe's
    spec), ``node-condition``, ``node-taint``, ``owner`` (a pod's controller), ``log`` (a
    kernel or kubelet log line). ``reason`` is the Event reason or the state's reason;
    ``fields`` holds the rest (``exit_code``, ``restarts``, ``container``, ``victim`` ...).
    ``first`` and ``last`` are absolute times when known (ages resolved against --at).
    """

    source: str
    reason: str
    obj: Obj | None
    loc: Loc
    message: str = ""
    type: str = ""  # Normal or Warning, for events
    first: datetime | None = None
    last: datetime | None = None
    count: int = 1
    component: str = ""  # who reported it: kubelet, default-scheduler, kernel ...
    host: str = ""  # the node it was reported on, when known
    fields: dict[str, Any] = field(default_factory=dict)
    also: list[Loc] = field(default_factory=list)  # the same event read from other inputs too

    @property
    def where(self) -> str:
        return ", ".join(str(loc) for loc in [self.loc, *self.also])

    @property
    def time(self) -> datetime | None:
        return self.last or self.first

    @property
    def start(self) -> datetime | None:
        return self.first or self.last


@dataclass(frozen=True)
class Unparsed:
    """A line that no parser understood: reported, never dropped."""

    loc: Loc
    text: str
    why: str


@dataclass
class Parsed:
    """What one parser made of its part of the input."""

    kind: str  # events-table, events-json, describe-pod, pods-json, kernel-log ...
    signals: list[Signal] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)
    lines: int = 0  # how many input lines this part covered
    first_line: int = 0
