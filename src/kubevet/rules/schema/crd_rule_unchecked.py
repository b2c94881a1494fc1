from kubevet.rules._base import rule
from kubevet.rules.schema._scan import CRD_FILES, KUBE_VERSION, analysis, keep


@rule(code="SCH004", name="crd-rule-unchecked", severity="info", scope="cluster", options=[KUBE_VERSION, CRD_FILES], retain=keep)
def check(ctx):
    """A CRD validation rule could not be evaluated, so custom resources were not checked against it.

    ## What it checks
    The validation that `schema-invalid` (SCH001) runs for custom resources and could
    not complete: a CEL rule (`x-kubernetes-validations`) that calls a function
    kubevet's CEL engine lacks (Kubernetes' `quantity()`, `ip()`, `url()`,
    `format()`, optional types ...), that it cannot parse, or whose evaluation failed;
    a `pattern` its regular-expression engine refuses. Reported once per rule of the CRD,
    at the rule's line, only when the scan has custom resources it applies to, with how
    many. Transition rules (those reading `oldSelf`) are not reported: they compare an
    update with the stored object and are skipped on create by the API server too.

    ## Why it matters
    The API server evaluates these rules and may refuse the resource; kubevet could not
    say either way. It says so rather than count the rule as passed.

    ## Example
    ```yaml
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata:
      name: widgets.example.com
    spec:
      group: example.com
      scope: Namespaced
      names: {kind: Widget, plural: widgets}
      versions:
        - name: v1
          served: true
          storage: true
          schema:
            openAPIV3Schema:
              type: object
              properties:
                spec:
                  type: object
                  properties:
                    size: {type: string}
                  x-kubernetes-validations:
                    - rule: "quantity(self.size).isLessThan(quantity('10Gi'))"
    ---
    apiVersion: example.com/v1
    kind: Widget
    metadata:
      name: small
    spec:
      size: 1Gi
    ```

    ## Fix
    Nothing to fix in the manifests; check the rule by hand, or with a dry run against a cluster (`kubectl apply --dry-run=server`).

    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: nothing-to-check
    data: {}
    ```

    ## Options
    - `kube-version` (set by `--kube-version`): the Kubernetes version to validate for.
    - `crd-files` (set by `--crd`): more CRD files or directories.

    ## References
    - Validation rules (CEL): https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#validation-rules
    - Kubernetes CEL libraries: https://kubernetes.io/docs/reference/using-api/cel/
    - Peers: none evaluates CRD CEL rules offline (kubeconform ignores them).
    """
    for entry in analysis(ctx).catalog.unchecked.values():
        n = len(entry.objects)
        first = entry.objects[0]
        who = f"{first.kind} {first.name or '<unnamed>'}" + (f" and {n - 1} more" if n > 1 else "")
        yield ctx.finding(entry.crd_obj, f"{entry.message} (not checked for {who})", entry.path)
