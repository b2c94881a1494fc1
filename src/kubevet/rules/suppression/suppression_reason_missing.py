from kubevet.rules._base import rule


@rule(code="SUP001", name="suppression-reason-missing", severity="warning", scope="input", enabled=False)
def suppression_reason_missing():
    """A kubevet.io/ignore annotation suppresses findings without saying why.

    ## What it checks
    Every `kubevet.io/ignore` and `kubevet.io/ignore.<container>` annotation, on an object
    or its pod template, must have a `kubevet.io/ignore-reason` annotation beside it (in the
    same `metadata.annotations`). The rule is off by default; turn it on (`--select
    suppression-reason-missing`, or `require-suppression-reason: true` in the configuration)
    where every exception must be justified.

    ## Why it matters
    A suppression is a decision to accept a risk. Without a reason the next reader cannot
    tell a considered exception from a shortcut, and nobody knows when it may be removed.

    ## Example
    ```yaml
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: report
      annotations:
        kubevet.io/ignore: cpu-limit-missing
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: report
              image: example/report:4.0.0
    ```

    ## Fix
    Say why the finding is accepted in a kubevet.io/ignore-reason annotation.

    ```yaml
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: report
      annotations:
        kubevet.io/ignore: cpu-limit-missing
        kubevet.io/ignore-reason: "nightly batch job; CPU throttling would only slow it down"
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: report
              image: example/report:4.0.0
    ```

    ## Options
    None.

    ## References
    - Suppressing findings: docs/configuration.md
    """
