from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.model import K8sObject
from kubevet.rules._base import RuleContext, rule
from kubevet.rules.availability._pdb import spec_path


@rule(code="AVL004", name="pdb-policy-missing", severity="info", kinds="PodDisruptionBudget")
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Finding]:
    """A PodDisruptionBudget does not set unhealthyPodEvictionPolicy, so pods that never become ready can block node drains.

    ## What it checks
    `policy/v1` PodDisruptionBudgets without `spec.unhealthyPodEvictionPolicy`. Setting
    it to either value (`AlwaysAllow` or `IfHealthyBudget`) is a decision and passes;
    `AlwaysAllow` is the recommended one. `policy/v1beta1` budgets are not checked: that
    API was removed in Kubernetes 1.25, before the field existed.

    ## Why it matters
    Without the field Kubernetes applies `IfHealthyBudget`: a running pod that is not
    ready can be evicted only while the application has all the healthy pods its budget
    asks for. When the application is already broken (pods in CrashLoopBackOff, a
    readiness probe that never passes, a bad rollout), its budget is not met, so exactly
    those useless pods cannot be evicted and every drain of their nodes hangs until
    someone steps in.

    It is information, not a warning: unset, the field has a safe default (the budget
    is honoured for every pod), and the drain only hangs once the application is
    already broken. Setting it is a decision worth making, not a fault.

    `AlwaysAllow` lets the eviction API evict running pods that are not ready regardless
    of the budget, while ready pods stay protected as before. An unready pod serves no
    traffic, so evicting it costs no availability. Keep `IfHealthyBudget`, set
    explicitly, only for applications whose starting pods must not be interrupted (a
    database replica catching up, say).

    ## Example
    ```yaml
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: web
    spec:
      maxUnavailable: 1
      selector:
        matchLabels: {app: web}
    ```

    ## Fix
    Set `unhealthyPodEvictionPolicy: AlwaysAllow` (GA since Kubernetes 1.31, on by default since 1.27).

    ```yaml
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: web
    spec:
      maxUnavailable: 1
      unhealthyPodEvictionPolicy: AlwaysAllow
      selector:
        matchLabels: {app: web}
    ```

    ## Options
    None.

    ## References
    - Unhealthy pod eviction policy: https://kubernetes.io/docs/tasks/run-application/configure-pdb/#unhealthy-pod-eviction-policy
    - Kubernetes 1.26 blog post introducing the field: https://kubernetes.io/blog/2023/01/06/unhealthy-pod-eviction-policy-for-pdbs/
    - Peers: kube-linter `pdb-unhealthy-pod-eviction-policy`.
    """
    if obj.api_version == "policy/v1" and obj.spec.get("unhealthyPodEvictionPolicy") is None:
        path = spec_path(obj, "unhealthyPodEvictionPolicy")
        yield Finding("unhealthyPodEvictionPolicy is not set: pods that never become ready can block node drains", path)
