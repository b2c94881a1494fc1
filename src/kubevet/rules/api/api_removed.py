from kubevet.findings import Finding
from kubevet.rules._base import rule
from kubevet.rules.api._common import KUBE_VERSION, entry, move_to, version


@rule(code="API002", name="api-removed", severity="error", options=[KUBE_VERSION])
def check(obj, ctx):
    """The object uses an API version that the target Kubernetes release no longer serves.

    ## What it checks
    The `apiVersion` and `kind` of every object against kubevet's table of Kubernetes
    API removals (`data/api-lifecycle.yaml`): every built-in API version removed from
    1.16 to the newest release kubevet knows, from the official Deprecated API Migration
    Guide and the OpenAPI of each release, with the release that deprecated it, the one
    that removed it, and the API version to use instead. The target release is
    `--kube-version` (default: the newest).

    ## Why it matters
    The API server answers `no matches for kind "Ingress" in version
    "extensions/v1beta1"`: nothing of the object is applied, and a Helm release or a
    GitOps sync fails as a whole. It happens on cluster upgrades, to manifests that
    worked the day before.

    ## Example
    ```yaml
    apiVersion: policy/v1beta1
    kind: PodDisruptionBudget
    metadata:
      name: web
    spec:
      minAvailable: 1
      selector:
        matchLabels: {app: web}
    ```

    ## Fix
    Move the object to the replacement API version the message names, with the field changes it lists.

    ```yaml
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: web
    spec:
      minAvailable: 1
      selector:
        matchLabels: {app: web}
    ```

    ## Options
    - `kube-version` (set by `--kube-version`): the Kubernetes version the manifests are for.

    ## References
    - Deprecated API Migration Guide: https://kubernetes.io/docs/reference/using-api/deprecation-guide/
    - Kubernetes deprecation policy: https://kubernetes.io/docs/reference/using-api/deprecation-policy/
    - Peers: kube-linter `no-extensions-v1beta` (extensions/v1beta1 only), Pluto,
      kubent, kubeconform (as a missing schema).
    """
    target, life = entry(obj, ctx)
    if life is None or not life.removed_at(target):
        return
    since = f"deprecated in {version(life.deprecated)}, " if life.deprecated else ""
    yield Finding(
        f"{obj.api_version} {obj.kind} is not served by Kubernetes {version(target)} "
        f"({since}removed in {version(life.removed)}): {move_to(life)}",
        ("apiVersion",),
    )
