from kubevet.findings import Finding
from kubevet.rules._base import WORKLOADS, rule
from kubevet.rules.images._common import images, parse_image


@rule(code="IMG002", name="image-digest-missing", severity="info", kinds=WORKLOADS, enabled=False)
def check(obj, ctx):
    """A container image is referred to by tag only, not pinned by digest.

    ## What it checks
    The `image` of every container, init container and ephemeral container of a pod
    template, for a digest (`@sha256:...`). `app:1.4.2@sha256:...` passes: the tag is
    kept for readers, the digest decides what runs. This rule is off by default; select
    it (`--select IMG002`) where your policy requires digests.

    ## Why it matters
    Even a release tag can be pushed again, by mistake or by an attacker who gained
    push rights to the registry. A digest names the image's content: every node runs the
    same bytes, and an image that changed under its tag is refused instead of run.
    Pinning by digest needs tooling that updates the digests (Renovate, Dependabot,
    `kustomize edit set image`), which is why it is not required by default.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: web
          image: nginx:1.27.3
    ```

    ## Fix
    Add the digest of the image you tested to its reference.

    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: web
          image: nginx:1.27.3@sha256:4b5f0cf2a3c8b1c6b1c4c1f1d2a8e3f4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0
    ```

    ## Options
    None.

    ## References
    - Images, image names: https://kubernetes.io/docs/concepts/containers/images/#image-names
    - Peers: kube-score `container-image-tag` (digests only in its strict variants); no
      Polaris or kube-linter check requires a digest.
    """
    for c, image in images(obj, ctx):
        if parse_image(image).digest is None:
            message = f"container {c.name!r} runs image {image!r}, which is not pinned by digest"
            yield Finding(message, (*c.path, "image"))
