from kubevet.findings import Finding
from kubevet.rules._base import rule


@rule(code="HYG006", name="cronjob-concurrency-unset", severity="info", kinds=["CronJob"])
def check(obj, ctx):
    """A CronJob does not choose a `concurrencyPolicy`, so its runs may overlap.

    ## What it checks
    Every `batch` CronJob for `spec.concurrencyPolicy`. Any value, `Allow` included, is
    fine: it is the choice that matters.

    ## Why it matters
    Left out, the policy is `Allow`: when a run takes longer than the schedule's
    interval, or a missed run starts late, the next one starts beside it. Jobs that were
    never written to run twice at once (a backup, a migration, a report writing to the
    same file) then corrupt each other's work, and slow runs pile up. `Forbid` skips a
    run while the previous one is still going; `Replace` stops the old one.

    ## Example
    ```yaml
    apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: backup
    spec:
      schedule: "*/30 * * * *"
      startingDeadlineSeconds: 600
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              containers:
                - name: backup
                  image: example/backup:1.2.0
    ```

    ## Fix
    Set `concurrencyPolicy` to `Forbid` or `Replace`, or to `Allow` when overlapping runs are safe.

    ```yaml
    apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: backup
    spec:
      schedule: "*/30 * * * *"
      startingDeadlineSeconds: 600
      concurrencyPolicy: Forbid
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              containers:
                - name: backup
                  image: example/backup:1.2.0
    ```

    ## Options
    None.

    ## References
    - CronJob concurrency policy: https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#concurrency-policy
    - Peers: none of Polaris, kube-linter and kube-score check it.
    """
    if obj.group == "batch" and obj.spec.get("concurrencyPolicy") is None:
        yield Finding("the CronJob sets no concurrencyPolicy, so it defaults to Allow: runs may overlap", ("spec",))
