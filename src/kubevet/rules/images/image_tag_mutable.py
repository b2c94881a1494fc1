from kubevet.findings import Finding
from kubevet.rules._base import WORKLOADS, Option, rule
from kubevet.rules.images._common import images, parse_image


@rule(
    code="IMG001",
    name="image-tag-mutable",
    severity="error",
    kinds=WORKLOADS,
    options=[Option("mutable-tags", ["latest"], "tags that are moved to new builds, as latest is")],
)
def check(obj, ctx):
    """A container image has no tag, or a tag such as `latest` that keeps moving to new builds.

    ## What it checks
    The `image` of every container, init container and ephemeral container of a pod
    template. It reports an image without a tag (which means `:latest`) and an image
    whose tag is one of the `mutable-tags`. An image pinned by digest
    (`app@sha256:...`, with or without a tag) is never reported: the digest decides what
    runs. The reference is parsed as the container runtime parses it: in
    `localhost:5000/app` the `:5000` is the registry's port, not a tag, so that image has
    no tag. Placeholders that a build or templating step replaces (`${IMAGE}`,
    `<your-image>`, ko's `ko://example.com/cmd/app`, which `ko resolve` turns into a
    digest) are not image references yet and are left alone.

    ## Why it matters
    A mutable tag names whatever was pushed last. Two nodes pulling the "same" image an
    hour apart can run different code, a rollback does not roll anything back, and nobody
    can tell from the manifest which build is running. With the default `imagePullPolicy`
    (`Always` for `:latest` and untagged images) every pod start also depends on the
    registry being reachable.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: nginx:latest
            - name: cache
              image: localhost:5000/cache
    ```

    ## Fix
    Pin every image to a release tag, or better to a digest.

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: nginx:1.27.3
            - name: cache
              image: localhost:5000/cache@sha256:4b5f0cf2a3c8b1c6b1c4c1f1d2a8e3f4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0
    ```

    ## Options
    - `mutable-tags` (list, default `[latest]`): tags that are reported like `latest`.
      Add the moving tags your registries use, e.g. `[latest, main, stable]`.

    ## References
    - Images, updating images: https://kubernetes.io/docs/concepts/containers/images/#updating-images
    - Configuration best practices, container images: https://kubernetes.io/docs/concepts/configuration/overview/#container-images
    - Peers: Polaris `tagNotSpecified`, kube-linter `latest-tag`, kube-score `container-image-tag`.
    """
    mutable = set(ctx.option("mutable-tags"))
    for c, image in images(obj, ctx):
        ref = parse_image(image)
        if ref.digest is not None:
            continue
        path = (*c.path, "image")
        if ref.tag is None:
            yield Finding(f"container {c.name!r} runs image {image!r} without a tag, which means :latest", path)
        elif ref.tag in mutable:
            yield Finding(f"container {c.name!r} runs image {image!r} by the mutable tag {ref.tag!r}", path)
