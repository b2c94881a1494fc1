from kubevet.findings import Finding
from kubevet.rules._base import rule
from kubevet.rules.hygiene._common import cluster_scoped

RBAC_GROUP = "rbac.authorization.k8s.io"


@rule(code="HYG009", name="default-namespace", severity="info")
def check(obj, ctx):
    """An object is placed explicitly in the `default` namespace.

    ## What it checks
    Every namespaced object for `metadata.namespace: default`. Objects without a
    namespace are not reported: they go where they are applied (`kubectl apply -n`, a
    Helm release's or kustomization's namespace), which is usually the intent. Nor are
    Roles and RoleBindings: their namespace is the one they grant access to, and granting
    access to `default` (to monitor it, say) has to be done there. Built-in
    cluster-scoped kinds ignore `metadata.namespace` and are not reported either.

    ## Why it matters
    `default` is where everything ends up that nobody placed: it has no quota, no
    network policy and no RBAC of its own in most clusters, and anyone with broad
    namespace access sees it. An application pinned to it cannot be installed twice
    (per team or environment) and shares its Secrets and ServiceAccount with every stray
    pod. Give each application a namespace of its own.

    In a Helm chart only a namespace the chart writes itself counts: an object whose
    namespace is the release's (`{{ .Release.Namespace }}`, "default" when the scan gives
    no `--namespace`) goes wherever the chart is installed, so it is not reported.

    Known differences: kube-linter `use-namespace` also reports objects without a
    namespace; kubevet leaves the choice to whoever applies them.

    ## Example
    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: web-config
      namespace: default
    data:
      LOG_LEVEL: info
    ```

    ## Fix
    Put the object in the application's own namespace, or leave the namespace to `kubectl apply -n`.

    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: web-config
      namespace: web
    data:
      LOG_LEVEL: info
    ```

    ## Options
    None.

    ## References
    - Namespaces: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/
    - Peers: kube-linter `use-namespace`.
    """
    if obj.namespace != "default" or cluster_scoped(obj):
        return
    if obj.doc.source.namespace_from_release(obj.line):
        return  # a chart's `namespace: {{ .Release.Namespace }}`: whoever installs it decides
    if obj.group != RBAC_GROUP or obj.kind not in ("Role", "RoleBinding"):
        yield Finding(f"the {obj.kind} is placed in the default namespace", ("metadata", "namespace"))
