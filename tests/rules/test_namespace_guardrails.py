"""Namespace guardrails across objects: which namespaces are judged, where findings point,
what --context sources contribute, and the options of the namespace and network rules."""

from __future__ import annotations

from kubevet.config import Config
from kubevet.engine import Engine
from kubevet.model import Source

APP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          resources:
            requests: {cpu: 500m, memory: 256Mi}
            limits: {cpu: "1", memory: 256Mi}
"""

PLATFORM = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: shop
spec:
  hard: {requests.cpu: "1", requests.memory: 4Gi}
---
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: shop
spec:
  limits:
    - type: Container
      default: {cpu: 500m, memory: 512Mi}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
"""


def scan(text: str, *rules: str, guardrails=(), context: str | None = None, options=None):
    config = Config(select=list(rules), namespace_guardrails=list(guardrails), options=options or {})
    sources = [Source(None, "app.yaml", text.encode())]
    ctx = [Source(None, "platform.yaml", context.encode())] if context else []
    return Engine(config).scan(sources, context=ctx).findings


def test_a_namespace_the_scan_only_deploys_into_is_judged_when_named():
    assert not scan(APP, "NSG001")
    findings = scan(APP, "NSG001", guardrails=["shop"])
    assert [(f.line, f.obj.kind, f.obj.name) for f in findings] == [(5, "ConfigMap", "settings")]
    assert findings[0].extra == {"namespace": "shop"}


def test_all_judges_every_namespace_of_the_scan_but_the_clusters_own():
    text = APP + "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: agent\n  namespace: kube-system\n"
    assert {f.extra["namespace"] for f in scan(text, "NSG002", guardrails=["all"])} == {"shop"}
    assert {f.extra["namespace"] for f in scan(text, "NSG002", guardrails=["kube-system"])} == {"kube-system"}


def test_objects_without_a_namespace_land_in_default_and_point_at_the_object():
    text = APP.replace("  namespace: shop\n", "")
    findings = scan(text, "NSG001", guardrails=["default"])
    assert [(f.line, f.obj.name, f.extra["namespace"]) for f in findings] == [(1, "settings", "default")]


def test_cluster_scoped_objects_and_placeholders_make_no_namespace():
    text = (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ${NAMESPACE}\n"
    )
    assert not scan(text, "NSG001", guardrails=["all"])


def test_a_named_namespace_with_nothing_of_the_scan_in_it_is_not_reported():
    assert not scan(APP, "NSG001", "NSG002", "NET001", guardrails=["billing"])


def test_context_guardrails_count_but_are_never_reported_on():
    # the platform's Namespace, quota, LimitRange and policy satisfy the guardrails ...
    assert not scan(APP, "NSG001", "NSG002", "NET001", guardrails=["shop"], context=PLATFORM)
    # ... and a Namespace object of the context does not make the namespace judged
    assert not scan(APP, "NSG001", context=PLATFORM.split("---")[0])


def test_a_context_quota_overrun_points_at_the_namespace():
    findings = scan(APP, "NSG003", context=PLATFORM)
    # 2 replicas + 1 surge pod (25% of 2, rounded up) x 500m = 1500m > 1
    assert [(f.line, f.obj.name) for f in findings] == [(5, "settings")]
    assert "need requests.cpu 1500m (1 at their replicas + 500m for rolling-update surge)" in findings[0].message
    assert "ResourceQuota 'compute'" in findings[0].message


def test_a_context_workload_alone_over_the_quota_is_not_the_scans_finding():
    assert not scan(PLATFORM.split("---")[0], "NSG003", context=PLATFORM + "---\n" + APP)


def test_the_default_deny_is_reported_once_per_direction():
    text = APP + "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
    findings = scan(text, "NET001")
    assert sorted(f.extra["direction"] for f in findings) == ["Egress", "Ingress"]
    assert {f.line for f in findings} == {30}


def test_the_cpu_limit_default_may_be_left_out():
    text = (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\n"
        "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: d\n  namespace: shop\nspec:\n"
        "  limits:\n    - type: Container\n      defaultRequest: {cpu: 100m, memory: 128Mi}\n"
        "      default: {memory: 512Mi}\n"
    )
    [finding] = scan(text, "NSG002")
    assert finding.message == "the LimitRanges of namespace 'shop' give containers no default limits.cpu"
    assert not scan(text, "NSG002", options={"namespace-limitrange-missing": {"cpu-limit": "false"}})


def test_pod_isolation_in_one_direction_only_on_request():
    text = APP + (
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  namespace: shop\n"
        "spec:\n  podSelector: {matchLabels: {app: web}}\n"
    )
    [finding] = scan(text, "NET002")
    assert "for egress" in finding.message
    assert not scan(text, "NET002", options={"pod-not-isolated": {"directions": "ingress"}})


def test_pods_of_the_context_resolve_the_scans_selectors():
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\n"
        "spec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: http}]\n"
    )
    assert [f.code for f in scan(service, "NET005", "NET006")] == ["NET005"]
    named = APP.replace("          resources:", "          ports: [{name: http, containerPort: 8080}]\n          resources:")
    assert not scan(service, "NET005", "NET006", context=named)
