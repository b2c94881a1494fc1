from kubevet.findings import Finding
from kubevet.rules._base import rule
from kubevet.rules.api._common import KUBE_VERSION, entry, move_to, version


@rule(code="API001", name="api-deprecated", severity="warning", options=[KUBE_VERSION])
def check(obj, ctx):
    """The object uses an API version that is deprecated in the target Kubernetes release.

    ## What it checks
    The `apiVersion` and `kind` of every object against kubevet's table of Kubernetes
    API lifecycles (`data/api-lifecycle.yaml`): an API version deprecated at the target
    release (`--kube-version`, default: the newest) and still served there. The message
    says when it was deprecated, when it is (or will be) removed, and what to use
    instead. Once removed, `api-removed` (API002) reports it instead.

    ## Why it matters
    A deprecated API version still works, with a warning, until the release that
    removes it; then every apply of the manifest fails. Moving while both versions are
    served is a quiet change; moving after the upgrade is an outage.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Endpoints
    metadata:
      name: external-db
    subsets:
      - addresses:
          - ip: 10.0.0.12
        ports:
          - port: 5432
    ```

    ## Fix
    Move the object to the replacement API version the message names.

    ```yaml
    apiVersion: discovery.k8s.io/v1
    kind: EndpointSlice
    metadata:
      name: external-db
      labels:
        kubernetes.io/service-name: external-db
    addressType: IPv4
    endpoints:
      - addresses: ["10.0.0.12"]
    ports:
      - port: 5432
    ```

    ## Options
    - `kube-version` (set by `--kube-version`): the Kubernetes version the manifests are for.

    ## References
    - Deprecated API Migration Guide: https://kubernetes.io/docs/reference/using-api/deprecation-guide/
    - Kubernetes deprecation policy: https://kubernetes.io/docs/reference/using-api/deprecation-policy/
    - Peers: Pluto, kubent; kube-linter `no-extensions-v1beta` covers extensions/v1beta1 only.
    """
    target, life = entry(obj, ctx)
    if life is None or not life.deprecated_at(target):
        return
    removal = f"removed in {version(life.removed)}" if life.removed else "not yet scheduled for removal"
    yield Finding(
        f"{obj.api_version} {obj.kind} is deprecated since Kubernetes {version(life.deprecated)} "
        f"({removal}): {move_to(life)}",
        ("apiVersion",),
    )
