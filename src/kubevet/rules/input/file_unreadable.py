from kubevet.rules._base import rule


@rule(code="INP003", name="file-unreadable", severity="error", scope="input")
def file_unreadable():
    """An input could not be read as text: missing, unreadable, binary or not UTF-8.

    ## What it checks
    Every path given on the command line and every file found in a directory. It reports
    paths that do not exist or cannot be opened, binary files (they contain NUL bytes) and
    text that is not valid UTF-8 (or UTF-16 with a byte-order mark), naming the line of the
    first bad byte. The scan goes on with the other inputs and exits with 2.

    ## Why it matters
    A CI gate that quietly skips a file it cannot read passes a change nobody checked.

    ## Example
    This file was saved as Latin-1, so its "é" is the single byte 0xE9:

    ```yaml encoding=latin-1
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
    data:
      greeting: "café"
    ```

    ## Fix
    Name files that exist and can be read, save manifests as UTF-8, and keep binary files out of manifest directories.

    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
    data:
      greeting: "café"
    ```

    ## Options
    None.

    ## References
    - Kubernetes manifests are UTF-8 JSON or YAML: https://kubernetes.io/docs/concepts/overview/working-with-objects/
    """
