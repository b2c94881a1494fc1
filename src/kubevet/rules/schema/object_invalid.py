import re

from kubevet.findings import Finding
from kubevet.k8s.names import label_problem, subdomain_problem
from kubevet.k8s.namespaces import cluster_scoped
from kubevet.k8s.quantity import parse_quantity
from kubevet.k8s.workloads import containers
from kubevet.rules._base import rule

# k8s.io/apimachinery/pkg/util/validation
_QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_IANA = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?\Z")
ANNOTATIONS_MAX = 256 * 1024

# metadata.name syntax by kind (ValidateXName in pkg/apis/*/validation); the rest: subdomain
_NAME_AS = {
    ("", "Namespace"): "label",
    ("apps", "StatefulSet"): "label",  # ValidateStatefulSetName: its pods' hostnames
    ("", "Service"): "dns1035",
    **{("rbac.authorization.k8s.io", k): "segment" for k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")},
}
_TEMPLATE_ALWAYS = {("apps", k) for k in ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet")} | {("", "ReplicationController")}
_TEMPLATE_NOT_ALWAYS = {("batch", "Job"), ("batch", "CronJob")}


def _name_problem(obj, name: str) -> str | None:
    how = _NAME_AS.get((obj.group, obj.kind), "subdomain")
    if how == "label":
        return label_problem(name)
    if how == "dns1035":
        return label_problem(name, dns1035=True)
    if how == "segment":
        if name in (".", "..") or "/" in name or "%" in name:
            return "a path segment: not '.' or '..', without '/' or '%'"
        return None
    problem = subdomain_problem(name)
    if problem is None and (obj.group, obj.kind) == ("batch", "CronJob") and len(name) > 52:
        return f"at most 52 characters for a CronJob, whose Jobs add 11 (it has {len(name)})"
    return problem


def _iana_problem(name: str) -> str | None:
    if len(name) > 15:
        return f"at most 15 characters (it has {len(name)})"
    if not _IANA.match(name) or "--" in name:
        return "lowercase letters, digits and single '-' between them"
    if not re.search(r"[a-z]", name):
        return "at least one letter"
    return None


def _qualified_key_problem(key: str) -> str | None:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or subdomain_problem(prefix)):
        return "its prefix before '/' must be a DNS-1123 subdomain"
    if not name or len(name) > 63 or not _QUALIFIED.match(name):
        return "its name must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
    return None


def spec_list(spec: dict, key: str) -> list:
    value = spec.get(key)
    return value if isinstance(value, list) else []


def _port_number(value, allow_zero: bool = False) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and (0 if allow_zero else 1) <= value <= 65535


@rule(code="SCH003", name="object-invalid", severity="error")
def check(obj, ctx):
    """The API server would reject the object for a rule its schema does not express.

    ## What it checks
    What kube-apiserver validates in code (`pkg/apis/*/validation`) rather than in the
    OpenAPI schema that `schema-invalid` (SCH001) uses. Each check names the validation
    it mirrors:

    - `metadata.name` (ValidateObjectMeta with each kind's name validator): required
      unless `generateName` is set; a DNS-1123 subdomain (at most 253 characters) for
      most kinds, custom resources included; a DNS-1123 label for Namespaces; a DNS-1035
      label (starting with a letter) for Services; a DNS-1123 label for StatefulSets
      (their pods' hostnames); a path segment for RBAC kinds; at most 52 characters for
      CronJobs. `metadata.namespace` is a DNS-1123 label (not checked on cluster-scoped
      kinds: the API server ignores it there).
    - annotations (ValidateAnnotations): keys are qualified names (an optional DNS
      subdomain prefix and `/`, then at most 63 characters); all keys and values
      together at most 256 KiB. Labels are `label-value-invalid` (HYG003).
    - containers of pod templates (validateContainers): a DNS-1123 label `name`, unique
      across containers, init containers and ephemeral containers; an `image`
      (regular and init containers); port names are IANA service names (at most 15
      characters, at least one letter) unique within the container; `containerPort`
      1-65535 and `hostPort` 0-65535; every `volumeMounts[].name` is a volume of the pod;
      volume names are unique DNS-1123 labels (a StatefulSet's `volumeClaimTemplates`
      count as volumes for the mounts, and may share a volume's name); resource
      quantities are not negative; `serviceAccountName` is a DNS-1123 subdomain.
    - pod templates (ValidatePodTemplateSpecForX): `restartPolicy` must be `Always` for
      Deployments, ReplicaSets, DaemonSets, StatefulSets and ReplicationControllers,
      and `OnFailure` or `Never` for Jobs and CronJobs.
    - Deployments (ValidateDeploymentStrategy): no `rollingUpdate` with the `Recreate`
      strategy; `maxSurge` and `maxUnavailable` not both 0, each a number of pods that
      is not negative or a percentage (`25%`, not `-5%` or `%`), `maxUnavailable` at
      most 100%.
    - workloads: `spec: null` or `template: null` (and a CronJob's `jobTemplate: null`),
      which the API server decodes as empty, without the pod template it requires.
    - Services (ValidateService): at least one port unless headless or ExternalName;
      ports 1-65535, named when there are several, with
      unique names (`targetPort` values are `service-target-port-undeclared`'s); no `nodePort`
      on a ClusterIP Service; `externalName` set for type ExternalName.
    - PodDisruptionBudgets: not both `minAvailable` and `maxUnavailable`.
    - HorizontalPodAutoscalers: `minReplicas` at least 1 and not above `maxReplicas`.
    - RoleBindings and ClusterRoleBindings: a ServiceAccount subject's `name` is a
      DNS-1123 subdomain.
    - CustomResourceDefinitions: `metadata.name` is `<spec.names.plural>.<spec.group>`;
      exactly one of `spec.versions` is the storage version.

    Requests above limits are `requests-exceed-limits` (RES005), a missing apps/v1
    `spec.selector` is `selector-missing` (AVL008), and label syntax is
    `label-value-invalid` (HYG003): they are not repeated here.

    ## Why it matters
    The API server refuses the object, so `kubectl apply` stops half-way; and these
    rules are not in any schema, so schema validators (kubeconform, kubeval) pass them.
    A Service port name of 16 characters or an uppercase container name is found only
    at deploy time.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: Web_App
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          restartPolicy: Never
          containers:
            - name: web
              image: nginx:1.27
              ports:
                - name: http-metrics-port
                  containerPort: 8080
              volumeMounts:
                - name: cache
                  mountPath: /cache
    ```

    ## Fix
    Rename or correct the field the message names; the message quotes the rule the API server applies.

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web-app
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: nginx:1.27
              ports:
                - name: metrics
                  containerPort: 8080
              volumeMounts:
                - name: cache
                  mountPath: /cache
          volumes:
            - name: cache
              emptyDir: {}
    ```

    ## Options
    None.

    ## References
    - Object names and IDs: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
    - Annotations, syntax and character set: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/#syntax-and-character-set
    - Pod validation (`pkg/apis/core/validation/validation.go`) and apps/batch/policy/autoscaling validation in kubernetes/kubernetes.
    - Peers: kube-linter `schema-validation` and kubeconform do not check these (they
      are not in the schemas); kube-score checks some names.
    """
    yield from _metadata(obj, ctx)
    yield from _null_parts(obj)
    template = ctx.pod_template(obj)
    if template is not None:
        yield from _pod(obj, template)
    identity = (obj.group, obj.kind)
    spec = obj.spec
    if identity == ("apps", "Deployment"):
        yield from _deployment(spec)
    elif identity == ("", "Service"):
        yield from _service(spec)
    elif identity == ("policy", "PodDisruptionBudget"):
        if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
            yield Finding("spec: minAvailable and maxUnavailable cannot both be set", ("spec", "maxUnavailable"))
    elif identity == ("autoscaling", "HorizontalPodAutoscaler"):
        low, high = spec.get("minReplicas"), spec.get("maxReplicas")
        if isinstance(low, int) and not isinstance(low, bool) and low < 1:
            yield Finding(f"spec.minReplicas must be at least 1 (it is {low})", ("spec", "minReplicas"))
        elif isinstance(low, int) and isinstance(high, int) and low > high:
            yield Finding(f"spec.minReplicas ({low}) must not be more than spec.maxReplicas ({high})", ("spec", "minReplicas"))
    elif identity in _BINDINGS:
        yield from _subjects(obj.data.get("subjects"))
    elif identity == ("apiextensions.k8s.io", "CustomResourceDefinition"):
        names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
        plural, group = names.get("plural"), spec.get("group")
        if isinstance(plural, str) and isinstance(group, str) and obj.name and obj.name != f"{plural}.{group}":
            yield Finding(f"metadata.name must be spec.names.plural + \".\" + spec.group: {plural}.{group}", ("metadata", "name"))
        versions = spec.get("versions")
        if isinstance(versions, list):
            storage = [v for v in versions if isinstance(v, dict) and v.get("storage") is True]
            if len(storage) != 1:
                yield Finding(f"spec.versions must have exactly one version marked as storage version (it has {len(storage)})", ("spec", "versions"))


# where each workload kind keeps what the API server requires of it
_REQUIRED_PARTS = {
    **{identity: (("spec",), ("spec", "template")) for identity in _TEMPLATE_ALWAYS},
    ("batch", "Job"): (("spec",), ("spec", "template")),
    ("batch", "CronJob"): (("spec",), ("spec", "jobTemplate"), ("spec", "jobTemplate", "spec"), ("spec", "jobTemplate", "spec", "template")),
}


def _null_parts(obj):
    """``spec: null`` or ``template: null``: the API server decodes null as an empty value,
    which lacks what it requires (a pod template, its containers), and rejects the object;
    the schema alone accepts null for any field."""
    node = obj.data
    for path in _REQUIRED_PARTS.get((obj.group, obj.kind), ()):
        parent = node
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and path[-1] in parent and parent[path[-1]] is None:
            where = ".".join(path)
            yield Finding(f"{where} is null: the API server reads it as empty, without the pod template it requires, and rejects the {obj.kind}", path)
            return


def _metadata(obj, ctx):
    meta = obj.metadata
    name = meta.get("name")
    if isinstance(name, str) and name:
        problem = _name_problem(obj, name)
        if problem:
            yield Finding(f"metadata.name {name!r} must be {problem}", ("metadata", "name"))
    elif not meta.get("generateName"):
        yield Finding("metadata.name is required (or metadata.generateName)", ("metadata",) if "metadata" in obj.data else ())
    namespace = meta.get("namespace")
    # the API server ignores the namespace of a cluster-scoped object
    if isinstance(namespace, str) and namespace and not cluster_scoped(obj):
        problem = label_problem(namespace)
        if problem:
            yield Finding(f"metadata.namespace {namespace!r} must be {problem}", ("metadata", "namespace"))
    yield from _annotations(meta, ("metadata",))


def _annotations(meta: dict, base: tuple):
    annotations = meta.get("annotations")
    if not isinstance(annotations, dict):
        return
    total = 0
    for key, value in annotations.items():
        problem = _qualified_key_problem(key)
        if problem:
            yield Finding(f"annotation key {key!r} is invalid: {problem}", (*base, "annotations", key))
        total += len(key.encode()) + (len(value.encode()) if isinstance(value, str) else 0)
    if total > ANNOTATIONS_MAX:
        yield Finding(f"annotations total {total:,} bytes, more than the 262,144 (256 KiB) the API server allows", (*base, "annotations"))


def _pod(obj, template):
    """What the API server rejects in a pod template: its restart policy, ServiceAccount
    names, volume names, and each container (names, image, ports, mounts, negative
    resources)."""
    if template.path:
        yield from _annotations(template.metadata, (*template.path, "metadata"))
    yield from _restart_policy(obj, template)
    yield from _service_account_names(template)
    volume_names: set[str] = set()
    yield from _volumes(template, volume_names)
    mountable = volume_names | _claim_names(obj)
    seen: dict[str, str] = {}
    for c in containers(template):
        yield from _container_name(c, seen)
        if c.section != "ephemeralContainers" and not c.data.get("image") and "image" not in c.data:
            yield Finding(f"container {c.name!r} has no image", c.path)
        yield from _container_ports(c)
        yield from _volume_mounts(c, mountable)
        yield from _negative_resources(c)


def _restart_policy(obj, template):
    identity = (obj.group, obj.kind)
    policy = template.spec.get("restartPolicy")
    path = (*template.spec_path, "restartPolicy")
    if identity in _TEMPLATE_ALWAYS and policy is not None and policy != "Always":
        yield Finding(f"restartPolicy must be Always in a {obj.kind}'s pod template (it is {policy!r})", path)
    elif identity in _TEMPLATE_NOT_ALWAYS and policy == "Always":
        yield Finding(f"restartPolicy must be OnFailure or Never in a {obj.kind}'s pod template", path)


def _service_account_names(template):
    for key in ("serviceAccountName", "serviceAccount"):
        account = template.spec.get(key)
        if isinstance(account, str) and account:
            problem = subdomain_problem(account)
            if problem:
                yield Finding(f"{key} {account!r} must be {problem}", (*template.spec_path, key))


def _claim_names(obj) -> set[str]:
    """A StatefulSet's volumeClaimTemplates are volumes of its pods too (mounts may name
    them); a claim may share a volume's name, which the API server accepts."""
    names: set[str] = set()
    if (obj.group, obj.kind) == ("apps", "StatefulSet"):
        for claim in spec_list(obj.spec, "volumeClaimTemplates"):
            claim_meta = claim.get("metadata") if isinstance(claim, dict) else None
            if isinstance(claim_meta, dict) and isinstance(claim_meta.get("name"), str):
                names.add(claim_meta["name"])
    return names


def _volumes(template, volume_names: set[str]):
    """Volume names: valid labels, each once; fills ``volume_names``."""
    spec, base = template.spec, template.spec_path
    volumes = spec.get("volumes") if isinstance(spec.get("volumes"), list) else []
    for i, volume in enumerate(volumes):
        vname = volume.get("name") if isinstance(volume, dict) else None
        if not isinstance(vname, str):
            continue
        problem = label_problem(vname)
        if problem:
            yield Finding(f"volume name {vname!r} must be {problem}", (*base, "volumes", i, "name"))
        if vname in volume_names:
            yield Finding(f"volume name {vname!r} is used twice", (*base, "volumes", i, "name"))
        volume_names.add(vname)


def _container_name(c, seen: dict[str, str]):
    name = c.data.get("name")
    if not isinstance(name, str) or not name:
        return
    problem = label_problem(name)
    if problem:
        yield Finding(f"container name {name!r} must be {problem}", (*c.path, "name"))
    if name in seen:
        yield Finding(f"container name {name!r} is already used by another container of the pod ({seen[name]})", (*c.path, "name"))
    else:
        seen[name] = c.section


def _container_ports(c):
    port_names: set[str] = set()
    for i, port in enumerate(c.data.get("ports") if isinstance(c.data.get("ports"), list) else []):
        if not isinstance(port, dict):
            continue
        pname = port.get("name")
        if isinstance(pname, str) and pname:
            problem = _iana_problem(pname)
            if problem:
                yield Finding(f"port name {pname!r} must be an IANA service name: {problem}", (*c.path, "ports", i, "name"))
            if pname in port_names:
                yield Finding(f"port name {pname!r} is used twice in container {c.name!r}", (*c.path, "ports", i, "name"))
            port_names.add(pname)
        number = port.get("containerPort")
        if isinstance(number, int) and not _port_number(number):
            yield Finding(f"containerPort {number} must be between 1 and 65535", (*c.path, "ports", i, "containerPort"))
        host = port.get("hostPort")
        if isinstance(host, int) and not _port_number(host, allow_zero=True):
            yield Finding(f"hostPort {host} must be between 1 and 65535", (*c.path, "ports", i, "hostPort"))


def _volume_mounts(c, mountable: set[str]):
    mounts = c.data.get("volumeMounts") if isinstance(c.data.get("volumeMounts"), list) else []
    for i, mount in enumerate(mounts):
        mname = mount.get("name") if isinstance(mount, dict) else None
        if isinstance(mname, str) and mname not in mountable:
            yield Finding(f"volumeMounts name {mname!r} is not a volume of the pod", (*c.path, "volumeMounts", i, "name"))


def _negative_resources(c):
    resources = c.data.get("resources") if isinstance(c.data.get("resources"), dict) else {}
    for section in ("requests", "limits"):
        values = resources.get(section)
        if not isinstance(values, dict):
            continue
        for resource, value in values.items():
            amount = parse_quantity(value)
            if amount is not None and amount < 0:
                yield Finding(f"{section}.{resource} must not be negative ({value})", (*c.path, "resources", section, resource))


def _deployment(spec):
    strategy = spec.get("strategy") if isinstance(spec.get("strategy"), dict) else {}
    rolling = strategy.get("rollingUpdate")
    if strategy.get("type") == "Recreate" and rolling is not None:
        yield Finding("spec.strategy.rollingUpdate may not be set when the strategy type is Recreate", ("spec", "strategy", "rollingUpdate"))
    elif isinstance(rolling, dict) and _zero(rolling.get("maxSurge")) and _zero(rolling.get("maxUnavailable")):
        yield Finding("maxUnavailable and maxSurge cannot both be 0: the rollout could never make progress", ("spec", "strategy", "rollingUpdate", "maxUnavailable"))
    if isinstance(rolling, dict):
        for key in ("maxSurge", "maxUnavailable"):
            problem = _int_or_percent_problem(rolling.get(key), at_most_100=key == "maxUnavailable")
            if problem:
                yield Finding(f"spec.strategy.rollingUpdate.{key} {problem}", ("spec", "strategy", "rollingUpdate", key))


_PERCENT = re.compile(r"[0-9]+%\Z")


def _int_or_percent_problem(value, at_most_100: bool) -> str | None:
    """ValidatePositiveIntOrPercent (and IsNotMoreThan100Percent for maxUnavailable)."""
    if isinstance(value, bool) or value is None:
        return None  # a wrong type is schema-invalid's
    if isinstance(value, int):
        return f"must not be negative (it is {value})" if value < 0 else None
    if isinstance(value, str):
        if not _PERCENT.match(value):
            return f"must be a number of pods or a percentage such as 25% (it is {value!r})"
        if at_most_100 and int(value[:-1]) > 100:
            return f"must not be more than 100% (it is {value})"
    return None


_BINDINGS = {("rbac.authorization.k8s.io", "RoleBinding"), ("rbac.authorization.k8s.io", "ClusterRoleBinding")}


def _subjects(subjects):
    """ValidateRoleBindingSubject: a ServiceAccount subject names a valid ServiceAccount."""
    for i, subject in enumerate(subjects if isinstance(subjects, list) else []):
        if not isinstance(subject, dict) or subject.get("kind") != "ServiceAccount":
            continue
        name = subject.get("name")
        problem = subdomain_problem(name) if isinstance(name, str) and name else None
        if problem:
            yield Finding(f"subjects[{i}].name {name!r} must be {problem}", ("subjects", i, "name"))


def _zero(value) -> bool:
    return value in (0, "0%", "0")


def _service(spec):
    ports = spec.get("ports") if isinstance(spec.get("ports"), list) else []
    kind = spec.get("type") or "ClusterIP"
    if not ports and kind != "ExternalName" and spec.get("clusterIP") != "None":
        yield Finding("spec.ports is required: a Service that is neither headless (clusterIP: None) nor ExternalName needs a port", ("spec",))
    names: set[str] = set()
    for i, port in enumerate(ports):
        if not isinstance(port, dict):
            continue
        name = port.get("name")
        if len(ports) > 1 and not name:
            yield Finding("a Service with several ports must name each of them", ("spec", "ports", i))
        elif isinstance(name, str) and name:
            problem = label_problem(name)
            if problem:
                yield Finding(f"port name {name!r} must be {problem}", ("spec", "ports", i, "name"))
            if name in names:
                yield Finding(f"port name {name!r} is used twice", ("spec", "ports", i, "name"))
            names.add(name)
        number = port.get("port")
        if isinstance(number, int) and not _port_number(number):
            yield Finding(f"port {number} must be between 1 and 65535", ("spec", "ports", i, "port"))
        # targetPort values are service-target-port-undeclared's, which resolves them too
        node_port = port.get("nodePort")
        if kind == "ClusterIP" and node_port not in (None, 0):
            yield Finding("nodePort may not be set on a ClusterIP Service", ("spec", "ports", i, "nodePort"))
    if kind == "ExternalName" and not spec.get("externalName"):
        yield Finding("spec.externalName is required for a Service of type ExternalName", ("spec", "type"))
