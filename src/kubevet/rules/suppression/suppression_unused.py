from kubevet.rules._base import rule


@rule(code="SUP002", name="suppression-unused", severity="info", scope="input")
def suppression_unused():
    """A kubevet.io/ignore annotation suppresses a rule that found nothing on the object.

    ## What it checks
    After every rule has run, each `kubevet.io/ignore` annotation is checked against the
    findings it suppressed. It is reported when a rule it names found nothing on the
    object (the problem was fixed, or the annotation sits on the wrong object or
    container), when it names a rule that does not exist, or when `all` suppressed nothing.
    A rule that is not enabled in the scan finds nothing, so its suppressions are reported
    too, marked "not enabled".

    ## Why it matters
    Stale suppressions hide the next real problem: when the rule would fire again, nobody
    sees it. A misspelt rule name suppresses nothing while looking as if it did.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: api
      annotations:
        kubevet.io/ignore: cpu-request-missing
        kubevet.io/ignore-reason: "legacy"
    spec:
      containers:
        - name: api
          image: example/api:1.4.2
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 128Mi}
    ```

    ## Fix
    Remove the annotation, or the names in it that no longer apply.

    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: api
    spec:
      containers:
        - name: api
          image: example/api:1.4.2
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 128Mi}
    ```

    ## Options
    None.

    ## References
    - ruff's unused-noqa (RUF100), the same idea for Python: https://docs.astral.sh/ruff/rules/unused-noqa/
    """
