"""Compute resources as the API server accounts for them.

How many pods a workload runs (with the extra pods of a rolling update), what each
container requests and is limited to once LimitRange defaults are applied, what a pod
requests as a whole (init containers and sidecars included), and which pods a
ResourceQuota's scopes select. Shared by the namespace rules and ``kubevet.fixes``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from kubevet.k8s.index import ObjectIndex, merged, namespace_of
from kubevet.k8s.quantity import parse_quantity, scaled_value
from kubevet.k8s.relations import hpas_targeting
from kubevet.k8s.workloads import Container, PodTemplate, containers
from kubevet.model import K8sObject

RESOURCES = ("cpu", "memory", "ephemeral-storage")
SECTIONS = ("requests", "limits")


# --- pods per workload ------------------------------------------------------------------


@dataclass(frozen=True)
class PodCount:
    """The pods a workload keeps running, and the extra ones a rolling update adds."""

    steady: int
    surge: int = 0

    @property
    def total(self) -> int:
        return self.steady + self.surge


def pod_count(ctx: ObjectIndex, obj: K8sObject) -> PodCount | None:
    """How many pods a built-in workload runs at once; None for kinds kubevet cannot count.

    - Deployment: its replicas (the lowest ``minReplicas`` of the autoscalers that scale
      it, when there are any), plus ``maxSurge`` of that number during a rolling update
      (25% by default, rounded up as Kubernetes rounds it); a Recreate update adds none.
    - DeploymentConfig: the same, with ``rollingParams.maxSurge``.
    - StatefulSet, ReplicaSet, ReplicationController: replicas (or autoscaler minimum),
      no surge: they replace pods one by one.
    - DaemonSet: one pod, as on a single node, plus its ``maxSurge`` (0 by default).
      The number of nodes is not in the manifests; one is the least any cluster has.
    - Pod: one. Job: ``parallelism`` (1 by default), at most ``completions``; none when
      suspended. CronJob: one run of its Job; none when suspended.
    """
    kind, spec = obj.kind, obj.spec
    if kind == "Pod":
        return PodCount(1)
    if kind == "Job":
        return PodCount(_job_pods(spec))
    if kind == "CronJob":
        job = _field(spec, "jobTemplate").get("spec")
        if spec.get("suspend") is True or not isinstance(job, dict):
            return PodCount(0)
        return PodCount(_job_pods(job))
    if kind == "DaemonSet":
        update = _field(spec, "updateStrategy")
        if update.get("type", "RollingUpdate") != "RollingUpdate":
            return PodCount(1)
        surge = scaled_value(_field(update, "rollingUpdate").get("maxSurge", 0), 1, True)
        return PodCount(1, 1 if surge and surge > 0 else 0)
    if kind not in ("Deployment", "DeploymentConfig", "StatefulSet", "ReplicaSet", "ReplicationController"):
        return None
    steady = _replicas(ctx, obj)
    if steady is None:
        return None
    return PodCount(steady, _surge(obj, steady))


def _job_pods(spec: dict) -> int:
    if spec.get("suspend") is True:
        return 0
    parallelism = _int(spec.get("parallelism"), 1)
    completions = spec.get("completions")
    if isinstance(completions, int) and not isinstance(completions, bool):
        parallelism = min(parallelism, completions)
    return max(parallelism, 0)


def _replicas(ctx: ObjectIndex, obj: K8sObject) -> int | None:
    minimums = [_int(hpa.spec.get("minReplicas"), 1) for hpa in hpas_targeting(ctx, obj)]
    if minimums:
        return min(minimums)
    # an OpenShift DeploymentConfig's replicas is a plain integer: unset means 0
    value = obj.spec.get("replicas")
    if value is None:
        return 0 if obj.kind == "DeploymentConfig" else 1
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _surge(obj: K8sObject, replicas: int) -> int:
    strategy = _field(obj.spec, "strategy")
    if obj.kind == "Deployment":
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return 0
        params = _field(strategy, "rollingUpdate")
    elif obj.kind == "DeploymentConfig":
        if strategy.get("type", "Rolling") != "Rolling":
            return 0
        params = _field(strategy, "rollingParams")
    else:
        return 0
    surge = scaled_value(params.get("maxSurge", "25%"), replicas, True)
    return surge if surge and surge > 0 else 0


def _field(node: dict, key: str) -> dict:
    """A map field, or an empty map when it is missing or not a map."""
    value = node.get(key)
    return value if isinstance(value, dict) else {}


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


# --- LimitRange defaults ----------------------------------------------------------------


@dataclass(frozen=True)
class Default:
    """A value a LimitRange gives a container that sets none."""

    amount: Decimal
    limitrange: K8sObject


def container_items(limitrange: K8sObject) -> Iterator[dict]:
    """The ``type: Container`` items of a LimitRange."""
    items = limitrange.spec.get("limits")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("type") == "Container":
            yield item


def limitrange_defaults(limitrange: K8sObject) -> dict[str, dict[str, Default]]:
    """The container defaults of a LimitRange as the API server completes them.

    ``{"limits": {...}, "requests": {...}}``: a missing ``default`` is taken from ``max``;
    a missing ``defaultRequest`` from ``default``, then from ``min``.
    """
    out: dict[str, dict[str, Default]] = {"limits": {}, "requests": {}}
    for item in container_items(limitrange):
        limits = {**_quantities(item.get("max"), limitrange), **_quantities(item.get("default"), limitrange)}
        requests = {
            **_quantities(item.get("min"), limitrange),
            **limits,
            **_quantities(item.get("defaultRequest"), limitrange),
        }
        for section, values in (("limits", limits), ("requests", requests)):
            for resource, value in values.items():
                out[section].setdefault(resource, value)
    return out


def _quantities(values: Any, limitrange: K8sObject) -> dict[str, Default]:
    if not isinstance(values, dict):
        return {}
    out = {}
    for resource, text in values.items():
        amount = parse_quantity(text)
        if amount is not None:
            out[str(resource)] = Default(amount, limitrange)
    return out


# --- a container's and a pod's resources -----------------------------------------------


@dataclass
class ContainerResources:
    """A container's requests and limits once the API server has completed them.

    ``defaulted`` maps (section, resource) to the LimitRange default a value came from;
    ``copied`` holds the resources whose request was copied from the container's limit.
    """

    container: Container
    requests: dict[str, Decimal] = field(default_factory=dict)
    limits: dict[str, Decimal] = field(default_factory=dict)
    defaulted: dict[tuple[str, str], Default] = field(default_factory=dict)
    copied: set[str] = field(default_factory=set)

    def value(self, section: str, resource: str) -> Decimal | None:
        return (self.requests if section == "requests" else self.limits).get(resource)

    def path(self, section: str, resource: str) -> tuple:
        """The container's own field for a value, or the deepest parent of it written."""
        c = self.container
        resources = c.data.get("resources")
        if not isinstance(resources, dict):
            return c.path
        values = resources.get(section)
        if not isinstance(values, dict):
            return (*c.path, "resources")
        if resource in values:
            return (*c.path, "resources", section, resource)
        return (*c.path, "resources", section)


def container_resources(container: Container, limitranges: Iterable[K8sObject] = ()) -> ContainerResources:
    """A container's resources after defaulting: a missing request takes the container's
    limit, then LimitRange defaults fill what is still missing (the first LimitRange
    that gives a value wins)."""
    out = ContainerResources(container)
    resources = container.data.get("resources")
    resources = resources if isinstance(resources, dict) else {}
    for section, target in (("requests", out.requests), ("limits", out.limits)):
        values = resources.get(section)
        for resource, text in (values.items() if isinstance(values, dict) else ()):
            amount = parse_quantity(text)
            if amount is not None:
                target[str(resource)] = amount
    for resource, amount in out.limits.items():
        if resource not in out.requests:
            out.requests[resource] = amount
            out.copied.add(resource)
    for limitrange in limitranges:
        defaults = limitrange_defaults(limitrange)
        for section, target in (("limits", out.limits), ("requests", out.requests)):
            for resource, default in defaults[section].items():
                if resource not in target:
                    target[resource] = default.amount
                    out.defaulted[(section, resource)] = default
    return out


def pod_resources(template: PodTemplate, limitranges: Iterable[K8sObject] = ()) -> list[ContainerResources]:
    """Every container of the pod that the API server accounts for (no ephemeral ones)."""
    limitranges = list(limitranges)
    return [container_resources(c, limitranges) for c in containers(template, ephemeral=False)]


def pod_amount(template: PodTemplate, resources: list[ContainerResources], section: str, resource: str) -> Decimal:
    """What the pod as a whole requests (or is limited to) of one resource.

    As Kubernetes computes it: the larger of the regular containers plus sidecars and of
    each init container plus the sidecars started before it; a pod-level value
    (``spec.resources``) wins over the containers'; ``spec.overhead`` is added.
    """
    pod_level = _pod_value(template.spec.get("resources"), section, resource)
    if pod_level is not None:
        total = pod_level
    else:
        regular = sum((r.value(section, resource) or Decimal(0) for r in resources if not r.container.is_init), Decimal(0))
        sidecars = Decimal(0)
        init_peak = Decimal(0)
        for r in resources:
            if not r.container.is_init:
                continue
            amount = r.value(section, resource) or Decimal(0)
            if r.container.is_sidecar:
                sidecars += amount
            else:
                init_peak = max(init_peak, amount + sidecars)
        total = max(regular + sidecars, init_peak)
    overhead = template.spec.get("overhead")
    if isinstance(overhead, dict):
        total += parse_quantity(overhead.get(resource)) or Decimal(0)
    return total


def _pod_value(resources: Any, section: str, resource: str) -> Decimal | None:
    if not isinstance(resources, dict) or not isinstance(resources.get(section), dict):
        return None
    return parse_quantity(resources[section].get(resource))


def best_effort(resources: list[ContainerResources]) -> bool:
    """BestEffort QoS: no container requests or is limited in CPU or memory."""
    return not any(r.value(s, res) for r in resources for s in SECTIONS for res in ("cpu", "memory"))


# --- ResourceQuota ----------------------------------------------------------------------

QUOTA_KEYS = {f"{s}.{r}": (s, r) for s in SECTIONS for r in RESOURCES}
QUOTA_KEYS.update({r: ("requests", r) for r in RESOURCES})  # "cpu" stands for requests.cpu


def quota_hard(quota: K8sObject) -> dict[str, Decimal]:
    """The quota's ``spec.hard`` limits that kubevet accounts for: compute keys and pods."""
    hard = quota.spec.get("hard")
    out = {}
    for key, text in (hard.items() if isinstance(hard, dict) else ()):
        if key in QUOTA_KEYS or key == "pods":
            amount = parse_quantity(text)
            if amount is not None:
                out[key] = amount
    return out


def quota_scoped(quota: K8sObject) -> bool:
    """Whether the quota counts only some pods (``scopes`` or ``scopeSelector``)."""
    selector = quota.spec.get("scopeSelector")
    return bool(quota.spec.get("scopes")) or bool(isinstance(selector, dict) and selector.get("matchExpressions"))


def quota_selects(quota: K8sObject, template: PodTemplate, resources: list[ContainerResources]) -> bool | None:
    """Whether the quota's scopes select the pods; None when a scope is beyond kubevet."""
    scopes = quota.spec.get("scopes")
    requirements = [(s, "Exists", []) for s in (scopes if isinstance(scopes, list) else [])]
    selector = quota.spec.get("scopeSelector")
    expressions = selector.get("matchExpressions") if isinstance(selector, dict) else None
    for expr in expressions if isinstance(expressions, list) else []:
        if not isinstance(expr, dict):
            return None
        values = expr.get("values")
        requirements.append((expr.get("scopeName"), expr.get("operator"), values if isinstance(values, list) else []))
    for scope, operator, values in requirements:
        selected = _scope_selects(scope, operator, values, template, resources)
        if selected is None or not selected:
            return selected
    return True


def _scope_selects(scope: Any, operator: Any, values: list, template: PodTemplate, resources: list) -> bool | None:
    if scope == "PriorityClass":
        name = template.spec.get("priorityClassName")
        if operator == "In":
            return name in values
        if operator == "NotIn":
            return name not in values
        if operator == "Exists":
            return bool(name)
        if operator == "DoesNotExist":
            return not name
        return None
    flags = {
        "Terminating": template.spec.get("activeDeadlineSeconds") is not None,
        "BestEffort": best_effort(resources),
    }
    base = scope.removeprefix("Not") if isinstance(scope, str) else None
    if base not in flags or operator not in ("Exists", "DoesNotExist"):
        return None  # CrossNamespacePodAffinity, or an unknown scope
    selected = flags[base] if scope == base else not flags[base]
    return selected if operator == "Exists" else not selected


# --- namespaces -------------------------------------------------------------------------


def namespace_workloads(ctx: ObjectIndex) -> dict[str, list[tuple[K8sObject, PodTemplate]]]:
    """The workloads of the scan and its context, by namespace (a prepared context's kept
    with it: only the scan's own are sorted out per scan). Read it, do not change it."""
    prepared, own = ctx.shared.get("prepared"), ctx.shared.get("scan-objects")
    if prepared is None or own is None:
        out: dict[str, list[tuple[K8sObject, PodTemplate]]] = {}
        for obj, template in ctx.workload_objects():
            out.setdefault(namespace_of(obj), []).append((obj, template))
        return out
    by_namespace = prepared.memo.get("workloads-by-namespace")
    if by_namespace is None:
        by_namespace = prepared.memo["workloads-by-namespace"] = {}
        for obj, template in prepared.workload_objects(ctx.workloads):
            by_namespace.setdefault(namespace_of(obj), []).append((obj, template))
    pod_template = ctx.pod_template
    return merged(by_namespace, ((namespace_of(obj), (obj, t)) for obj in own if (t := pod_template(obj)) is not None))


# --- amounts in words -------------------------------------------------------------------

_BINARY = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))
_DECIMAL = (("E", 10**18), ("P", 10**15), ("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3))


def format_amount(resource: str, amount: Decimal) -> str:
    """An amount as a quantity people read: CPU in cores or millicores, bytes in the
    largest unit that holds them exactly (Ki..Ei, then k..E), else in two decimals.
    An amount too large for exact arithmetic (``1e400``: Decimal's 28 digits cannot divide
    it) is written in scientific notation."""
    if not amount.is_finite() or amount.adjusted() > 24:
        return f"{amount:.3g}"
    if resource == "cpu" or resource == "pods":
        if amount == amount.to_integral_value():
            return str(int(amount))
        milli = (amount * 1000).to_integral_value(rounding=ROUND_CEILING)
        return f"{milli}m"
    for suffix, size in (*_BINARY, *_DECIMAL):
        if amount >= size and amount % size == 0:
            return f"{int(amount / size)}{suffix}"
    for suffix, size in _BINARY:
        if amount >= size:
            return f"{(amount / size).quantize(Decimal('0.01'), rounding=ROUND_CEILING).normalize():f}{suffix}"
    return str(int(amount.to_integral_value(rounding=ROUND_CEILING)))
