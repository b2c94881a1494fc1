from kubevet.findings import Finding, Severity
from kubevet.rules._base import WORKLOADS, rule


@rule(code="IDN003", name="deprecated-service-account-field", severity="info", kinds=WORKLOADS)
def check(obj, ctx):
    """A pod names its ServiceAccount with the deprecated `serviceAccount` field.

    ## What it checks
    Every pod template for a non-empty `serviceAccount`, whether or not
    `serviceAccountName` is set too.

    ## Why it matters
    `serviceAccount` is a deprecated alias of `serviceAccountName`, kept only for old
    clients. When both are set and differ, `serviceAccountName` wins and the other
    silently does nothing; readers, policies and tools that look at only one of them are
    misled.

    Alone, the old field works (Kubernetes copies it into `serviceAccountName`), so
    that is information; a warning only when both are set and differ, since then the
    pod runs as another account than the one its author may have meant.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      serviceAccount: web
      containers:
        - name: web
          image: nginx:1.27
    ```

    ## Fix
    Rename the field to `serviceAccountName`.

    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      serviceAccountName: web
      containers:
        - name: web
          image: nginx:1.27
    ```

    ## Options
    None.

    ## References
    - PodSpec, serviceAccount: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security
    - Peers: kube-linter `deprecated-service-account-field`.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    value = template.spec.get("serviceAccount")
    if isinstance(value, str) and value:
        name = template.spec.get("serviceAccountName")
        if isinstance(name, str) and name and name != value:
            yield Finding(
                f"serviceAccount {value!r} is ignored: the pod runs as serviceAccountName {name!r}",
                (*template.spec_path, "serviceAccount"),
                default_severity=Severity.WARNING,
            )
            return
        yield Finding(
            f"serviceAccount is deprecated: use serviceAccountName: {value}",
            (*template.spec_path, "serviceAccount"),
        )
