from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from kubevet.findings import Finding
from kubevet.k8s.compute import (
    SECTIONS,
    ContainerResources,
    format_amount,
    pod_amount,
    pod_resources,
)
from kubevet.k8s.quantity import parse_quantity
from kubevet.k8s.workloads import PodTemplate
from kubevet.model import K8sObject
from kubevet.rules._base import WORKLOADS, RuleContext, namespace_of, rule

WORD = {"requests": "request", "limits": "limit"}


@rule(code="NSG004", name="limitrange-violated", severity="error", kinds=["LimitRange", WORKLOADS], scope="cluster")
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A container's request or limit is outside what a LimitRange of its namespace allows, so its pods are rejected.

    ## What it checks
    Every container and init container of the scan's workloads against the LimitRanges
    of their namespace (of the scan or of `--context`), after the API server has
    completed the container's resources: a missing request takes the container's limit,
    then LimitRange defaults fill what is still missing (`default` for limits,
    `defaultRequest` for requests; a missing `default` is the `max`, a missing
    `defaultRequest` the `default`, then the `min`). Then, as the LimitRanger admission
    plugin checks it:

    - `type: Container` items: each request and limit at least `min`, each limit and
      request at most `max` (a `max` requires a limit), and limit / request at most
      `maxLimitRequestRatio` (which requires both).
    - `type: Pod` items: the same for the pod's total (regular containers plus sidecars,
      or the largest init container if that is more).
    - A default that ends up below the container's own request: the pod is invalid, a
      request may not exceed its limit.

    The finding points at the container's value, or at its `resources` when the value
    came from a default.

    ## Why it matters
    The API server rejects the pod, not the Deployment: the rollout is accepted and then
    creates no pods, and the error surfaces only in the ReplicaSet's events. The usual
    causes are a platform LimitRange that a team never saw and a default limit smaller
    than a request set by hand.

    ## Example
    ```yaml
    apiVersion: v1
    kind: LimitRange
    metadata:
      name: bounds
      namespace: shop
    spec:
      limits:
        - type: Container
          max:
            memory: 1Gi
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: cache
      namespace: shop
    spec:
      containers:
        - name: cache
          image: redis:7.2.5
          resources:
            limits:
              memory: 2Gi
    ```

    ## Fix
    Keep the container's requests and limits within the LimitRange (or ask the platform team to widen it).

    ```yaml
    apiVersion: v1
    kind: LimitRange
    metadata:
      name: bounds
      namespace: shop
    spec:
      limits:
        - type: Container
          max:
            memory: 1Gi
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: cache
      namespace: shop
    spec:
      containers:
        - name: cache
          image: redis:7.2.5
          resources:
            limits:
              memory: 1Gi
    ```

    ## Options
    None.

    ## References
    - Limit ranges: https://kubernetes.io/docs/concepts/policy/limit-range/
    - Constraints on resource limits and requests: https://kubernetes.io/docs/concepts/policy/limit-range/#constraints-on-resource-limits-and-requests
    - Peers: none; Polaris `resourceRange` (a custom check) bounds values from its own configuration, not from the namespace's LimitRanges.
    """
    for obj, template in ctx.judged_workloads():
        if obj.unjudged:
            continue
        limitranges = list(ctx.objects("LimitRange", namespace_of(obj)))
        if not limitranges:
            continue
        resources = pod_resources(template, limitranges)
        for r in resources:
            yield from _defaults_below_requests(ctx, obj, r)
        for limitrange in limitranges:
            items = limitrange.spec.get("limits")
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict):
                    continue
                if item.get("type") == "Container":
                    for r in resources:
                        for v in _violations(item, limitrange, _Container(r)):
                            message = f"container {r.container.name!r}: {v.text}"
                            yield ctx.finding(obj, message, r.path(v.section, v.resource))
                elif item.get("type") == "Pod":
                    for v in _violations(item, limitrange, _Pod(template, resources)):
                        yield ctx.finding(obj, f"the pod: {v.text}", template.spec_path)


@dataclass(frozen=True)
class _Violation:
    section: str  # the value at fault: "requests" or "limits"
    resource: str
    text: str


class _Container:
    """A container's completed values, and how to name them."""

    def __init__(self, resources: ContainerResources) -> None:
        self.resources = resources

    def value(self, section: str, resource: str) -> Decimal | None:
        return self.resources.value(section, resource)

    def words(self, section: str, resource: str) -> str:
        return _value_words(self.resources, section, resource)

    def sections(self, resource: str) -> tuple[str, ...]:
        """The values to bound: a request copied from the limit is the limit, judged once."""
        return ("limits",) if resource in self.resources.copied else SECTIONS


class _Pod:
    """A pod's totals (None where no container has a value), and how to name them."""

    def __init__(self, template: PodTemplate, resources: list[ContainerResources]) -> None:
        self.template = template
        self.resources = resources

    def value(self, section: str, resource: str) -> Decimal | None:
        if all(r.value(section, resource) is None for r in self.resources):
            return None
        return pod_amount(self.template, self.resources, section, resource)

    def words(self, section: str, resource: str) -> str:
        return f"its total {resource} {WORD[section]} {_fmt(resource, self.value(section, resource))}"

    def sections(self, resource: str) -> tuple[str, ...]:
        return SECTIONS


def _violations(item: dict, limitrange: K8sObject, subject: _Container | _Pod) -> Iterator[_Violation]:
    """What breaks one LimitRange item's min, max and maxLimitRequestRatio."""
    lr = f"LimitRange {limitrange.name!r}"
    for resource, bound in _bounds(item, "min"):
        if subject.value("requests", resource) is None:
            yield _Violation("requests", resource, f"it has no {resource} request, but {lr} sets a minimum of {_fmt(resource, bound)}")
        for section in subject.sections(resource):
            amount = subject.value(section, resource)
            if amount is not None and amount < bound:
                text = f"{subject.words(section, resource)} is below the minimum {_fmt(resource, bound)} of {lr}"
                yield _Violation(section, resource, text)
    for resource, bound in _bounds(item, "max"):
        if subject.value("limits", resource) is None:
            yield _Violation("limits", resource, f"it has no {resource} limit, but {lr} sets a maximum of {_fmt(resource, bound)}")
        for section in subject.sections(resource):
            amount = subject.value(section, resource)
            if amount is not None and amount > bound:
                text = f"{subject.words(section, resource)} is above the maximum {_fmt(resource, bound)} of {lr}"
                yield _Violation(section, resource, text)
    for resource, ratio in _bounds(item, "maxLimitRequestRatio"):
        request, limit = subject.value("requests", resource), subject.value("limits", resource)
        bound = f"{lr} allows a limit of at most {ratio.normalize():f} times the request"
        if not request:
            yield _Violation("requests", resource, f"it has no {resource} request (or 0), but {bound}")
        elif not limit:
            yield _Violation("limits", resource, f"it has no {resource} limit (or 0), but {bound}")
        elif limit / request > ratio:
            text = (
                f"{subject.words('limits', resource)} is {float(limit / request):.3g} times "
                f"{subject.words('requests', resource)}, but {bound}"
            )
            yield _Violation("limits", resource, text)


def _bounds(item: dict, field: str) -> Iterator[tuple[str, Decimal]]:
    values = item.get(field)
    for resource, text in (values.items() if isinstance(values, dict) else ()):
        amount = parse_quantity(text)
        if amount is not None:
            yield str(resource), amount


def _defaults_below_requests(ctx: RuleContext, obj: K8sObject, r: ContainerResources) -> Iterator[Finding]:
    """A default that puts a request above its limit (both set by hand: requests-exceed-limits)."""
    for resource, limit in r.limits.items():
        request = r.requests.get(resource)
        if request is None or request <= limit:
            continue
        if ("limits", resource) in r.defaulted or ("requests", resource) in r.defaulted:
            message = (
                f"container {r.container.name!r}: {_value_words(r, 'requests', resource)} is above "
                f"{_value_words(r, 'limits', resource)}, and a request may not exceed its limit"
            )
            yield ctx.finding(obj, message, r.path("requests", resource))


def _value_words(r: ContainerResources, section: str, resource: str) -> str:
    """"its cpu limit 2", naming the LimitRange default or the limit a value came from."""
    text = f"its {resource} {WORD[section]} {_fmt(resource, r.value(section, resource))}"
    default = r.defaulted.get((section, resource))
    if default is not None:
        return f"{text} (the default of LimitRange {default.limitrange.name!r})"
    if section == "requests" and resource in r.copied:
        return f"{text} (copied from its limit)"
    return text


def _fmt(resource: str, amount: Decimal) -> str:
    return format_amount(resource, amount)
