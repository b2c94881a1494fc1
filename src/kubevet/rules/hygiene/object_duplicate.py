from kubevet.rules._base import namespace_of, rule
from kubevet.rules.hygiene._common import cluster_scoped


@rule(code="HYG002", name="object-duplicate", severity="error", scope="cluster", retain="identity")
def check(ctx):
    """The same object is defined twice in one scan, and one definition overwrites the other.

    ## What it checks
    Every named object of the scan, by its identity in the cluster: API group (not
    version: `apps/v1` and `apps/v1beta2` name the same resource), kind, namespace and
    name. An object without a namespace lands in `default`, as `kubectl apply` puts it;
    built-in cluster-scoped kinds (Namespace, ClusterRole, CustomResourceDefinition,
    StorageClass ...) have no namespace, so a `metadata.namespace` on them is ignored.
    Custom kinds are taken as namespaced. Each repetition is reported at its
    `metadata.name`, with the place of the first definition. Objects with only
    `generateName` are left out: each apply creates a new one.

    ## Why it matters
    `kubectl apply` applies both definitions in turn and the last one wins, silently:
    the first is dead text that reviewers still read and edit. When the two come from
    different files, which one wins depends on file order, and tools that apply the set
    at once (server-side apply, Argo CD, Flux, Helm) fail or fight over the object
    instead.

    Scan one deployable set at a time: a kustomize base and its overlays, or one chart
    rendered for two environments, define the same objects on purpose.

    ## Example
    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: web-config
    data:
      LOG_LEVEL: info
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: web-config
      namespace: default
    data:
      LOG_LEVEL: debug
    ```

    ## Fix
    Keep one definition of each object, or give the copies different names or namespaces.

    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: web-config
    data:
      LOG_LEVEL: info
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: web-config
      namespace: staging
    data:
      LOG_LEVEL: debug
    ```

    ## Options
    None.

    ## References
    - Object names and IDs: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
    - Declarative management with kubectl apply: https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/
    - Peers: none of Polaris, kube-linter and kube-score compare objects with each other
      this way.
    """
    first = {}
    for obj in ctx.judged():
        if obj.name is None or obj.unjudged:
            continue
        namespace = None if cluster_scoped(obj) else namespace_of(obj)
        key = (obj.group, obj.kind, namespace, obj.name)
        earlier = first.setdefault(key, obj)
        if earlier is not obj:
            where = f"{earlier.doc.source.display}:{earlier.line}"
            name = f"{namespace}/{obj.name}" if namespace else obj.name
            message = f"{obj.kind} {name} is defined twice; the first definition is at {where}"
            yield ctx.finding(obj, message, ("metadata", "name"))
