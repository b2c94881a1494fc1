from kubevet.findings import Finding
from kubevet.rules._base import rule


@rule(code="HYG005", name="cronjob-deadline-missing", severity="warning", kinds=["CronJob"])
def check(obj, ctx):
    """A CronJob sets no `startingDeadlineSeconds`, so a missed run starts however late.

    ## What it checks
    Every `batch` CronJob for `spec.startingDeadlineSeconds`.

    ## Why it matters
    When the CronJob controller misses a scheduled time (the controller restarted, the
    control plane was upgraded, the CronJob was suspended and resumed), it starts the
    missed run as soon as it can, without limit: the nightly batch job runs at noon,
    next to the traffic it was scheduled to avoid. The controller also complains about
    "too many missed start times" when more than 100 schedules were missed. With a
    deadline, a run that could not start in time is skipped and counted as missed, and
    only the window of the deadline is looked at.

    ## Example
    ```yaml
    apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: nightly-report
    spec:
      schedule: "0 2 * * *"
      concurrencyPolicy: Forbid
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              containers:
                - name: report
                  image: example/report:2.3.0
    ```

    ## Fix
    Set `startingDeadlineSeconds` to how late a run may still usefully start.

    ```yaml
    apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: nightly-report
    spec:
      schedule: "0 2 * * *"
      startingDeadlineSeconds: 3600
      concurrencyPolicy: Forbid
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              containers:
                - name: report
                  image: example/report:2.3.0
    ```

    ## Options
    None.

    ## References
    - CronJob limitations: https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#cron-job-limitations
    - Peers: kube-score `cronjob-has-deadline`; Polaris and kube-linter have none.
    """
    if obj.group == "batch" and obj.spec.get("startingDeadlineSeconds") is None:
        yield Finding("the CronJob sets no startingDeadlineSeconds: missed runs start however late", ("spec",))
