from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s import selectors
from kubevet.k8s.workloads import PodTemplate
from kubevet.model import K8sObject
from kubevet.rules._base import WORKLOADS, RuleContext, rule

WHEN_UNSATISFIABLE = ("DoNotSchedule", "ScheduleAnyway")


@rule(code="AVL007", name="topology-spread-invalid", severity="error", kinds=WORKLOADS)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Finding]:
    """A topology spread constraint is rejected by the API server or spreads none of the workload's pods.

    ## What it checks
    Every entry of the pod template's `topologySpreadConstraints` for:

    - a missing or empty `topologyKey`;
    - a `maxSkew` that is missing or below 1;
    - a `whenUnsatisfiable` other than `DoNotSchedule` or `ScheduleAnyway`;
    - a `labelSelector` that does not match the pod's own labels, or no `labelSelector`
      at all.

    Each problem is reported on its own field.

    ## Why it matters
    The API server rejects a pod template with an invalid constraint (the first three
    cases), so the rollout fails. A constraint whose selector does not match the pod's own
    labels is accepted but counts other pods: placing one of this workload's pods never
    changes the skew it measures, so the replicas are not spread at all. A missing
    `labelSelector` counts no pod. Both usually come from copying a constraint from
    another workload.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      replicas: 3
      selector:
        matchLabels: {app: api}
      template:
        metadata:
          labels: {app: api}
        spec:
          topologySpreadConstraints:
            - maxSkew: 1
              topologyKey: topology.kubernetes.io/zone
              whenUnsatisfiable: ScheduleAnyway
              labelSelector:
                matchLabels: {app: web}
          containers:
            - name: api
              image: registry.example.com/api:2.3.0
    ```

    ## Fix
    Select the workload's own pods, and give each constraint a topologyKey, a maxSkew of at least 1 and a valid whenUnsatisfiable.

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      replicas: 3
      selector:
        matchLabels: {app: api}
      template:
        metadata:
          labels: {app: api}
        spec:
          topologySpreadConstraints:
            - maxSkew: 1
              topologyKey: topology.kubernetes.io/zone
              whenUnsatisfiable: ScheduleAnyway
              labelSelector:
                matchLabels: {app: api}
              matchLabelKeys: [pod-template-hash]
          containers:
            - name: api
              image: registry.example.com/api:2.3.0
    ```

    ## Options
    None.

    ## References
    - Pod topology spread constraints: https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
    - TopologySpreadConstraint API: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#scheduling
    - Peers: none check the constraint itself; Polaris `topologySpreadConstraint` only asks for one (see `anti-affinity-missing`).
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    constraints = template.spec.get("topologySpreadConstraints")
    if not isinstance(constraints, list):
        return
    for i, constraint in enumerate(constraints):
        if isinstance(constraint, dict):
            yield from _problems(constraint, (*template.spec_path, "topologySpreadConstraints", i), template)


def _problems(constraint: dict, path: tuple, template: PodTemplate) -> Iterator[Finding]:
    def at(field: str) -> tuple:
        return (*path, field) if field in constraint else path

    rejected = "the API server rejects it"
    key = constraint.get("topologyKey")
    if not isinstance(key, str) or not key:
        yield Finding(f"topology spread constraint has no topologyKey: {rejected}", at("topologyKey"))
    skew = constraint.get("maxSkew")
    if not isinstance(skew, int) or isinstance(skew, bool) or skew < 1:
        said = "no maxSkew" if skew is None else f"maxSkew {skew!r}, not a number of 1 or more"
        yield Finding(f"topology spread constraint has {said}: {rejected}", at("maxSkew"))
    when = constraint.get("whenUnsatisfiable")
    if when not in WHEN_UNSATISFIABLE:
        said = "no whenUnsatisfiable" if when is None else f"whenUnsatisfiable {when!r}"
        yield Finding(
            f"topology spread constraint has {said}, not DoNotSchedule or ScheduleAnyway: {rejected}",
            at("whenUnsatisfiable"),
        )
    selector = constraint.get("labelSelector")
    if selector is None:
        yield Finding("topology spread constraint has no labelSelector: it counts no pods and spreads nothing", path)
    elif not selectors.matches(selector, template.labels):
        yield Finding(
            "topology spread constraint's labelSelector does not match the pod's own labels: "
            "it counts other pods and does not spread this workload's replicas",
            at("labelSelector"),
        )
