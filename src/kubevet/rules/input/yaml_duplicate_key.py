from kubevet.rules._base import rule


@rule(code="INP002", name="yaml-duplicate-key", severity="warning", scope="input")
def yaml_duplicate_key():
    """A map sets the same key twice; Kubernetes silently keeps only the last value.

    ## What it checks
    Every map of every document (and every JSON object) for a key that appears more than
    once. The finding points at the second occurrence.

    ## Why it matters
    YAML forbids duplicate keys, but the decoder Kubernetes uses keeps the last one
    without a word. A `resources:` block written twice, or two `env:` lists, means half of
    what the author wrote never reaches the cluster.

    ## Example
    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
    data:
      mode: fast
      mode: safe
    ```

    ## Fix
    Keep one of the keys, merging what both meant to set.

    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
    data:
      mode: safe
    ```

    ## Options
    None.

    ## References
    - YAML 1.2, mapping keys are unique: https://yaml.org/spec/1.2.2/#mapping
    """
