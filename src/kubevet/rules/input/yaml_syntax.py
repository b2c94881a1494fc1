from kubevet.rules._base import rule


@rule(code="INP001", name="yaml-syntax", severity="error", scope="input")
def yaml_syntax():
    """A document is not valid YAML, or is YAML that Kubernetes cannot decode.

    ## What it checks
    Every document is parsed by libyaml and typed as Kubernetes types it (YAML 1.1
    scalars, as sigs.k8s.io/yaml decodes them). The rule reports syntax errors (bad
    indentation, a tab used for indentation, an unclosed bracket or quote), JSON syntax
    errors in JSON input, and YAML that parses but cannot become JSON: a null or list used
    as a map key, `.nan` or `.inf` as a value, a value that does not match its explicit tag.

    Only the broken document is lost: the other documents of the file, and the other
    files, are still scanned. The scan exits with 2.

    ## Why it matters
    `kubectl apply` refuses the whole file when one document does not parse, often in the
    middle of a release. A linter that skips what it cannot read passes a build that the
    cluster will reject.

    ## Example
    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
    data:
      mode: [fast
    ```

    ## Fix
    Correct the YAML at the reported line and column.

    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
    data:
      mode: "[fast"
    ```

    ## Options
    None.

    ## References
    - YAML 1.1 specification: https://yaml.org/spec/1.1/
    - sigs.k8s.io/yaml, how Kubernetes decodes YAML: https://github.com/kubernetes-sigs/yaml
    """
