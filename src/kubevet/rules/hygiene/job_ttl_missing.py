from kubevet.findings import Finding
from kubevet.rules._base import rule
from kubevet.rules.hygiene._common import deploy_hook, owned_by


@rule(code="HYG007", name="job-ttl-missing", severity="info", kinds=["Job"])
def check(obj, ctx):
    """A Job sets no `ttlSecondsAfterFinished`, so it and its pods stay after it finishes.

    ## What it checks
    Every standalone `batch` Job for `spec.ttlSecondsAfterFinished`. Not reported: Jobs
    owned by a CronJob (the CronJob's `successfulJobsHistoryLimit` and
    `failedJobsHistoryLimit` clean those up, so a CronJob's `jobTemplate` needs no TTL),
    and Helm or Argo CD hooks (`helm.sh/hook`, `argocd.argoproj.io/hook`), which those
    tools delete by their hook delete policy.

    ## Why it matters
    A finished Job is kept, with its pods, until someone deletes it. They pile up in
    `kubectl get pods`, hold on to their logs' node disk space, and count against the
    namespace's object quota; re-applying the manifest fails because a Job's pod
    template cannot be changed. With a TTL the TTL controller deletes the Job and its
    pods the given time after it completes or fails.

    Known differences: kube-linter `job-ttl-seconds-after-finished` also reports a
    CronJob whose `jobTemplate` sets a TTL (it can remove Jobs before the history
    limits see them). That is a different check; kubevet reports only the missing TTL.

    ## Example
    ```yaml
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: db-migrate
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: migrate
              image: example/migrate:3.1.0
    ```

    ## Fix
    Set `ttlSecondsAfterFinished` to how long the finished Job should stay for inspection.

    ```yaml
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: db-migrate
    spec:
      ttlSecondsAfterFinished: 86400
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: migrate
              image: example/migrate:3.1.0
    ```

    ## Options
    None.

    ## References
    - Automatic cleanup for finished Jobs: https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/
    - Peers: kube-linter `job-ttl-seconds-after-finished`.
    """
    if obj.group != "batch" or owned_by(obj, "CronJob") or deploy_hook(obj):
        return
    if obj.spec.get("ttlSecondsAfterFinished") is None:
        yield Finding("the Job sets no ttlSecondsAfterFinished: it and its pods stay after it finishes", ("spec",))
