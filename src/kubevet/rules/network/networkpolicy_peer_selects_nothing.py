from collections.abc import Iterator
from typing import Any

from kubevet.findings import Finding
from kubevet.k8s import selectors
from kubevet.k8s.fields import as_list
from kubevet.k8s.namespaces import NAME_LABEL, defined_namespaces, keep_for_namespaces
from kubevet.rules._base import RuleContext, namespace_of, rule
from kubevet.rules.network._common import (
    DIRECTIONS,
    RULES,
    PodIndex,
    pod_index,
    rules_of,
)


@rule(code="NET004", name="networkpolicy-peer-selects-nothing", severity="warning", scope="cluster", retain=keep_for_namespaces)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A NetworkPolicy rule allows traffic from or to a podSelector that matches no pod, so it allows nothing.

    ## What it checks
    Every `podSelector` in the `from` peers of ingress rules and the `to` peers of egress
    rules, against the pod templates the scan (and its `--context` sources) knows:

    - A peer with only a `podSelector` selects pods of the policy's own namespace.
    - A peer with a `namespaceSelector` and a `podSelector` selects the pods that match
      the podSelector in the namespaces that match the namespaceSelector: both at once.
      Two separate peers, one with each selector, are two alternatives instead.
    - `matchLabels` and `matchExpressions` must both match.

    Only what the scan can know is judged. A peer whose `namespaceSelector` selects
    namespaces by other labels than their name, or an empty one (every namespace), may
    select namespaces outside the scan and is not reported; nor is a peer naming
    namespaces (`kubernetes.io/metadata.name`) that the scan does not both define (a
    Namespace object) and run workloads in: `kube-system` is seldom the scan's own, even
    when the scan deploys something there. A Helm chart's policy in the release namespace
    (`namespace: {{ .Release.Namespace }}`) is not reported for pods of that namespace
    unless the scan defines it: other releases share it, and the chart renders only its
    own pods (a Prometheus of another chart, say). An empty `podSelector: {}` selects every pod
    and is never reported, and neither are `ipBlock` peers.

    Pods carry the labels their controllers add (a Job's `job-name` ...), and peers that
    aim at pods an operator creates from a custom resource of the namespace (a value
    naming the resource, a label map of it, a label key of its API domain) are not
    reported, as in `networkpolicy-selects-nothing`.

    ## Why it matters
    An allow rule whose peer matches no pod allows nothing: the traffic the rule was
    written for is denied once the pods are isolated. It usually follows a renamed label,
    a peer pointed at the wrong namespace, or a namespaceSelector and podSelector written
    as two peers (either) when one peer (both) was meant, or the other way round.

    ## Example
    ```yaml
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: db
      namespace: shop
    spec:
      podSelector:
        matchLabels: {app: db}
      policyTypes: [Ingress]
      ingress:
        - from:
            - podSelector:
                matchLabels: {app: api}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: db
      namespace: shop
    spec:
      selector:
        matchLabels: {app: db}
      template:
        metadata:
          labels: {app: db}
        spec:
          containers:
            - name: db
              image: postgres:16.3
    ```

    ## Fix
    Make the peer's selectors match the pods that should connect (and their namespace).

    ```yaml
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: db
      namespace: shop
    spec:
      podSelector:
        matchLabels: {app: db}
      policyTypes: [Ingress]
      ingress:
        - from:
            - podSelector:
                matchLabels: {app: db-backup}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: db
      namespace: shop
    spec:
      selector:
        matchLabels: {app: db}
      template:
        metadata:
          labels: {app: db}
        spec:
          containers:
            - name: db
              image: postgres:16.3
    ---
    apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: db-backup
      namespace: shop
    spec:
      schedule: "0 2 * * *"
      jobTemplate:
        spec:
          template:
            metadata:
              labels: {app: db-backup}
            spec:
              restartPolicy: OnFailure
              containers:
                - name: backup
                  image: postgres:16.3
    ```

    ## Options
    None.

    ## References
    - Network policies, behavior of to and from selectors: https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
    - Peers: kube-linter `dangling-networkpolicypeer-podselector`.
    """
    defined = set(defined_namespaces(ctx.judged()))
    for policy in ctx.objects("NetworkPolicy"):
        if policy.unjudged:
            continue
        index = pod_index(ctx)  # built once per scan, and only when something is judged
        own = namespace_of(policy)
        # a chart's policy in the release namespace shares it with whatever else is
        # installed there: its pods are the scan's to know only if the scan defines it
        shared = own not in defined and policy.doc.source.namespace_from_release(policy.line)
        for direction in DIRECTIONS:
            rules_key, peers_key = RULES[direction]
            for i, allow in enumerate(rules_of(policy, direction)):
                peers = allow.get(peers_key) if isinstance(allow, dict) else None
                for j, peer in enumerate(peers if isinstance(peers, list) else []):
                    selector = peer.get("podSelector") if isinstance(peer, dict) else None
                    if selector is None:
                        continue
                    namespaces = _namespaces(peer, own, defined, index)
                    if selectors.is_empty(selector) or namespaces is None or (shared and own in namespaces):
                        continue
                    if _may_select(index, namespaces, selector):
                        continue
                    where = ", ".join(repr(ns) for ns in namespaces)
                    plural = "s" if len(namespaces) > 1 else ""
                    message = f"{peers_key} peer podSelector matches no pod in namespace{plural} {where}: the peer allows nothing"
                    yield ctx.finding(policy, message, ("spec", rules_key, i, peers_key, j, "podSelector"))


def _may_select(index: PodIndex, namespaces: list[str], selector: Any) -> bool:
    return any(
        index.operator_may_create(ns, selector) or any(pods.may_match(selector) for pods in index.in_namespace(ns))
        for ns in namespaces
    )


def _namespaces(peer: dict, own: str, defined: set[str], index: PodIndex) -> list[str] | None:
    """The namespaces a peer's podSelector looks in, or None when the scan cannot know them
    all: a namespaceSelector that is not a list of names, or that names a namespace the
    scan does not define (a Namespace object) and run pods in."""
    if peer.get("namespaceSelector") is None:
        return [own]
    names = _pinned_names(peer["namespaceSelector"])
    if not names or any(ns != own and (ns not in defined or not index.in_namespace(ns)) for ns in names):
        return None
    return names


def _pinned_names(selector: Any) -> list[str] | None:
    """The namespace names a selector is limited to by ``kubernetes.io/metadata.name``
    alone (matchLabels, or an In expression); None when it selects by anything else."""
    if not isinstance(selector, dict):
        return None
    names: set[str] | None = None
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not isinstance(match_labels, dict) or not isinstance(expressions, list):
        return None
    for key, value in match_labels.items():
        if key != NAME_LABEL:
            return None
        names = {selectors.label_text(value)}
    for expr in expressions:
        if not isinstance(expr, dict) or expr.get("key") != NAME_LABEL or expr.get("operator") != "In":
            return None
        values = {selectors.label_text(v) for v in as_list(expr.get("values"))}
        names = values if names is None else names & values
    return sorted(names) if names is not None else None
