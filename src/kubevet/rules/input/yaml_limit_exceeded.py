from kubevet.rules._base import rule


@rule(code="INP004", name="yaml-limit-exceeded", severity="error", scope="input")
def yaml_limit_exceeded():
    """A document is built to exhaust a parser: an alias bomb, or nesting over 1000 levels.

    ## What it checks
    Aliases (`*name`) are shared, not copied, while a document is decoded; when expanding
    them would produce more than 1,000,000 nodes (the "billion laughs" attack) the document
    is refused. Nesting deeper than 1000 levels is refused by libyaml. Either way the
    document is reported at the line where the limit was hit and the scan goes on.

    ## Why it matters
    Such documents make tools hang or run out of memory; the Kubernetes API server has
    the same kind of limits (it refused alias bombs after CVE-2019-11253). No real
    manifest comes near them.

    ## Example
    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: lol
    data:
      a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
      b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
      c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
      d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
      e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
      f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
      g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
    ```

    ## Fix
    Write the data out plainly; use aliases only for small repeated blocks.

    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: lol
    data:
      a: "lol"
    ```

    ## Options
    None.

    ## References
    - CVE-2019-11253, YAML parsing in the API server: https://github.com/kubernetes/kubernetes/issues/83253
    """
