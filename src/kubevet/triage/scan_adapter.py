"""The one place triage calls the scanner: findings of the manifests, and their objects' lines.

Findings come from the library API (``kubevet.api``); the objects are read with kubevet's
loader so that each container field the fixes change has its line.
"""

from __future__ import annotations

from kubevet.k8s.workloads import Workloads, containers
from kubevet.loading.positions import PositionIndex
from kubevet.loading.reader import read_source
from kubevet.model import K8sObject
from kubevet.triage.manifests import ManifestObject, Manifests

FIELDS = ("resources", "livenessProbe", "readinessProbe", "startupProbe", "image", "command", "args")
SPEC_FIELDS = ("volumes", "tolerations", "affinity", "topologySpreadConstraints", "serviceAccountName")


def scan(paths: list[str]) -> Manifests:
    """Scan the paths as ``kubevet scan`` does (the nearest .kubevet.yaml applies) and read
    their objects once more for the lines of the fields the fixes change."""
    from kubevet import api
    from kubevet.errors import KubevetError

    errors: list[str] = []
    try:
        config = api.load_config()
    except KubevetError as exc:
        errors.append(f"configuration: {exc}; kubevet's defaults used")
        config = api.load_config(no_config=True)
    inputs = api.discover(paths, exclude=config.exclude)
    result = api.scan_inputs(inputs, config=config)
    errors += [f"{e.file}:{e.line}: {e.message}" for e in result.input_errors]
    objects: list[ManifestObject] = []
    workloads = Workloads()
    positions = PositionIndex()
    for source in inputs.sources:
        for item in read_source(source):
            if isinstance(item, K8sObject) and item.name:
                objects.append(_object(item, workloads, positions))
    return Manifests(objects, list(result.findings), errors)


def _object(obj: K8sObject, workloads: Workloads, positions: PositionIndex) -> ManifestObject:
    m = ManifestObject(obj.kind, obj.namespace, obj.name or "", obj.doc.source.display, obj.line, obj.data)
    template = workloads.pod_template(obj)
    if template is None:
        return m
    for field in SPEC_FIELDS:
        path = (*template.spec_path, field)
        m.fields[("", field)] = (positions.locate(obj.doc, (*obj.base, *path), obj)[0], _dotted(path, obj.data))
    for c in containers(template):
        m.fields[(c.name, "")] = (positions.locate(obj.doc, (*obj.base, *c.path), obj)[0], _dotted(c.path, obj.data))
        for field in FIELDS:
            path = (*c.path, field)
            m.fields[(c.name, field)] = (positions.locate(obj.doc, (*obj.base, *path), obj)[0],
                                         _dotted(path, obj.data))
    return m


def _dotted(path: tuple, data: dict) -> str:
    """spec.template.spec.containers[name=web].resources, marked "(not set)" when the field is not
    written (the line is then its parent's, where the fix adds it)."""
    out, node, written = "", data, True
    for p in path:
        if isinstance(p, str) and not (isinstance(node, dict) and p in node):
            written = False
        if isinstance(p, int):
            item = node[p] if isinstance(node, list) and p < len(node) else {}
            name = item.get("name") if isinstance(item, dict) else None
            out += f"[name={name}]" if name else f"[{p}]"
            node = item
        else:
            out += ("." if out else "") + p
            node = node.get(p, {}) if isinstance(node, dict) else {}
    return out if written else f"{out} (not set)"
