from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.rules._base import WORKLOADS, RuleContext, rule
from kubevet.rules.scripts._shell import findings_of, keep


@rule(code="SHL002", name="kubectl-delete-all", severity="warning", kinds=(WORKLOADS, "ConfigMap"),
      scope="cluster", retain=keep)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A script runs `kubectl delete --all` or deletes across all namespaces.

    ## What it checks
    Every `kubectl delete` (or `oc delete`) in the scripts that workloads run (`sh -c`
    scripts in `command`/`args`, ConfigMap scripts the command runs, and `kubectl` run
    directly), parsed with a real shell parser, for `--all` and for `--all-namespaces`
    (`-A`). A `--dry-run` other than `none` deletes nothing and is not reported.

    ## Why it matters
    `--all` deletes every object of the kinds named in the namespace, and `-A` does it in
    every namespace of the cluster, system ones included. A job that runs it with the
    wrong context, namespace or kinds (a variable that was empty, an argument that moved)
    wipes what it was never meant to touch, and nothing asks for confirmation.

    ## Example
    ```yaml
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: reset-test-env
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: reset
              image: bitnami/kubectl:1.31
              command: ["kubectl", "delete", "pods", "--all", "-n", "test"]
    ```

    ## Fix
    Delete by a label that only the objects to remove carry, guarded, in one named namespace.

    ```yaml
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: reset-test-env
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: reset
              image: bitnami/kubectl:1.31
              command: ["kubectl", "delete", "pods", "-l", "app.kubernetes.io/part-of=e2e", "-n", "test"]
    ```

    ## Options
    None.

    ## References
    - kubectl delete: https://kubernetes.io/docs/reference/kubectl/generated/kubectl_delete/
    - The parser: bashlex, https://github.com/idank/bashlex
    - Peers: none of Polaris, kube-linter and kube-score read the scripts of pods.
    """
    for obj, script, d in findings_of(ctx):
        kinds = ",".join(d.kinds) or "objects"
        if d.all_namespaces:
            yield ctx.finding(obj, f"{script.where}, line {d.line}: `{_short(d.text)}` deletes {kinds} in every "
                                   f"namespace ({d.all_namespaces})", script.path)
        elif d.all:
            yield ctx.finding(obj, f"{script.where}, line {d.line}: `{_short(d.text)}` deletes every one of {kinds} "
                                   "in the namespace (--all)", script.path)


def _short(text: str) -> str:
    return text if len(text) <= 100 else text[:99] + "…"
