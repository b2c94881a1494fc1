from collections.abc import Iterator

from kubevet.findings import Finding
from kubevet.k8s.namespaces import keep_for_namespaces
from kubevet.rules._base import RuleContext, namespace_of, rule
from kubevet.rules.network._common import pod_index, service_selector


@rule(code="NET005", name="service-selects-nothing", severity="error", scope="cluster", retain=keep_for_namespaces)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A Service's selector matches no pod template of its namespace, so it has no endpoints.

    ## What it checks
    The `spec.selector` of every Service of the scan against the labels of the pod
    templates of its namespace (Deployments, StatefulSets, DaemonSets, Jobs, Pods ...,
    those of `--context` sources included). A Service selector is a plain map: every
    key must be among the pod's labels with the same value. Services without a selector
    (their endpoints are managed by hand or by a controller) and ExternalName Services
    are not judged.

    Pods carry the labels their controllers add as well: a Job's pods its `job-name`
    (a headless Service for a Job's pods selects `job-name: <job>`), and a selector on a
    label whose value only the cluster knows (`statefulset.kubernetes.io/pod-name`,
    `pod-template-hash` ...) is taken to match. Pods that operators create from custom
    resources are in no template: a selector that names a custom resource of the
    namespace (`cnpg.io/cluster: pg-main` beside a Cluster `pg-main`), matches one of its
    label maps, or uses a label key of the API domain of a custom resource or CRD of the
    scan is taken to aim at those pods and is not reported.

    ## Why it matters
    A Service whose selector matches no pod has no endpoints: clients get connection
    refused or time out, while every object looks healthy. The usual cause is a label
    that differs by one character, or a selector copied from another application.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: redis
    spec:
      clusterIP: None
      selector: {app: redis, role: primary}
      ports:
        - port: 6379
    ---
    apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: redis
    spec:
      serviceName: redis
      selector:
        matchLabels: {app: redis}
      template:
        metadata:
          labels: {app: redis}
        spec:
          containers:
            - name: redis
              image: redis:7.2.5
    ```

    ## Fix
    Make the selector a subset of the labels of the pods the Service is for.

    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: redis
    spec:
      clusterIP: None
      selector: {app: redis}
      ports:
        - port: 6379
    ---
    apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: redis
    spec:
      serviceName: redis
      selector:
        matchLabels: {app: redis}
      template:
        metadata:
          labels: {app: redis}
        spec:
          containers:
            - name: redis
              image: redis:7.2.5
    ```

    ## Options
    None.

    ## References
    - Service, services without selectors: https://kubernetes.io/docs/concepts/services-networking/service/#services-without-selectors
    - Peers: kube-linter `dangling-service`.
    """
    for service in ctx.judged("Service"):
        selector = service_selector(service)
        if service.unjudged or selector is None:
            continue
        index = pod_index(ctx)  # built once per scan, and only when something is judged
        ns = namespace_of(service)
        if any(pods.may_match_map(selector) for pods in index.candidates(ns, selector)):
            continue
        if not index.operator_may_create(ns, selector, plain_map=True):
            message = f"selector matches no pod template in namespace {ns!r}: the Service has no endpoints"
            yield ctx.finding(service, message, ("spec", "selector"))
