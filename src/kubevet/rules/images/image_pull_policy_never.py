from kubevet.findings import Finding
from kubevet.k8s.workloads import containers
from kubevet.rules._base import WORKLOADS, rule


@rule(code="IMG003", name="image-pull-policy-never", severity="warning", kinds=WORKLOADS)
def check(obj, ctx):
    """A container has `imagePullPolicy: Never`, so it starts only on nodes that already hold its image.

    ## What it checks
    Every container, init container and ephemeral container of a pod template for
    `imagePullPolicy: Never`. `IfNotPresent` and `Always` are both fine.

    ## Why it matters
    With `Never` the kubelet does not pull: a pod scheduled onto a node without the image
    stays in `ErrImageNeverPull` until someone loads the image there by hand. That works on
    a single-node development cluster (kind, minikube with a local build) and breaks on
    any real one, where pods move between nodes and new nodes start empty.

    Known differences: kubevet does not ask for `imagePullPolicy: Always`, as Polaris
    `pullPolicyNotAlways` does. Users of kube-score and Polaris dispute that check:
    `Always` makes every pod start (every restart, every reschedule) depend on the
    registry being reachable and fast, and it does not make a mutable tag safe, since two
    pods started a minute apart can still run different builds. Pin tags or digests
    instead (IMG001, IMG002); then `IfNotPresent` runs exactly the image you named.

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
          imagePullPolicy: Never
    ```

    ## Fix
    Push the image to a registry and use `IfNotPresent`, or leave the field out.

    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: web
          image: example/web:1.4.2
          imagePullPolicy: IfNotPresent
    ```

    ## Options
    None.

    ## References
    - Images, image pull policy: https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy
    - Peers: none checks for `Never`. Polaris `pullPolicyNotAlways` checks the opposite
      and is deliberately not mapped (see above).
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    for c in containers(template):
        if c.get("imagePullPolicy") == "Never":
            yield Finding(f"container {c.name!r} never pulls its image", (*c.path, "imagePullPolicy"))
