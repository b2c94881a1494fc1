from kubevet.rules._base import rule


@rule(code="INP005", name="render-error", severity="error", scope="input")
def render_error():
    """A Helm chart or a kustomization could not be rendered, so none of its objects were checked.

    ## What it checks
    Every Helm chart (a directory with a `Chart.yaml`, or a packaged `.tgz`) and every
    kustomization (a directory with a `kustomization.yaml`) that kubevet renders before
    judging it. The rule reports:

    - a template that does not parse or fails while executing (an unknown function, a
      `required` value that is missing, a `fail` call, a nil pointer), at the template
      file and line Helm names;
    - a values file (`--values`, `--values-matrix`) that is not valid YAML, at its line,
      a bad `--set` expression, or values that break the chart's `values.schema.json`;
    - a dependency declared in `Chart.yaml` that is not vendored in `charts/` (Helm's
      library would quietly render the chart without it; `helm template` refuses);
    - a kustomization that `kustomize build` refuses (a missing resource, a patch that
      matches nothing, a remote base that cannot be fetched).

    The other charts, kustomizations and files of the scan are still scanned, and the
    scan exits with 2: it did not see all of its input.

    ## Why it matters
    `helm install` and `kubectl apply -k` fail on the same error, usually in the middle
    of a deploy. A linter that skips what it cannot render passes a chart nobody checked.

    ## Example
    A chart whose template requires a value that its values do not set:

    ```yaml path=Chart.yaml
    apiVersion: v2
    name: web
    version: 0.1.0
    ```

    ```yaml path=templates/secret.yaml
    apiVersion: v1
    kind: Secret
    metadata:
      name: db
    stringData:
      password: {{ required "set .Values.password" .Values.password | quote }}
    ```

    ## Fix
    Fix the template or give it the values it needs (in values.yaml, a `--values` file or `--set`).

    ```yaml path=Chart.yaml
    apiVersion: v2
    name: web
    version: 0.1.0
    ```

    ```yaml path=values.yaml
    password: change-me
    ```

    ```yaml path=templates/secret.yaml
    apiVersion: v1
    kind: Secret
    metadata:
      name: db
    stringData:
      password: {{ required "set .Values.password" .Values.password | quote }}
    ```

    ## Options
    None.

    ## References
    - `helm template`: https://helm.sh/docs/helm/helm_template/
    - Helm chart dependencies: https://helm.sh/docs/helm/helm_dependency/
    - `kustomize build`: https://kubectl.docs.kubernetes.io/references/kustomize/cmd/build/
    - How kubevet renders charts and kustomizations: docs/helm-kustomize.md
    """
