from kubevet.rules._base import rule
from kubevet.rules.schema._scan import CRD_FILES, KUBE_VERSION, analysis, keep


@rule(code="SCH002", name="schema-unknown-kind", severity="info", scope="cluster", options=[KUBE_VERSION, CRD_FILES], retain=keep)
def check(ctx):
    """kubevet has no schema for a kind, so its objects' fields were not checked.

    ## What it checks
    Objects whose kind `schema-invalid` (SCH001) cannot validate: a custom resource
    whose CustomResourceDefinition is neither in the scan nor given with `--crd`, or a
    built-in API version that the target release serves but kubevet's oldest schemas
    (1.25) no longer describe. Reported once per kind and API version per scan, at the
    first object of that kind, with how many objects it concerns.

    Removed API versions are not reported here: `api-removed` (API002) reports them.

    ## Why it matters
    A scan that passes says nothing about these objects' fields: a typo in a custom
    resource goes unnoticed until the operator ignores the setting or the API server
    refuses it. Nothing is passed silently: this tells you what was not checked.

    ## Example
    ```yaml
    apiVersion: monitoring.coreos.com/v1
    kind: ServiceMonitor
    metadata:
      name: web
    spec:
      selector:
        matchLabels: {app: web}
      endpoints:
        - port: metrics
    ```

    ## Fix
    Give kubevet the CRD with `--crd crds/` (or scan it together with the resources).

    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: web
    data:
      key: value
    ```

    ## Options
    - `kube-version` (set by `--kube-version`): the Kubernetes version to validate for.
    - `crd-files` (set by `--crd`): more CRD files or directories.

    ## References
    - Custom resources: https://kubernetes.io/docs/concepts/extend-kubernetes/api-extension/custom-resources/
    - Peers: kubeconform `-ignore-missing-schemas` (kubevet reports them instead of
      ignoring them), kube-linter `schema-validation` (ignores them).
    """
    for (api_version, kind), (obj, count, message) in analysis(ctx).unknown.items():
        more = f" ({count} objects of this kind)" if count > 1 else ""
        yield ctx.finding(obj, f"{message}{more}", ("kind",))
