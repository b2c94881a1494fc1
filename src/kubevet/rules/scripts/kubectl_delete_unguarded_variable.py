from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.rules._base import WORKLOADS, RuleContext, rule
from kubevet.rules.scripts._shell import findings_of, keep


@rule(code="SHL001", name="kubectl-delete-unguarded-variable", severity="error", kinds=(WORKLOADS, "ConfigMap"),
      scope="cluster", retain=keep)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A script deletes by a selector or namespace that comes from a variable which may be empty.

    ## What it checks
    The shell scripts that workloads run (`command`/`args` with `sh -c` or `bash -c`,
    scripts mounted from a ConfigMap and run by the command, and `kubectl` run directly)
    are parsed with a real shell parser. For each `kubectl delete` (or `oc delete`) it
    reports an expansion that may be empty in:

    - the label or field selector (`-l "$SELECTOR"`, `--selector=$SEL`), when the variable
      is the whole selector or its key;
    - the namespace (`-n "$NS"`) of a delete by selector or `--all`;
    - the kinds (`kubectl delete $KINDS -l ...`), and a name left unquoted in a delete by
      selector or `--all`.

    An expansion is taken to be non-empty when it is guarded (`${VAR:?message}`), has a
    non-empty default (`${VAR:-x}`), was assigned a literal earlier in the script, was
    tested with `[ -z "$VAR" ]`/`[ -n "$VAR" ]` before, is a `for` loop variable, or is set
    to a literal in the container's `env`. A variable from `valueFrom` (a ConfigMap key,
    a field) may be empty, and so may a command substitution. Kubernetes' own `$(VAR)` in
    a command run without a shell counts as a variable too.

    ## Why it matters
    An empty selector selects everything: `kubectl delete configmaps,secrets -l "$STALE"`
    with `STALE` unset (a ConfigMap key renamed, a typo in the variable's name) deletes
    every ConfigMap and Secret of the namespace; `-n "$NS"` with `NS` empty runs the delete
    in the namespace of the job's own context. The script reports success, and the outage
    starts when the pods next restart. Names alone fail safely (kubectl refuses a delete
    without names), which is why a name is reported only where the command also deletes
    by selection.

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
                  env:
                    - name: STALE_SELECTOR
                      valueFrom:
                        configMapKeyRef: {name: cleanup, key: selector}
                  command: ["/bin/sh", "-c", "kubectl delete configmaps -l \\"$STALE_SELECTOR\\""]
    ```

    ## Fix
    Guard the variable so the script stops when it is empty: `${STALE_SELECTOR:?must be set}`.

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
                  env:
                    - name: STALE_SELECTOR
                      valueFrom:
                        configMapKeyRef: {name: cleanup, key: selector}
                  command: ["/bin/sh", "-c", "kubectl delete configmaps -l \\"${STALE_SELECTOR:?must be set}\\""]
    ```

    ## Options
    None.

    ## References
    - Bash parameter expansion (`${parameter:?word}`): https://www.gnu.org/software/bash/manual/html_node/Shell-Parameter-Expansion.html
    - Label selectors (an empty selector matches everything): https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
    - The parser: bashlex, https://github.com/idank/bashlex
    - Peers: none of Polaris, kube-linter and kube-score read the scripts of pods.
    """
    for obj, script, d in findings_of(ctx):
        problems = []
        for flag, word in d.selectors:
            if word.expansions and not word.literal.strip(",").partition("=")[0].partition("!")[0]:
                problems.append(f"the selector {flag} {word.text} is empty when {_names(word)} is, "
                                "and an empty selector matches every object")
        selecting = d.by_selection
        if selecting and d.namespace is not None and d.namespace.expansions:
            problems.append(f"the namespace -n {d.namespace.text} falls back to the context's namespace when "
                            f"{_names(d.namespace)} is empty")
        if d.kind_word is not None and d.kind_word.expansions and selecting:
            problems.append(f"the kinds {d.kind_word.text} come from {_names(d.kind_word)}")
        if selecting:
            for name in d.names:
                if name.expansions and not name.quoted:
                    problems.append(f"the name {name.text} vanishes when {_names(name)} is empty, leaving a "
                                    "delete of everything the rest selects")
        for problem in problems:
            yield ctx.finding(obj, f"{script.where}, line {d.line}: `{_short(d.text)}`: {problem}", script.path)


def _names(word) -> str:
    return " or ".join(dict.fromkeys(word.expansions))


def _short(text: str) -> str:
    return text if len(text) <= 100 else text[:99] + "…"
