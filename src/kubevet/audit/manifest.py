"""A live object turned back into the manifest it came from, as far as rules are concerned.

What the API server adds to an object must not create findings that a scan of the
manifest would not: the bookkeeping in ``metadata`` (``managedFields``, ``uid``,
``resourceVersion``, timestamps, ``kubectl``'s last-applied copy), ``status``, and the
defaults the server fills in. Defaults are removed only where they equal the value
Kubernetes would default to anyway, so the object means exactly what it meant before:
the live Deployment and the manifest it came from describe the same pods.
"""

from __future__ import annotations

import copy

_METADATA_NOISE = (
    "managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink",
    "deletionTimestamp", "deletionGracePeriodSeconds",
)
_ANNOTATION_NOISE = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
)



class Computed:
    """A default that depends on the object around it: ``fn(node)`` -> the default value."""

    def __init__(self, fn) -> None:
        self.fn = fn


class Items:
    """Each item of a list, matched to the applied configuration by ``key`` (or position)."""

    def __init__(self, spec: dict, key: str | None = None) -> None:
        self.spec, self.key = spec, key


def _image_pull_policy(container: dict):
    image = str(container.get("image") or "")
    tag = image.rpartition("/")[2]
    return "Always" if "@" not in image and (":" not in tag or tag.endswith(":latest")) else "IfNotPresent"


def _not_headless(field: str):
    return Computed(lambda node: node.get(field) if node.get(field) != "None" else object())


def _cluster_ips(spec: dict):
    if spec.get("clusterIPs") != ["None"]:
        return spec.get("clusterIPs")
    return ["None"] if spec.get("clusterIP") == "None" else object()


_PROBE = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3, "httpGet": {"scheme": "HTTP"}}
_CONTAINER = {
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "imagePullPolicy": Computed(_image_pull_policy),
    "resources": {},
    "ports": Items({"protocol": "TCP"}),
    "livenessProbe": _PROBE, "readinessProbe": _PROBE, "startupProbe": _PROBE,
}
# SetDefaults_PodSpec and friends; serviceAccount is the server's copy of serviceAccountName
_POD_SPEC = {
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "securityContext": {},
    "terminationGracePeriodSeconds": 30,
    "enableServiceLinks": True,
    "serviceAccount": Computed(lambda spec: spec.get("serviceAccountName")),
    "containers": Items(_CONTAINER, "name"),
    "initContainers": Items(_CONTAINER, "name"),
}
_TEMPLATE = {"spec": _POD_SPEC}
_JOB_SPEC = {
    "template": _TEMPLATE, "backoffLimit": 6, "completionMode": "NonIndexed", "suspend": False,
    "podReplacementPolicy": "TerminatingOrFailed", "parallelism": 1, "completions": 1,
}
DEFAULTS: dict[tuple[str, str], dict] = {
    ("", "Pod"): {"spec": _POD_SPEC},
    ("", "PodTemplate"): {"template": _TEMPLATE},
    ("", "ReplicationController"): {"spec": {"template": _TEMPLATE}},
    ("apps", "Deployment"): {"spec": {
        "template": _TEMPLATE, "progressDeadlineSeconds": 600, "revisionHistoryLimit": 10,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
    }},
    ("apps", "ReplicaSet"): {"spec": {"template": _TEMPLATE}},
    ("apps", "StatefulSet"): {"spec": {
        "template": _TEMPLATE, "podManagementPolicy": "OrderedReady", "revisionHistoryLimit": 10,
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
        "volumeClaimTemplates": Items({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "status": Computed(lambda claim: claim.get("status")),
            "spec": {"volumeMode": "Filesystem"},
        }),
    }},
    ("apps", "DaemonSet"): {"spec": {
        "template": _TEMPLATE, "revisionHistoryLimit": 10,
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
    }},
    ("batch", "Job"): {"spec": _JOB_SPEC},
    ("batch", "CronJob"): {"spec": {
        "concurrencyPolicy": "Allow", "suspend": False, "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 1, "jobTemplate": {"metadata": {}, "spec": _JOB_SPEC},
    }},
    ("", "Service"): {"spec": {
        "type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
        "ipFamilyPolicy": "SingleStack", "ipFamilies": Computed(lambda spec: spec.get("ipFamilies")),
        # allocated addresses go; "None" (headless) is the manifest's, and clusterIPs its copy
        "clusterIP": _not_headless("clusterIP"), "clusterIPs": Computed(_cluster_ips),
        "externalTrafficPolicy": "Cluster", "allocateLoadBalancerNodePorts": True,
        "ports": Items({"protocol": "TCP", "targetPort": Computed(lambda port: port.get("port"))}),
    }},
    ("", "PersistentVolumeClaim"): {"spec": {"volumeMode": "Filesystem"}},
    ("", "Namespace"): {"spec": {"finalizers": ["kubernetes"]}},
    ("networking.k8s.io", "NetworkPolicy"): {"spec": {
        "policyTypes": Computed(lambda spec: ["Ingress", "Egress"] if "egress" in spec else ["Ingress"]),
        "ingress": Items({"ports": Items({"protocol": "TCP"})}),
        "egress": Items({"ports": Items({"protocol": "TCP"})}),
    }},
    ("scheduling.k8s.io", "PriorityClass"): {"preemptionPolicy": "PreemptLowerPriority"},
    ("autoscaling", "HorizontalPodAutoscaler"): {"spec": {"minReplicas": 1}},
}
_ABSENT = object()


def as_manifest(live: dict, like: dict | None = None) -> dict:
    """A copy of ``live`` without what the API server added; ``live`` is not changed.

    With kubectl's last-applied configuration in the annotations, a default is removed
    only where that configuration does not have the field (so an explicit
    ``concurrencyPolicy: Allow`` stays); without it, wherever the value is the default.
    ``like``, a manifest the result is to be compared with (``kubevet diff --live``),
    takes the place of the last-applied configuration: a default stays where ``like``
    states the field, so ``periodSeconds: 10`` written out compares equal to the default.
    """
    obj = copy.deepcopy(live)
    obj.pop("status", None)
    meta = obj.get("metadata")
    applied = like if isinstance(like, dict) else None
    if isinstance(meta, dict):
        for key in _METADATA_NOISE:
            meta.pop(key, None)
        annotations = meta.get("annotations")
        if isinstance(annotations, dict):
            if like is None:
                applied = _parse(annotations.get("kubectl.kubernetes.io/last-applied-configuration"))
            for key in _ANNOTATION_NOISE:
                annotations.pop(key, None)
            if not annotations:
                meta.pop("annotations")
        labels = meta.get("labels")
        # the label the API server puts on every namespace
        if obj.get("kind") == "Namespace" and isinstance(labels, dict):
            applied_labels = ((applied or {}).get("metadata") or {}).get("labels") or {}
            if labels.get("kubernetes.io/metadata.name") == meta.get("name") and "kubernetes.io/metadata.name" not in applied_labels:
                labels.pop("kubernetes.io/metadata.name")
                if not labels:
                    meta.pop("labels")
    api_version = str(obj.get("apiVersion", ""))
    spec = DEFAULTS.get((api_version.rpartition("/")[0] if "/" in api_version else "", str(obj.get("kind", ""))))
    if spec:
        _strip(obj, spec, applied if applied is not None else _ABSENT)
    if obj.get("kind") == "Secret":  # key names matter to rules, values never leave here
        for field in ("data", "stringData"):
            if isinstance(obj.get(field), dict):
                obj[field] = {key: "" for key in obj[field]}
    return obj


def _parse(text):
    import json

    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _strip(node: dict, spec: dict, applied) -> None:
    """Remove from ``node`` the defaults of ``spec``. ``applied``: the same node of the last
    applied configuration ({} where it has none), or _ABSENT when there is none at all."""
    for field, default in spec.items():
        if field not in node:
            continue
        written = applied is not _ABSENT and field in applied
        sub_applied = _ABSENT if applied is _ABSENT else (applied.get(field) if written else {})
        value = node[field]
        if isinstance(default, Items):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        _strip(item, default.spec, _item(sub_applied, item, i, default.key))
            continue
        if isinstance(default, dict) and default and isinstance(value, dict):
            before = bool(value)
            _strip(value, default, sub_applied if isinstance(sub_applied, dict) or sub_applied is _ABSENT else {})
            if before and not value and not written:
                del node[field]
            continue
        expected = default.fn(node) if isinstance(default, Computed) else default
        if value == expected and not written:
            del node[field]


def _item(applied_list, item: dict, index: int, key: str | None):
    if applied_list is _ABSENT:
        return _ABSENT
    if not isinstance(applied_list, list):
        return {}
    if key is not None:
        for candidate in applied_list:
            if isinstance(candidate, dict) and candidate.get(key) == item.get(key):
                return candidate
        return {}
    candidate = applied_list[index] if index < len(applied_list) else {}
    return candidate if isinstance(candidate, dict) else {}
