from kubevet.findings import Finding
from kubevet.rules._base import rule
from kubevet.rules.schema._scan import (
    CRD_FILES,
    KUBE_VERSION,
    analysis,
    keep,
    validate_early,
)


def early(obj, ctx):
    """Built-in kinds need no CRD: they are validated as they stream by."""
    for message, path in validate_early(obj, ctx):
        yield Finding(message, path)


@rule(code="SCH001", name="schema-invalid", severity="error", scope="cluster", options=[KUBE_VERSION, CRD_FILES], retain=keep, early=early)
def check(ctx):
    """The API server would reject the object: it does not match its kind's schema.

    ## What it checks
    Every object against the schema the API server of the target Kubernetes version
    (`--kube-version`, default: the newest kubevet ships) validates it with, offline:

    - built-in kinds against the official OpenAPI schemas of that release (strict, as
      `kubectl apply` validates by default since 1.25): unknown fields, wrong types,
      missing required fields, enums, quantities (`cpu: 1 core`), IntOrString fields,
      32- and 64-bit integer ranges, base64 in `[]byte` fields (Secret `data`, webhook
      `caBundle`) and RFC 3339 timestamps;
    - custom resources against the `openAPIV3Schema` of their CustomResourceDefinition,
      found in the scan (in any file, before or after the resource) or given with
      `--crd PATH`: defaults applied and non-nullable nulls dropped first, unknown fields
      (unless `x-kubernetes-preserve-unknown-fields`), `x-kubernetes-int-or-string`,
      `x-kubernetes-embedded-resource`, `set` and `map` list types, and the CEL rules of
      `x-kubernetes-validations` (see `crd-rule-unchecked` for the ones kubevet cannot
      run);
    - the API version itself: a built-in group that does not serve that version or kind
      in the target release (`apps/v2`, `kind: Deploymnet`, an API newer than the
      target), or a CRD that does not serve the version.

    Each finding points at the offending field: an unknown field at its own line, a
    missing field at its parent.

    Targets older than the oldest shipped schemas (1.25) are validated with the 1.25
    schemas, so fields added between the target and 1.25 are not reported; kubevet
    says so when it starts.

    ## Why it matters
    The API server refuses the object and `kubectl apply` stops part-way through a
    rollout. A misspelt optional field is worse: with validation off, or through tools
    that do not validate, it is dropped silently and the setting you wrote never takes
    effect (a `livenessprobe` that never probes).

    Known differences: a missing `spec.selector` of apps/v1 workloads is left to
    `selector-missing` (AVL008), and label values that are not strings to
    `label-value-invalid` (HYG003), so that one mistake is reported once. Removed API
    versions are reported by `api-removed` (API002), not here. What the API server
    checks in code rather than in the schema (name syntax, unique container names ...)
    is `object-invalid` (SCH003). `format` of CRD fields is not checked. CEL runs with
    the Rust `cel` crate, not cel-go: `size()` of a string counts bytes there, not
    characters.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: DaemonSet
    metadata:
      name: agent
    spec:
      replicas: 3
      selector:
        matchLabels: {app: agent}
      template:
        metadata:
          labels: {app: agent}
        spec:
          containers:
            - name: agent
              image: example/agent:1.0.0
              resources:
                requests:
                  cpu: 1 core
              ports:
                - containerPort: "8080"
    ```

    ## Fix
    Remove or correct the field the message names, as the kind's API reference spells it (`kubectl explain daemonset.spec`).

    ```yaml
    apiVersion: apps/v1
    kind: DaemonSet
    metadata:
      name: agent
    spec:
      selector:
        matchLabels: {app: agent}
      template:
        metadata:
          labels: {app: agent}
        spec:
          containers:
            - name: agent
              image: example/agent:1.0.0
              resources:
                requests:
                  cpu: "1"
              ports:
                - containerPort: 8080
    ```

    ## Options
    - `kube-version` (set by `--kube-version`): the Kubernetes version to validate for.
    - `crd-files` (set by `--crd`): more CRD files or directories.

    ## References
    - Kubernetes API reference: https://kubernetes.io/docs/reference/kubernetes-api/
    - Server-side field validation: https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
    - Structural schemas, defaulting, pruning, validation rules of CRDs: https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/
    - Schemas: the PyPI package kubernetes-validate (strict schemas of each release).
    - Peers: kube-linter `schema-validation` and `kubeconform-validation`, kubeconform,
      kubeval.
    """
    for obj, message, path in analysis(ctx).invalid:
        yield ctx.finding(obj, message, path)

