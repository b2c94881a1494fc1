from kubevet.rules._base import rule

# the help line of each cause (by how its message starts), so that a missing file does not
# get advice about encodings; the rule's own help (its Fix) covers what is not listed
HINTS = (
    ("no such file", "Check the path: nothing exists there (a relative path is taken from the current directory)."),
    ("cannot read", "Make the file readable by the user kubevet runs as, or leave it out (--exclude)."),
    ("binary file", "Keep binary files out of manifest directories, or leave them out (--exclude)."),
    ("unacceptable character", "Remove the control character, or write it as an escape in a double-quoted string (\"\\x01\")."),
    ("not valid UTF", "Save the manifest as UTF-8 (or UTF-16 with a byte-order mark)."),
)


def hint(message: str) -> str | None:
    """The help line for one file-unreadable message, or None for the rule's own."""
    for start, text in HINTS:
        if message.startswith(start):
            return text
    return None


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
