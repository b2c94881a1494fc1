import re
from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.rbac import BINDING_KINDS, controller_accounts
from kubevet.k8s.workloads import service_account
from kubevet.rules._base import WORKLOADS, RuleContext, namespace_of, rule
from kubevet.rules.rbac._common import model

# a DNS-1123 subdomain, which ServiceAccount names are; anything else ("$SA_NAME",
# "<KSA_NAME>") is a placeholder of a template, and schema validation's business
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")


@rule(
    code="RBC009",
    name="service-account-missing",
    severity="warning",
    kinds=[WORKLOADS, "ServiceAccount", *BINDING_KINDS],
    scope="cluster",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A pod runs as, or a binding grants to, a ServiceAccount that is defined nowhere.

    ## What it checks
    The ServiceAccount of every pod template (`serviceAccountName`, or the deprecated
    `serviceAccount`) and every ServiceAccount subject of the RoleBindings and
    ClusterRoleBindings of the scan, against the ServiceAccounts the scan and its
    `--context` sources define in that namespace. A ServiceAccount written without a
    namespace goes wherever the manifests are applied (`kubectl apply -n ...`) and counts
    for every namespace. Never reported: `default`, which every namespace has, and the
    ServiceAccounts of kube-controller-manager's controllers in `kube-system`
    (`horizontal-pod-autoscaler` ...), which it creates itself, and names that are not valid
    ServiceAccount names (`$SA_NAME`, `<KSA_NAME>`: placeholders of a template).

    A binding subject is reported at its entry in `subjects`; a pod at its
    `serviceAccountName`. ServiceAccounts created outside the manifests (by a Helm chart,
    Terraform or an operator) are supplied with `--context`, or the finding is suppressed
    where that is known.

    ## Why it matters
    The API server refuses to create a pod whose ServiceAccount does not exist: the
    Deployment rolls out nothing and says so only in its ReplicaSet's events. A binding to
    a missing ServiceAccount grants nothing to the workload it was meant for (a typo, a
    renamed account), which then fails with "forbidden"; and it hands its rights to
    whoever later creates a ServiceAccount of that name, which anyone who may create
    ServiceAccounts in the namespace can do.

    Known differences: kube-linter's `non-existent-service-account` judges pods only;
    kubevet also judges the ServiceAccounts that bindings grant to.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      namespace: shop
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          serviceAccountName: web
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Fix
    Define the ServiceAccount in the same namespace, or pass the manifests that define it with `--context`.

    ```yaml
    apiVersion: v1
    kind: ServiceAccount
    metadata:
      name: web
      namespace: shop
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      namespace: shop
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          serviceAccountName: web
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Options
    None.

    ## References
    - Service accounts: https://kubernetes.io/docs/concepts/security/service-accounts/
    - Peers: kube-linter `non-existent-service-account` (pods only).
    """
    defined = controller_accounts() | {
        (namespace_of(sa), sa.name) for sa in ctx.objects("ServiceAccount") if sa.group == "" and sa.name
    }
    anywhere = {sa.name for sa in ctx.objects("ServiceAccount") if sa.group == "" and sa.namespace is None}

    def missing(namespace: str, name: str) -> bool:
        return (
            name != "default"
            and _NAME.match(name) is not None
            and _NAME.match(namespace) is not None
            and name not in anywhere
            and (namespace, name) not in defined
        )

    for obj, template in ctx.judged_workloads():
        name, path = service_account(template)
        if not obj.unjudged and path is not None and missing(namespace_of(obj), name):
            yield ctx.finding(obj, f"ServiceAccount {name!r} is not defined in namespace {namespace_of(obj)}", path)
    for binding in model(ctx).bindings:
        if binding.obj.unjudged:
            continue
        for s in binding.subjects:
            if s.kind == "ServiceAccount" and missing(s.namespace, s.name):
                message = f"ServiceAccount {s.namespace}/{s.name} is not defined: the binding grants to nobody yet"
                yield ctx.finding(binding.obj, message, ("subjects", s.index))
