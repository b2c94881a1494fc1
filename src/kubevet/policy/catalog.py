"""The rules that CEL can express, written in CEL, and why the others are not exported.

Every entry here is proven equivalent to its Python rule by tests/policy: each CEL
expression is evaluated with a real CEL implementation on every fixture of the rule and
on the peer conformance cases the rule covers, and must reach the Python rule's verdict on
every object. A rule with no such test is not exported (``REASONS`` says why not).

Pod-bearing kinds share the variables ``podSpec``, ``podMeta`` and the container lists,
so a rule's CEL reads the same for a Pod, a Deployment or a CronJob. Inside a container
predicate, ``c`` is the container and ``SC`` stands for its securityContext (written out
when the policy is built).
"""

from __future__ import annotations

from dataclasses import dataclass

# (API group, version, resource) of each kind a policy may match
WORKLOAD_RESOURCES = {
    "Pod": ("", "v1", "pods"),
    "ReplicationController": ("", "v1", "replicationcontrollers"),
    "PodTemplate": ("", "v1", "podtemplates"),
    "Deployment": ("apps", "v1", "deployments"),
    "DaemonSet": ("apps", "v1", "daemonsets"),
    "ReplicaSet": ("apps", "v1", "replicasets"),
    "StatefulSet": ("apps", "v1", "statefulsets"),
    "Job": ("batch", "v1", "jobs"),
    "CronJob": ("batch", "v1", "cronjobs"),
    "DeploymentConfig": ("apps.openshift.io", "v1", "deploymentconfigs"),  # OpenShift's
}
OTHER_RESOURCES = {"Service": ("", "v1", "services")}
RESOURCES = {**WORKLOAD_RESOURCES, **OTHER_RESOURCES}


def _guarded(path: str) -> str:
    """``object.a.b.c`` when every step exists, else ``{}`` (Python's rules then see no pod)."""
    parts = path.split(".")
    checks = " && ".join(f"has({'.'.join(parts[: i + 1])})" for i in range(1, len(parts)))
    return f"({checks} ? {path} : {{}})"


def _list(base: str, field: str) -> str:
    return f"(has({base}.{field}) ? {base}.{field} : [])"


POD_VARIABLES = [
    ("podSpec",
     "object.kind == 'Pod' ? " + _guarded("object.spec")
     + " : object.kind == 'PodTemplate' ? " + _guarded("object.template.spec")
     + " : object.kind == 'CronJob' ? " + _guarded("object.spec.jobTemplate.spec.template.spec")
     + " : " + _guarded("object.spec.template.spec")),
    ("podMeta",
     "object.kind == 'Pod' ? " + _guarded("object.metadata")
     + " : object.kind == 'PodTemplate' ? " + _guarded("object.template.metadata")
     + " : object.kind == 'CronJob' ? " + _guarded("object.spec.jobTemplate.spec.template.metadata")
     + " : " + _guarded("object.spec.template.metadata")),
    # every container, as kubevet.k8s.workloads.containers lists them
    ("allContainers", " + ".join(_list("variables.podSpec", f) for f in ("containers", "initContainers", "ephemeralContainers"))),
    # the containers that take resources (ephemeral ones cannot)
    ("resourcedContainers", " + ".join(_list("variables.podSpec", f) for f in ("containers", "initContainers"))),
    ("windows",
     "(has(variables.podSpec.os) && has(variables.podSpec.os.name) && variables.podSpec.os.name == 'windows')"
     " || (has(variables.podSpec.nodeSelector) && 'kubernetes.io/os' in variables.podSpec.nodeSelector"
     " && variables.podSpec.nodeSelector['kubernetes.io/os'] == 'windows')"),
]

SC = "(has(c.securityContext) ? c.securityContext : {})"


@dataclass(frozen=True)
class Check:
    """One CEL validation: pod-level (``pod``: true when the object is fine) or per container
    (``bad``: true for a container the rule reports; ``containers``: which list)."""

    message: str  # what is wrong, after the container names for container checks
    pod: str | None = None
    bad: str | None = None
    containers: str = "allContainers"
    unless: str | None = None  # a pod-level condition under which the check passes
    suppressible: bool = True  # container-level kubevet.io/ignore.<name> annotations apply


@dataclass(frozen=True)
class CelRule:
    rule: str  # the kubevet rule name
    kinds: tuple[str, ...]
    checks: tuple[Check, ...]
    pod_variables: bool = True


def _shared(field: str, namespace: str) -> CelRule:
    return CelRule(field_rule[field], tuple(WORKLOAD_RESOURCES), (Check(
        f"{field} is true: the pod shares the node's {namespace}",
        pod=f"!(has(variables.podSpec.{field}) && variables.podSpec.{field} == true)",
    ),))


field_rule = {"hostNetwork": "host-network", "hostPID": "host-pid", "hostIPC": "host-ipc"}


def _cap(n: str) -> str:
    """A capability name as the runtime reads it (capability_name): trimmed, upper case, no CAP_."""
    return f"({n}.trim().upperAscii().startsWith('CAP_') ? {n}.trim().upperAscii().substring(4) : {n}.trim().upperAscii())"


_PRIVILEGED = f"(has({SC}.privileged) && {SC}.privileged == true)"
_OWN_HOST_PROCESS = f"(has({SC}.windowsOptions) && has({SC}.windowsOptions.hostProcess))"
_POD_HOST_PROCESS = (
    "(has(variables.podSpec.securityContext) && has(variables.podSpec.securityContext.windowsOptions)"
    " && has(variables.podSpec.securityContext.windowsOptions.hostProcess)"
    " && variables.podSpec.securityContext.windowsOptions.hostProcess == true)"
)
_CAPS_ADD = f"(has({SC}.capabilities) && has({SC}.capabilities.add) ? {SC}.capabilities.add : [])"


def _owned(kind: str | None) -> str:
    refs = "object.metadata.ownerReferences"
    if kind is None:
        return f"(has({refs}) && size({refs}) > 0)"
    return f"(has({refs}) && {refs}.exists(r, has(r.kind) && r.kind == '{kind}'))"


# annotations that hand an object's lifecycle to a deploy tool (kubevet.rules.hygiene._common)
_HOOK = ("(has(object.metadata.annotations) && ('helm.sh/hook' in object.metadata.annotations"
         " || 'argocd.argoproj.io/hook' in object.metadata.annotations))")


def _resource_missing(section: str, resource: str) -> str:
    return (
        f"!(has(c.resources) && has(c.resources.{section}) && '{resource}' in c.resources.{section})"
    )


CATALOG: dict[str, CelRule] = {r.rule: r for r in [
    _shared("hostNetwork", "network namespace"),
    _shared("hostPID", "process ID namespace"),
    _shared("hostIPC", "IPC namespace"),
    CelRule("host-port", tuple(WORKLOAD_RESOURCES), (Check(
        "binds a port of the node (hostPort)",
        bad="has(c.ports) && c.ports.exists(p, has(p.hostPort) && type(p.hostPort) == int && p.hostPort != 0)",
        unless="has(variables.podSpec.hostNetwork) && variables.podSpec.hostNetwork == true",
    ),)),
    CelRule("privileged-container", tuple(WORKLOAD_RESOURCES), (
        Check("runs privileged", bad=_PRIVILEGED),
        Check("runs directly on the node (windowsOptions.hostProcess: true)",
              bad=f"{_OWN_HOST_PROCESS} && {SC}.windowsOptions.hostProcess == true"),
        # inherited from the pod: one finding at the pod's field, which a container's own
        # suppression does not cover
        Check("inherit windowsOptions.hostProcess: true from the pod and run directly on the node",
              bad=f"!{_OWN_HOST_PROCESS} && {_POD_HOST_PROCESS}", suppressible=False),
    )),
    CelRule("privilege-escalation-allowed", tuple(WORKLOAD_RESOURCES), (Check(
        "may escalate privileges: set allowPrivilegeEscalation: false (and neither privileged nor SYS_ADMIN)",
        bad=(f"{_PRIVILEGED} || {_CAPS_ADD}.exists(n, type(n) == string && {_cap('n')} in ['SYS_ADMIN', 'ALL'])"
             f" || !has({SC}.allowPrivilegeEscalation) || {SC}.allowPrivilegeEscalation == true"),
        unless="variables.windows",
    ),)),
    CelRule("root-filesystem-writable", tuple(WORKLOAD_RESOURCES), (Check(
        "has a writable root filesystem (set readOnlyRootFilesystem: true)",
        bad=f"!has({SC}.readOnlyRootFilesystem) || {SC}.readOnlyRootFilesystem == false",
        unless="variables.windows",
    ),)),
    CelRule("proc-mount-unmasked", tuple(WORKLOAD_RESOURCES), (Check(
        "sets a procMount other than Default (only Default masks /proc)",
        bad=(f"has({SC}.procMount) && {SC}.procMount != 'Default'"
             f" && !({SC}.procMount == 'Unmasked' && has(variables.podSpec.hostUsers) && variables.podSpec.hostUsers == false)"),
    ),)),
    CelRule("image-pull-policy-never", tuple(WORKLOAD_RESOURCES), (Check(
        "never pulls its image (imagePullPolicy: Never)",
        bad="has(c.imagePullPolicy) && c.imagePullPolicy == 'Never'",
    ),)),
    CelRule("cpu-request-missing", tuple(WORKLOAD_RESOURCES), (Check(
        "has no CPU request", containers="resourcedContainers",
        bad=f"{_resource_missing('requests', 'cpu')} && {_resource_missing('limits', 'cpu')}",
    ),)),
    CelRule("memory-request-missing", tuple(WORKLOAD_RESOURCES), (Check(
        "has no memory request", containers="resourcedContainers",
        bad=f"{_resource_missing('requests', 'memory')} && {_resource_missing('limits', 'memory')}",
    ),)),
    CelRule("memory-limit-missing", tuple(WORKLOAD_RESOURCES), (Check(
        "has no memory limit", containers="resourcedContainers", bad=_resource_missing("limits", "memory"),
    ),)),
    CelRule("cronjob-deadline-missing", ("CronJob",), (Check(
        "the CronJob sets no startingDeadlineSeconds: missed runs start however late",
        pod="has(object.spec) && has(object.spec.startingDeadlineSeconds)",
    ),)),
    CelRule("job-ttl-missing", ("Job",), (Check(
        "the Job sets no ttlSecondsAfterFinished: it and its pods stay after it finishes",
        pod=(f"{_owned('CronJob')} || {_HOOK} || (has(object.spec) && has(object.spec.ttlSecondsAfterFinished))"),
    ),)),
    CelRule("naked-pod", ("Pod",), (Check(
        "the Pod has no controller: nothing recreates it when it is evicted or its node goes away",
        pod=f"{_owned(None)} || {_HOOK}",
    ),)),
    CelRule("service-type-nodeport", ("Service",), (Check(
        "type NodePort opens the Service's ports on every node of the cluster",
        pod="!(has(object.spec) && has(object.spec.type) && object.spec.type == 'NodePort')",
    ),), pod_variables=False),
]}

# why a rule is not exported, for the object-scope rules CEL could in principle judge
REASONS: dict[str, str] = {
    "api-deprecated": "the API server itself warns about deprecated API versions",
    "api-removed": "the API server itself refuses removed API versions",
    "object-invalid": "the API server itself validates objects",
    "label-value-invalid": "the API server itself validates label values",
    "requests-exceed-limits": "compares quantities; Kubernetes' CEL quantity() library is not in kubevet's CEL engine, so no equivalence proof",
    "cpu-limit-missing": "has an option (required) and is info by default: not exported yet",
    "ephemeral-storage-unset": "info, an opinion: not exported",
    "image-tag-mutable": "parses image references (registry ports, digests, tags) beyond what the equivalence tests cover yet",
    "image-digest-missing": "parses image references: not exported yet",
    "host-path-mount": "normalises host paths and compares them with option lists: not expressed in CEL yet",
    "run-as-root": "follows user namespaces, images and Windows options through several levels: not expressed in CEL yet",
    "seccomp-profile-missing": "merges pod and container profiles, annotations included: not expressed in CEL yet",
    "capabilities-not-dropped": "has an option (must-drop) with capability name normalisation: not expressed in CEL yet",
    "dangerous-capability-added": "has an option (capabilities): not expressed in CEL yet",
    "unsafe-sysctl": "depends on the Kubernetes version and an allow-list option: not expressed in CEL yet",
    "low-user-id": "info, with an option: not exported",
    "secret-in-env": "matches names against option patterns: not expressed in CEL yet",
    "secret-in-configmap": "matches keys against option patterns: not expressed in CEL yet",
    "cronjob-concurrency-unset": "the API server defaults concurrencyPolicy to Allow before validating: a policy never sees it unset",
    "default-namespace": "about manifests that name no namespace; an admitted object always has one",
    "pdb-policy-missing": "info, an opinion: not exported",
    "priority-class-missing": "has an option (allowed-classes) and is info: not exported",
    "graceful-shutdown-missing": "has an option (min-grace-seconds) and is info: not exported",
}
GENERIC = "no CEL translation with an equivalence test yet"
