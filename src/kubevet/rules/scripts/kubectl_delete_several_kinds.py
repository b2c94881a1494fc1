from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.rules._base import WORKLOADS, RuleContext, rule
from kubevet.rules.scripts._shell import findings_of, keep


@rule(code="SHL003", name="kubectl-delete-several-kinds", severity="warning", kinds=(WORKLOADS, "ConfigMap"),
      scope="cluster", retain=keep)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A script deletes several kinds at once by a selector or `--all`.

    ## What it checks
    Every `kubectl delete` (or `oc delete`) in the scripts that workloads run (`sh -c`
    scripts in `command`/`args`, ConfigMap scripts the command runs, and `kubectl` run
    directly), parsed with a real shell parser: a delete by selector or `--all` whose kinds
    are several (`configmaps,secrets,pvc`) or the category `all` (Pods, Services,
    Deployments, ReplicaSets, StatefulSets, Jobs ... at once). Deleting named objects of
    several kinds (`kubectl delete deploy,svc web`) is not reported.

    ## Why it matters
    A selector written for one kind rarely means the same for the others: `-l stale=true`
    may be right for old ConfigMaps and wrong for the Secrets and volume claims that carry
    the same label, and a claim deleted takes its data with it. One command over several
    kinds multiplies what a wrong selector destroys, and `all` expands to more kinds with
    every release.

    ## Example
    ```yaml
    apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: cleanup
    spec:
      schedule: "0 3 * * *"
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              containers:
                - name: cleanup
                  image: bitnami/kubectl:1.31
                  command: ["/bin/sh", "-c", "kubectl delete configmaps,secrets,pvc -l stale=true"]
    ```

    ## Fix
    Delete one kind per command, with a selector made for that kind.

    ```yaml
    apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: cleanup
    spec:
      schedule: "0 3 * * *"
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              containers:
                - name: cleanup
                  image: bitnami/kubectl:1.31
                  command: ["/bin/sh", "-c", "kubectl delete configmaps -l cleanup.example.com/stale=true"]
    ```

    ## Options
    None.

    ## References
    - kubectl delete: https://kubernetes.io/docs/reference/kubectl/generated/kubectl_delete/
    - The parser: bashlex, https://github.com/idank/bashlex
    - Peers: none of Polaris, kube-linter and kube-score read the scripts of pods.
    """
    for obj, script, d in findings_of(ctx):
        if not d.by_selection or d.files:
            continue
        kinds = sorted(set(d.kinds))
        if len(kinds) >= 2 or "all" in kinds:
            yield ctx.finding(obj, f"{script.where}, line {d.line}: `{_short(d.text)}` deletes "
                                   f"{', '.join(kinds)} at once", script.path)


def _short(text: str) -> str:
    return text if len(text) <= 100 else text[:99] + "…"
