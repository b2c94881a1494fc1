from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.model import K8sObject
from kubevet.rules._base import WORKLOADS, Option, RuleContext, rule


@rule(
    code="AVL016",
    name="priority-class-missing",
    severity="info",
    kinds=WORKLOADS,
    options=[Option("allowed-classes", [], "PriorityClasses pods may name; empty allows any.")],
)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Finding]:
    """A pod template names no PriorityClass, so its pods get the cluster's default priority.

    ## What it checks
    The `priorityClassName` of every pod template. When `allowed-classes` lists names, a
    class outside the list is reported too.

    ## Why it matters
    When a cluster runs out of room, the scheduler preempts (evicts) lower-priority pods
    to place higher-priority ones, and the kubelet evicts by priority under node pressure.
    Pods without a class get the global default (0, unless a PriorityClass is marked
    `globalDefault`), so a critical service competes on equal terms with batch jobs and
    experiments, and may be the one preempted. Naming a class says how the workload ranks.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: payments
    spec:
      replicas: 3
      selector:
        matchLabels: {app: payments}
      template:
        metadata:
          labels: {app: payments}
        spec:
          containers:
            - name: payments
              image: registry.example.com/payments:3.1.0
    ```

    ## Fix
    Set priorityClassName to a PriorityClass that ranks the workload among the others of the cluster.

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: payments
    spec:
      replicas: 3
      selector:
        matchLabels: {app: payments}
      template:
        metadata:
          labels: {app: payments}
        spec:
          priorityClassName: business-critical
          containers:
            - name: payments
              image: registry.example.com/payments:3.1.0
    ```

    ## Options
    - `allowed-classes` (default empty: any class): the PriorityClasses pod templates may
      name, e.g. `[business-critical, batch-low]`.

    ## References
    - Pod priority and preemption: https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/
    - Node-pressure eviction: https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/
    - Peers: Polaris `priorityClassNotSet`, kube-linter `priority-class-name` (which checks the
      name against its accepted list; mapped with `allowed-classes`).
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    name = template.spec.get("priorityClassName")
    field = (*template.spec_path, "priorityClassName")
    allowed = ctx.option("allowed-classes")
    if not isinstance(name, str) or not name:
        path = field if "priorityClassName" in template.spec else template.spec_path
        yield Finding("the pod template sets no priorityClassName", path)
    elif allowed and name not in allowed:
        yield Finding(f"priorityClassName {name!r} is not an allowed class ({', '.join(allowed)})", field)
