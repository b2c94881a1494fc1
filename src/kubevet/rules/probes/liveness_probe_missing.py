from __future__ import annotations

from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.model import K8sObject
from kubevet.rules._base import WORKLOADS, RuleContext, rule
from kubevet.rules.probes._common import long_running_containers, probe_of


@rule(code="PRB002", name="liveness-probe-missing", severity="warning", kinds=WORKLOADS)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Finding]:
    """A long-running container has no liveness probe, so a hung process is never restarted.

    ## What it checks
    Regular containers, and sidecar init containers (`restartPolicy: Always`), that have no
    `livenessProbe`. Not checked: Jobs, CronJobs and other pods that run to completion
    (`restartPolicy: Never` or `OnFailure`), plain init containers and ephemeral
    containers, which all end on their own.

    ## Why it matters
    The kubelet restarts a container only when its process exits. A process that deadlocks,
    leaks until it stops answering or loses its event loop keeps running: the pod looks
    fine while doing nothing, until a person notices and deletes it. A liveness probe
    that checks the process itself (not its dependencies) turns that into an automatic
    restart.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: checkout
    spec:
      replicas: 3
      selector:
        matchLabels: {app: checkout}
      template:
        metadata:
          labels: {app: checkout}
        spec:
          containers:
            - name: checkout
              image: registry.example.com/checkout:4.2.1
              ports:
                - name: http
                  containerPort: 8080
              readinessProbe:
                httpGet: {path: /readyz, port: http}
                periodSeconds: 5
                timeoutSeconds: 3
                failureThreshold: 2
    ```

    ## Fix
    Add a livenessProbe that checks only that the process itself still responds.

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: checkout
    spec:
      replicas: 3
      selector:
        matchLabels: {app: checkout}
      template:
        metadata:
          labels: {app: checkout}
        spec:
          containers:
            - name: checkout
              image: registry.example.com/checkout:4.2.1
              ports:
                - name: http
                  containerPort: 8080
              startupProbe:
                httpGet: {path: /livez, port: http}
                periodSeconds: 5
                failureThreshold: 24
              readinessProbe:
                httpGet: {path: /readyz, port: http}  # checks the database
                periodSeconds: 5
                timeoutSeconds: 3
                failureThreshold: 2
              livenessProbe:
                httpGet: {path: /livez, port: http}   # the process only
                periodSeconds: 10
                timeoutSeconds: 5
                failureThreshold: 6
    ```

    ## Options
    None.

    ## References
    - Configure liveness, readiness and startup probes: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
    - Sidecar containers: https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
    - Peers: Polaris `livenessProbeMissing`, kube-linter `no-liveness-probe`, kube-score `container-probes`.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    for c in long_running_containers(template):
        if probe_of(c, "livenessProbe") is None:
            yield Finding(f"container {c.name!r} has no livenessProbe", c.path)
