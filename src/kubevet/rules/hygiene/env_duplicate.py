from kubevet.findings import Finding
from kubevet.k8s.workloads import containers
from kubevet.rules._base import WORKLOADS, rule


@rule(code="HYG001", name="env-duplicate", severity="warning", kinds=WORKLOADS)
def check(obj, ctx):
    """A container sets the same environment variable twice, and only the last one counts.

    ## What it checks
    The `env` list of every container, init container and ephemeral container of a pod
    template. Each repeated name is reported at its later entry, which is the one that
    wins. Names that `envFrom` also provides are not reported: overriding a ConfigMap or
    Secret entry with `env` is deliberate and documented behaviour.

    ## Why it matters
    The API server accepts the duplicate (recent versions only warn) and the kubelet keeps
    the last value, so the earlier entry is dead configuration: someone changes it and
    nothing happens. Tools that merge the list by name (`kubectl apply`, server-side
    apply, kustomize patches) may also keep, drop or reject the duplicate differently
    from the kubelet.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: web
          image: example/web:1.4.2
          env:
            - name: PORT
              value: "8080"
            - name: LOG_LEVEL
              value: info
            - name: PORT
              value: "9090"
    ```

    ## Fix
    Keep one entry per name, with the value you mean.

    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: web
          image: example/web:1.4.2
          env:
            - name: PORT
              value: "9090"
            - name: LOG_LEVEL
              value: info
    ```

    ## Options
    None.

    ## References
    - Define environment variables for a container: https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/
    - Peers: kube-linter `duplicate-env-var`.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    for c in containers(template):
        env = c.get("env")
        if not isinstance(env, list):
            continue
        first: dict[str, int] = {}
        for i, var in enumerate(env):
            name = var.get("name") if isinstance(var, dict) else None
            if not isinstance(name, str):
                continue
            if name in first:
                yield Finding(
                    f"env {name} of container {c.name!r} is set again (first as entry {first[name]}); this one wins",
                    (*c.path, "env", i, "name"),
                )
            else:
                first[name] = i
