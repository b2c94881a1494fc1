from __future__ import annotations

import re
from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.workloads import containers
from kubevet.model import K8sObject
from kubevet.rules._base import WORKLOADS, Option, RuleContext, rule

DEFAULT_GRACE_SECONDS = 30
SHELLS = frozenset({"sh", "bash", "ash", "dash"})
_SHELL_SLEEP = re.compile(r"\s*(?:exec\s+)?sleep\s+([0-9]+)\s*;?\s*")


@rule(
    code="AVL015",
    name="graceful-shutdown-missing",
    severity="info",
    kinds=WORKLOADS,
    options=[
        Option(
            "min-grace-seconds",
            5,
            "Termination grace period that lets a container without a preStop hook drain by itself.",
        )
    ],
)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Finding]:
    """A container that serves traffic gets no time to finish its requests when its pod stops.

    ## What it checks
    Long-running containers (regular and sidecar ones) that declare a port, in pods that
    do not run to completion (not a Job's or CronJob's, `restartPolicy` neither `Never`
    nor `OnFailure`), for two ways of leaving no room to shut down gracefully:

    - no `lifecycle.preStop` hook, and a pod `terminationGracePeriodSeconds` (30 when
      unset) below `min-grace-seconds`. "Room" is that grace period: the time between
      SIGTERM and SIGKILL in which the application can finish the requests it has and
      stop accepting new ones by itself. With the default settings the rule does not
      fire; it fires when someone shortens the grace period and adds no hook.
    - a preStop hook that only sleeps (`sleep: {seconds: N}`, or an exec of `sleep N`,
      directly or through `sh -c`) for at least the whole grace period. The grace period
      counts from the start of the hook, so SIGTERM then comes when the time is up, and
      the container is killed two seconds later.

    ## Why it matters
    When a pod is deleted (a rollout, a scale-down, a node drain), Kubernetes removes it
    from the Service endpoints and signals its containers at the same time. Load
    balancers, kube-proxy and ingress controllers learn about the removal a few seconds
    later and keep sending requests meanwhile. A container that exits at once, or is
    killed before it finishes, fails those requests: every deploy shows as a burst of
    errors. A short preStop sleep keeps the container serving until the endpoint change
    has spread; a grace period long enough lets an application that drains on SIGTERM do
    so.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      replicas: 2
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          terminationGracePeriodSeconds: 0
          containers:
            - name: web
              image: nginx:1.27
              ports:
                - containerPort: 8080
    ```

    ## Fix
    Add a short preStop sleep and leave the application time after it to finish its requests.

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      replicas: 2
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          terminationGracePeriodSeconds: 30
          containers:
            - name: web
              image: nginx:1.27
              ports:
                - containerPort: 8080
              lifecycle:
                preStop:
                  sleep: {seconds: 5}
    ```

    ## Options
    - `min-grace-seconds` (default 5): the termination grace period, in seconds, that
      leaves a container without a preStop hook room to drain by itself: a few seconds
      is what kube-proxy and ingress controllers usually take to drop an endpoint, and
      what an application needs to finish short requests. Set it above 30
      to ask every serving container that keeps the default grace period for a preStop
      hook too.

    ## References
    - Termination of pods: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
    - Container hooks, hook handler execution: https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-execution
    - Peers: none.
    """
    template = ctx.pod_template(obj)
    if template is None or obj.group == "batch" or template.spec.get("restartPolicy") in ("Never", "OnFailure"):
        return
    grace = template.spec.get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
    if not isinstance(grace, int) or isinstance(grace, bool):
        return
    grace_written = "terminationGracePeriodSeconds" in template.spec
    minimum = ctx.option("min-grace-seconds")
    for c in containers(template, ephemeral=False):
        if not c.long_running or not c.ports:
            continue
        lifecycle = c.get("lifecycle")
        pre_stop = lifecycle.get("preStop") if isinstance(lifecycle, dict) else None
        if not isinstance(pre_stop, dict):
            if grace < minimum:
                path = (*template.spec_path, "terminationGracePeriodSeconds") if grace_written else c.path
                yield Finding(
                    f"container {c.name!r} serves traffic with no preStop hook and {grace}s to shut down "
                    f"(fewer than {minimum}s): requests in flight when its pod stops fail",
                    path,
                )
            continue
        slept = _sleep(pre_stop, (*c.path, "lifecycle", "preStop"))
        if slept is not None and slept[0] >= grace:
            seconds, path = slept
            than = "as long as" if seconds == grace else "longer than"
            yield Finding(
                f"preStop hook of container {c.name!r} sleeps {seconds}s, {than} the {grace}s grace period: "
                "the container is killed before it can shut down",
                path,
            )


def _sleep(pre_stop: dict, path: tuple) -> tuple[int, tuple] | None:
    """How long a preStop hook that does nothing but sleep waits, and where that is written."""
    action = pre_stop.get("sleep")
    if isinstance(action, dict):
        seconds = action.get("seconds")
        if isinstance(seconds, int) and not isinstance(seconds, bool):
            return seconds, (*path, "sleep", "seconds")
        return None
    action = pre_stop.get("exec")
    command = action.get("command") if isinstance(action, dict) else None
    if not isinstance(command, list) or not command or not all(isinstance(part, str) for part in command):
        return None
    program = command[0].rsplit("/", 1)[-1]
    if program == "sleep" and len(command) == 2 and command[1].isdigit():
        seconds = int(command[1])
    elif program in SHELLS and len(command) == 3 and command[1] == "-c" and (m := _SHELL_SLEEP.fullmatch(command[2])):
        seconds = int(m.group(1))
    else:
        return None
    return seconds, (*path, "exec", "command")
