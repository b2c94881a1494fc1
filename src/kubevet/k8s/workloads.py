"""One accessor for every object that carries a pod template, and its containers.

Built-in workloads are keyed by (API group, kind), so that a custom resource that happens
to be called ``Deployment`` is not mistaken for one. Custom workloads (an Argo Rollout, a
Knative Service ...) are added with the ``workload-kinds`` setting: ``GROUP/KIND`` mapped
to the dotted path of their pod template, e.g. ``argoproj.io/Rollout: spec.template``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubevet.model import K8sObject

# path of the PodTemplateSpec (metadata + spec) in each built-in workload; () for a Pod
_TEMPLATE = ("spec", "template")
BUILTIN_WORKLOADS: dict[tuple[str, str], tuple] = {
    ("", "Pod"): (),
    ("", "ReplicationController"): _TEMPLATE,
    ("", "PodTemplate"): ("template",),
    ("batch", "Job"): _TEMPLATE,
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
}
for _group in ("apps", "extensions"):
    for _kind in ("Deployment", "DaemonSet", "ReplicaSet"):
        BUILTIN_WORKLOADS[(_group, _kind)] = _TEMPLATE
BUILTIN_WORKLOADS[("apps", "StatefulSet")] = _TEMPLATE
# OpenShift's built-in DeploymentConfig API (not a custom resource)
BUILTIN_WORKLOADS[("apps.openshift.io", "DeploymentConfig")] = _TEMPLATE

WORKLOAD_KINDS = frozenset(kind for _, kind in BUILTIN_WORKLOADS)
"""Kind names of the built-in workloads, for rules that declare the kinds they judge."""

# pod securityContext fields that a container inherits when it does not set them itself
INHERITED_SECURITY_FIELDS = frozenset(
    {
        "runAsUser",
        "runAsGroup",
        "runAsNonRoot",
        "seLinuxOptions",
        "seccompProfile",
        "windowsOptions",
        "appArmorProfile",
    }
)


def parse_workload_kinds(config: Mapping[str, str]) -> dict[tuple[str, str], tuple]:
    """Turn ``{"argoproj.io/Rollout": "spec.template"}`` into the registry's form."""
    out: dict[tuple[str, str], tuple] = {}
    for key, path in config.items():
        group, sep, kind = key.rpartition("/")
        if not sep or not kind:
            raise ValueError(f"workload kind {key!r} must be GROUP/KIND, e.g. argoproj.io/Rollout")
        out[(group, kind)] = tuple(p for p in str(path).split(".") if p)
    return out


@dataclass(slots=True)
class PodTemplate:
    """The pod an object runs: its labels, its spec, and the paths to both."""

    obj: K8sObject
    path: tuple  # the PodTemplateSpec ((), for a Pod: the object itself)
    metadata: dict
    spec: dict
    # every container, worked out once for all the rules that ask (see containers())
    all_containers: list[Container] | None = field(default=None, repr=False)

    @property
    def spec_path(self) -> tuple:
        return (*self.path, "spec")

    @property
    def labels(self) -> dict[str, Any]:
        labels = self.metadata.get("labels")
        return labels if isinstance(labels, dict) else {}

    @property
    def annotations(self) -> dict[str, Any]:
        annotations = self.metadata.get("annotations")
        return annotations if isinstance(annotations, dict) else {}


@dataclass(slots=True)
class Container:
    """A container of a pod template with the path to it and how it runs."""

    data: dict
    path: tuple
    section: str  # "containers", "initContainers" or "ephemeralContainers"
    index: int

    @property
    def name(self) -> str:
        name = self.data.get("name")
        return name if isinstance(name, str) else f"#{self.index}"

    @property
    def is_init(self) -> bool:
        return self.section == "initContainers"

    @property
    def is_sidecar(self) -> bool:
        """An init container with restartPolicy Always runs for the pod's whole life."""
        return self.is_init and self.data.get("restartPolicy") == "Always"

    @property
    def long_running(self) -> bool:
        """Runs beside the app (a regular or sidecar container), not once at start-up."""
        return self.section == "containers" or self.is_sidecar

    @property
    def ports(self) -> list[dict]:
        ports = self.data.get("ports")
        return [p for p in ports if isinstance(p, dict)] if isinstance(ports, list) else []

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


class Workloads:
    """Finds pod templates, for the built-in kinds and the configured custom ones."""

    def __init__(self, extra: Mapping[tuple[str, str], tuple] | None = None) -> None:
        self.paths = dict(BUILTIN_WORKLOADS)
        if extra:
            self.paths.update(extra)
        self.kinds = frozenset(kind for _, kind in self.paths)

    def template_path(self, obj: K8sObject) -> tuple | None:
        return self.paths.get((obj.group, obj.kind))

    def pod_template(self, obj: K8sObject) -> PodTemplate | None:
        """The object's pod template, found once per object and registry."""
        cached = obj.template_cache
        if cached is not None and cached[0] is self:
            return cached[1]
        template = self._find_template(obj)
        obj.template_cache = (self, template)
        return template

    def _find_template(self, obj: K8sObject) -> PodTemplate | None:
        path = self.paths.get((obj.group, obj.kind))
        if path is None:
            return None
        node: Any = obj.data
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                return None
        if not isinstance(node, dict):
            return None
        spec = node.get("spec")
        if not isinstance(spec, dict):
            return None
        metadata = node.get("metadata")
        return PodTemplate(obj, path, metadata if isinstance(metadata, dict) else {}, spec)


def containers(
    template: PodTemplate, init: bool = True, ephemeral: bool = True
) -> Iterator[Container]:
    """Every container of the pod, with its path; init and ephemeral ones on request."""
    everything = template.all_containers
    if everything is None:
        everything = template.all_containers = []
        base = template.spec_path
        for section in ("containers", "initContainers", "ephemeralContainers"):
            items = template.spec.get(section)
            if isinstance(items, list):
                for i, item in enumerate(items):
                    if isinstance(item, dict):
                        everything.append(Container(item, (*base, section, i), section, i))
    for c in everything:
        if (init or c.section != "initContainers") and (ephemeral or c.section != "ephemeralContainers"):
            yield c


def security_setting(template: PodTemplate, container: Container, field: str) -> tuple[Any, tuple | None]:
    """The value of a securityContext field as the container runs with it, and its path.

    A container's own setting wins; fields in INHERITED_SECURITY_FIELDS fall back to the
    pod's securityContext, exactly where Kubernetes applies the pod-level value.
    Returns (None, None) when neither sets it.
    """
    sc = container.data.get("securityContext")
    if field == "windowsOptions":
        return _windows_options(template, container)
    if isinstance(sc, dict) and sc.get(field) is not None:
        return sc[field], (*container.path, "securityContext", field)
    if field in INHERITED_SECURITY_FIELDS:
        psc = template.spec.get("securityContext")
        if isinstance(psc, dict) and psc.get(field) is not None:
            return psc[field], (*template.spec_path, "securityContext", field)
    return None, None


def _windows_options(template: PodTemplate, container: Container) -> tuple[Any, tuple | None]:
    """windowsOptions as the kubelet merges them: field by field, the container's winning."""
    psc = template.spec.get("securityContext")
    sc = container.data.get("securityContext")
    pod = psc.get("windowsOptions") if isinstance(psc, dict) else None
    own = sc.get("windowsOptions") if isinstance(sc, dict) else None
    pod = pod if isinstance(pod, dict) else {}
    own = own if isinstance(own, dict) else {}
    if not pod and not own:
        return None, None
    merged = {**pod, **{k: v for k, v in own.items() if v is not None}}
    if own:
        return merged, (*container.path, "securityContext", "windowsOptions")
    return merged, (*template.spec_path, "securityContext", "windowsOptions")


def replicas(obj: K8sObject) -> int | None:
    """Declared replicas of a scalable workload.

    Kubernetes defaults a missing value to 1; an OpenShift DeploymentConfig, whose field is
    a plain integer, runs 0.
    """
    if obj.kind == "DeploymentConfig":
        default = 0
    elif obj.kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
        default = 1
    else:
        return None
    value = obj.spec.get("replicas", default)
    if value is None:
        return default
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def named_port(container: Container, port: Any) -> dict | None:
    """The declared container port a probe or Service refers to, by name or number."""
    for p in container.ports:
        if isinstance(port, str) and p.get("name") == port:
            return p
        if isinstance(port, int) and p.get("containerPort") == port:
            return p
    return None


def service_account(template: PodTemplate) -> tuple[str, tuple | None]:
    """The ServiceAccount the pod runs as and the path of the field that names it.

    ``serviceAccountName`` wins; the deprecated ``serviceAccount`` is used when it is
    unset, as the API server does. Neither set: ``default``, and no path.
    """
    for key in ("serviceAccountName", "serviceAccount"):
        value = template.spec.get(key)
        if isinstance(value, str) and value:
            return value, (*template.spec_path, key)
    return "default", None
