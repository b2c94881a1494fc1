"""Build kubevet's compact Kubernetes schemas from the PyPI package kubernetes-validate.

    pip install kubernetes-validate==1.37.0
    python scripts/build_schemas.py            # writes src/kubevet/data/schemas/v1.NN.json.gz

kubernetes-validate ships the OpenAPI of every Kubernetes release from 1.25 on, turned
into JSON Schema (draft 2020-12), in a "strict" flavour that refuses unknown fields as the
API server's strict field validation does (kubectl's default since 1.25). It is 108 MB
installed; kubevet needs about 40 KB per release, so this script keeps only what
validation uses and fixes the schemas where they disagree with the API server:

* descriptions and the x-kubernetes-* annotations are dropped, and so are definitions
  that no kind reaches;
* IntOrString and Quantity are a ``oneOf`` whose two branches both allow ``null``, so
  ``null`` (which the API server takes as "unset") fails them: they become one ``type``
  list; Quantity strings also get the syntax of resource.ParseQuantity as a ``pattern``;
* ``format: int32`` / ``int64`` get their ranges as ``minimum``/``maximum`` (a format is
  only an annotation in draft 2020-12, so 4294967296 replicas would pass);
* ``format: byte`` ([]byte fields: Secret data, caBundle ...) gets the base64 syntax Go's
  decoder accepts (standard alphabet, padded, CR and LF ignored) as a ``pattern``;
* ``format: date-time`` (metav1.Time) gets the RFC 3339 syntax as a ``pattern``;
* the closed sets of values the API server enforces in code (``ENUMS``: imagePullPolicy,
  restartPolicy, Service type, protocols, strategy types ...) become ``enum``s, with the
  empty string (unset) allowed.

Each output file holds ``{"kubernetes": "1.NN", "source": ..., "kinds": {apiVersion:
{kind: definition}}, "$defs": {...}}`` and is deterministic (sorted keys, gzip mtime 0).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "kubevet" / "data" / "schemas"

INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"

# resource.ParseQuantity after the strings.TrimSpace of Quantity.UnmarshalJSON
WS = r"[ \t\n\v\f\r]*"
QUANTITY_PATTERN = (
    rf"^{WS}[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    rf"(?:[eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?{WS}$"
)
# base64.StdEncoding.Decode as encoding/json uses it for []byte: CR and LF are skipped
_B = r"[A-Za-z0-9+/][\r\n]*"
BASE64_PATTERN = rf"^[\r\n]*(?:{_B}{_B}{_B}{_B})*(?:{_B}{_B}=[\r\n]*=[\r\n]*|{_B}{_B}{_B}=[\r\n]*)?$"
# time.Parse(time.RFC3339, s) as metav1.Time.UnmarshalJSON uses it
RFC3339_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})$"

# Closed sets of values the API server enforces ("Unsupported value") that the OpenAPI of
# kubernetes-validate does not carry as enums (the +enum markers of k8s.io/api). An empty
# string is allowed too: it means unset and the API server defaults it.
CORE = "io.k8s.api.core.v1."
ENUMS = {
    (CORE + "Container", "imagePullPolicy"): ["Always", "IfNotPresent", "Never"],
    (CORE + "EphemeralContainer", "imagePullPolicy"): ["Always", "IfNotPresent", "Never"],
    (CORE + "Container", "terminationMessagePolicy"): ["File", "FallbackToLogsOnError"],
    (CORE + "PodSpec", "restartPolicy"): ["Always", "OnFailure", "Never"],
    (CORE + "PodSpec", "dnsPolicy"): ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
    (CORE + "PodSpec", "preemptionPolicy"): ["PreemptLowerPriority", "Never"],
    (CORE + "ContainerPort", "protocol"): ["TCP", "UDP", "SCTP"],
    (CORE + "ServicePort", "protocol"): ["TCP", "UDP", "SCTP"],
    (CORE + "EndpointPort", "protocol"): ["TCP", "UDP", "SCTP"],
    (CORE + "ServiceSpec", "type"): ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
    (CORE + "ServiceSpec", "sessionAffinity"): ["ClientIP", "None"],
    (CORE + "ServiceSpec", "externalTrafficPolicy"): ["Cluster", "Local"],
    (CORE + "ServiceSpec", "internalTrafficPolicy"): ["Cluster", "Local"],
    (CORE + "ServiceSpec", "ipFamilyPolicy"): ["SingleStack", "PreferDualStack", "RequireDualStack"],
    (CORE + "Toleration", "operator"): ["Exists", "Equal"],
    (CORE + "Toleration", "effect"): ["NoSchedule", "PreferNoSchedule", "NoExecute"],
    (CORE + "Taint", "effect"): ["NoSchedule", "PreferNoSchedule", "NoExecute"],
    (CORE + "NodeSelectorRequirement", "operator"): ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"],
    (CORE + "PersistentVolumeSpec", "persistentVolumeReclaimPolicy"): ["Retain", "Recycle", "Delete"],
    (CORE + "PersistentVolumeSpec", "volumeMode"): ["Filesystem", "Block"],
    (CORE + "PersistentVolumeClaimSpec", "volumeMode"): ["Filesystem", "Block"],
    (CORE + "SeccompProfile", "type"): ["RuntimeDefault", "Unconfined", "Localhost"],
    (CORE + "AppArmorProfile", "type"): ["RuntimeDefault", "Unconfined", "Localhost"],
    (CORE + "TopologySpreadConstraint", "whenUnsatisfiable"): ["DoNotSchedule", "ScheduleAnyway"],
    ("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement", "operator"): ["In", "NotIn", "Exists", "DoesNotExist"],
    ("io.k8s.api.apps.v1.DeploymentStrategy", "type"): ["Recreate", "RollingUpdate"],
    ("io.k8s.api.apps.v1.DaemonSetUpdateStrategy", "type"): ["RollingUpdate", "OnDelete"],
    ("io.k8s.api.apps.v1.StatefulSetUpdateStrategy", "type"): ["RollingUpdate", "OnDelete"],
    ("io.k8s.api.apps.v1.StatefulSetSpec", "podManagementPolicy"): ["OrderedReady", "Parallel"],
    ("io.k8s.api.batch.v1.CronJobSpec", "concurrencyPolicy"): ["Allow", "Forbid", "Replace"],
    ("io.k8s.api.batch.v1.JobSpec", "completionMode"): ["NonIndexed", "Indexed"],
    ("io.k8s.api.networking.v1.HTTPIngressPath", "pathType"): ["Exact", "Prefix", "ImplementationSpecific"],
    ("io.k8s.api.policy.v1.PodDisruptionBudgetSpec", "unhealthyPodEvictionPolicy"): ["IfHealthyBudget", "AlwaysAllow"],
}
ENUM_ITEMS = {
    (CORE + "PersistentVolumeClaimSpec", "accessModes"): ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"],
    (CORE + "PersistentVolumeSpec", "accessModes"): ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"],
    ("io.k8s.api.networking.v1.NetworkPolicySpec", "policyTypes"): ["Ingress", "Egress"],
}

RANGES = {"int32": (-(1 << 31), (1 << 31) - 1), "int64": (-(1 << 63), (1 << 63) - 1)}
SCHEMA_MAPS = ("properties", "$defs", "patternProperties")
SCHEMA_LISTS = ("oneOf", "anyOf", "allOf", "prefixItems")
SCHEMA_ONE = ("items", "additionalProperties", "not", "contains")
KEEP = {"type", "enum", "required", "$ref", "minimum", "maximum", "pattern", "const", "format"}


def clean(node: dict) -> dict:
    """One schema node without documentation, with the fixes of the module docstring."""
    out: dict = {}
    for key, value in node.items():
        if key in SCHEMA_MAPS:
            out[key] = {name: clean(sub) for name, sub in value.items()}
        elif key in SCHEMA_LISTS:
            out[key] = [clean(sub) for sub in value]
        elif key in SCHEMA_ONE:
            out[key] = clean(value) if isinstance(value, dict) else value
        elif key in KEEP:
            out[key] = value
        elif key.startswith("x-") or key in ("description", "default", "example"):
            continue
        else:
            raise ValueError(f"unexpected schema keyword {key!r}")
    fmt = out.get("format")
    if fmt in RANGES and "integer" in _types(out):
        out["minimum"], out["maximum"] = RANGES[fmt]
    elif fmt == "byte" and "string" in _types(out):
        out["pattern"] = BASE64_PATTERN
    elif fmt == "date-time" and "string" in _types(out):
        out["pattern"] = RFC3339_PATTERN
    out.pop("format", None)
    return out


def _types(node: dict) -> list:
    t = node.get("type", [])
    return t if isinstance(t, list) else [t]


def refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)


def build(path: Path, version: str, source: str) -> dict:
    raw = json.loads(path.read_text(encoding="utf-8"))["$defs"]
    kinds: dict[str, dict[str, str]] = {}
    for name, definition in raw.items():
        for gvk in definition.get("x-kubernetes-group-version-kind") or ():
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            # meta/v1 kinds (Status, WatchEvent, DeleteOptions ...) are listed under every
            # group version; keep a kind under a group version only from its own package
            if len(definition["x-kubernetes-group-version-kind"]) > 1:
                continue
            kinds.setdefault(api_version, {})[gvk["kind"]] = name
    defs = {name: clean(d) for name, d in raw.items()}
    for (name, prop), values in ENUMS.items():
        node = defs.get(name, {}).get("properties", {}).get(prop)
        if node is not None:
            node["enum"] = [*values, "", None]
    for (name, prop), values in ENUM_ITEMS.items():
        node = defs.get(name, {}).get("properties", {}).get(prop)
        if node is not None and isinstance(node.get("items"), dict):
            node["items"]["enum"] = [*values, None]
    defs[INT_OR_STRING] = {"type": ["string", "integer", "null"]}
    defs[QUANTITY] = {"type": ["string", "number", "null"], "pattern": QUANTITY_PATTERN}
    # keep what the kinds reach
    keep: set[str] = set()
    todo = [name for group in kinds.values() for name in group.values()]
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        found: set[str] = set()
        refs(defs[name], found)
        todo.extend(found - keep)
    return {
        "kubernetes": version,
        "source": source,
        "kinds": {av: dict(sorted(k.items())) for av, k in sorted(kinds.items())},
        "$defs": {name: defs[name] for name in sorted(keep)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    try:
        from importlib.metadata import version as dist_version

        import kubernetes_validate
    except ImportError:
        print("pip install kubernetes-validate first", file=sys.stderr)
        return 2
    base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    kv = dist_version("kubernetes-validate")
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("v*.json.gz"):
        old.unlink()
    for folder in sorted(base.glob("v*-local-strict")):
        m = re.match(r"v([0-9]+)\.([0-9]+)\.[0-9]+-local-strict\Z", folder.name)
        if not m:
            continue
        version = f"{m.group(1)}.{m.group(2)}"
        data = build(folder / "_definitions.json", version, f"kubernetes-validate {kv}, {folder.name}")
        text = json.dumps(data, sort_keys=False, separators=(",", ":")).encode()
        target = args.out / f"v{version}.json.gz"
        with open(target, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
            gz.write(text)
        n = sum(len(k) for k in data["kinds"].values())
        print(f"{target.relative_to(ROOT)}: {n} kinds, {len(data['$defs'])} definitions, "
              f"{len(text) // 1024} KB JSON, {target.stat().st_size // 1024} KB gzipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
