from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s import selectors
from kubevet.k8s.relations import fewest_replicas
from kubevet.k8s.workloads import PodTemplate, containers
from kubevet.rules._base import WORKLOADS, Option, RuleContext, at_least, rule
from kubevet.rules.availability._scale import replicas_phrase

# node labels whose domains keep replicas apart when pods are spread over them
SPREAD_KEYS = frozenset(
    {
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
    }
)


@rule(
    code="AVL006",
    name="anti-affinity-missing",
    severity="warning",
    kinds=(WORKLOADS, "HorizontalPodAutoscaler"),
    scope="cluster",
    options=[Option("min-replicas", 2, "Fewest replicas from which a workload must spread its pods.", at_least(0))],
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A workload runs several replicas but nothing keeps them off the same node.

    ## What it checks
    Workloads that run at least `min-replicas` pods (their `replicas`, or the lowest
    `minReplicas` of the HorizontalPodAutoscalers of the scan that scale them) and have
    neither of:

    - a pod anti-affinity term, required or preferred, that selects the pod's own pods:
      its `labelSelector` matches the template's labels, no `mismatchLabelKeys` key
      excludes them, and its `namespaces` / `namespaceSelector` include the pod's own
      namespace (a `namespaceSelector` is trusted, since namespace labels are not in the
      manifests);
    - a topology spread constraint over nodes or zones (`kubernetes.io/hostname`,
      `topology.kubernetes.io/zone` or `region`, or their legacy
      `failure-domain.beta.kubernetes.io` forms) whose `labelSelector` matches the pod's
      own labels;
    - a host port (`hostPort`, or any container port with `hostNetwork: true`): two pods
      cannot bind the same host port, so the scheduler already puts each replica on its
      own node.

    ## Why it matters
    Replicas only protect against the failures they do not share. The scheduler spreads
    the pods of a Service or ReplicaSet only as a soft scoring preference (its default
    constraints are `ScheduleAnyway`), so under resource pressure, after a node drain or
    on a small node pool all replicas can land on one node or in one zone, and one node
    failure or upgrade takes them all down.

    A term whose selector does not match the pod's own labels spreads the pod away from
    other pods, not from its replicas, so it does not count (`topology-spread-invalid`
    reports such spread constraints).

    Known differences: Polaris `topologySpreadConstraint` asks every pod, single replicas
    included, for a spread constraint, and accepts one that selects none of the
    workload's pods; the conformance mapping sets `min-replicas: 1` to compare.

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
          containers:
            - name: api
              image: registry.example.com/api:2.3.0
    ```

    ## Fix
    Spread the replicas over nodes (and zones) with a topology spread constraint or pod anti-affinity that selects the workload's own pods.

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
          affinity:
            podAntiAffinity:
              preferredDuringSchedulingIgnoredDuringExecution:
                - weight: 100
                  podAffinityTerm:
                    topologyKey: kubernetes.io/hostname
                    labelSelector:
                      matchLabels: {app: api}
          containers:
            - name: api
              image: registry.example.com/api:2.3.0
    ```

    ## Options
    - `min-replicas` (default 2): the fewest replicas from which a workload must spread
      its pods.

    ## References
    - Assigning pods to nodes, inter-pod affinity and anti-affinity: https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
    - Pod topology spread constraints: https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
    - Peers: kube-linter `no-anti-affinity`, Polaris `topologySpreadConstraint`.
    """
    minimum = ctx.option("min-replicas")
    for obj, template in ctx.judged_workloads():
        scale = fewest_replicas(ctx, obj)
        if scale is None or scale[0] < minimum:
            continue
        if _anti_affinity_spreads(template) or _constraint_spreads(template) or _host_port_spreads(template):
            continue
        affinity = template.spec.get("affinity")
        path = (*template.spec_path, "affinity") if isinstance(affinity, dict) else template.spec_path
        yield ctx.finding(
            obj,
            f"runs {replicas_phrase(*scale)} but no pod anti-affinity or topology spread constraint "
            "keeps them apart: they may all run on one node",
            path,
        )


def _anti_affinity_spreads(template: PodTemplate) -> bool:
    """Whether a pod anti-affinity term, required or preferred, repels the pod's own replicas."""
    affinity = template.spec.get("affinity")
    anti = affinity.get("podAntiAffinity") if isinstance(affinity, dict) else None
    if not isinstance(anti, dict):
        return False
    terms = _items(anti.get("requiredDuringSchedulingIgnoredDuringExecution"))
    terms += [
        weighted["podAffinityTerm"]
        for weighted in _items(anti.get("preferredDuringSchedulingIgnoredDuringExecution"))
        if isinstance(weighted.get("podAffinityTerm"), dict)
    ]
    return any(_selects_own_pods(term, template) for term in terms)


def _selects_own_pods(term: dict, template: PodTemplate) -> bool:
    labels = template.labels
    if not selectors.matches(term.get("labelSelector"), labels):
        return False
    # mismatchLabelKeys adds "key notin (this pod's value)": it excludes the pod's own replicas
    mismatch = term.get("mismatchLabelKeys")
    if isinstance(mismatch, list) and any(isinstance(key, str) and key in labels for key in mismatch):
        return False
    namespaces = term.get("namespaces")
    if not namespaces or term.get("namespaceSelector") is not None:
        return True  # the pod's own namespace, or namespaces chosen by labels we cannot see
    own = template.obj.namespace
    if own is None:
        return True  # the namespace is chosen when the manifest is applied
    return isinstance(namespaces, list) and own in namespaces


def _constraint_spreads(template: PodTemplate) -> bool:
    """Whether a topology spread constraint over nodes or zones counts the pod's own replicas."""
    return any(
        isinstance(c.get("topologyKey"), str)
        and c["topologyKey"] in SPREAD_KEYS
        and selectors.matches(c.get("labelSelector"), template.labels)
        for c in _items(template.spec.get("topologySpreadConstraints"))
    )


def _host_port_spreads(template: PodTemplate) -> bool:
    """Whether the pods bind a host port, which two of them cannot share on one node.

    With ``hostNetwork`` every container port is a host port (the API defaults hostPort to it).
    """
    host_network = template.spec.get("hostNetwork") is True
    return any(
        port.get("hostPort") or (host_network and port.get("containerPort"))
        for c in containers(template, init=False, ephemeral=False)
        for port in c.ports
    )


def _items(value: object) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
