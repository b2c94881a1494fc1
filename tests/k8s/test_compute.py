"""Compute resources as the API server accounts for them: pods per workload, LimitRange
defaults, a pod's effective requests, quota scopes, amounts in words."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from kubevet.k8s.compute import (
    container_resources,
    format_amount,
    limitrange_defaults,
    pod_amount,
    pod_count,
    pod_resources,
    quota_selects,
)
from kubevet.k8s.workloads import Workloads, containers
from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Source
from kubevet.rules import lookup
from kubevet.rules._base import RuleContext


def objects(text: str) -> list[K8sObject]:
    return [o for o in read_source(Source(None, "t.yaml", text.encode())) if isinstance(o, K8sObject)]


def context(text: str) -> RuleContext:
    return RuleContext(lookup("quota-exceeded"), {}, Workloads(), objects(text))


def deployment(spec: dict, kind: str = "Deployment", api: str = "apps/v1") -> str:
    template = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "x", "image": "x:1"}]}}
    return yaml.safe_dump({"apiVersion": api, "kind": kind, "metadata": {"name": "x"}, "spec": {**spec, "template": template}})


@pytest.mark.parametrize(
    ("kind", "spec", "steady", "surge"),
    [
        ("Deployment", {}, 1, 1),  # 25% of 1 rounds up to 1
        ("Deployment", {"replicas": 10}, 10, 3),  # 2.5 rounds up to 3
        ("Deployment", {"replicas": 4, "strategy": {"rollingUpdate": {"maxSurge": 0}}}, 4, 0),
        ("Deployment", {"replicas": 4, "strategy": {"type": "Recreate"}}, 4, 0),
        ("Deployment", {"replicas": 0}, 0, 0),
        ("StatefulSet", {"replicas": 3}, 3, 0),
        ("ReplicaSet", {}, 1, 0),
        ("DaemonSet", {}, 1, 0),
        ("DaemonSet", {"updateStrategy": {"rollingUpdate": {"maxSurge": "10%"}}}, 1, 1),
        ("Job", {"parallelism": 5, "completions": 2}, 2, 0),
        ("Job", {"suspend": True}, 0, 0),
    ],
)
def test_pod_count(kind, spec, steady, surge):
    api = "batch/v1" if kind == "Job" else "apps/v1"
    ctx = context(deployment(spec, kind, api))
    count = pod_count(ctx, next(ctx.objects(kind)))
    assert (count.steady, count.surge) == (steady, surge)


def test_pod_count_follows_the_autoscaler_minimum():
    hpa = (
        "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: x}\n"
        "spec:\n  scaleTargetRef: {kind: Deployment, name: x}\n  minReplicas: 8\n  maxReplicas: 20\n"
    )
    ctx = context(deployment({"replicas": 2}) + hpa)
    count = pod_count(ctx, next(ctx.objects("Deployment")))
    assert (count.steady, count.surge) == (8, 2)


def test_limitrange_defaults_are_completed_as_the_api_server_does():
    [lr] = objects(
        "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l}\nspec:\n  limits:\n"
        "    - type: Container\n      max: {cpu: '2'}\n      min: {memory: 64Mi}\n      default: {memory: 256Mi}\n"
    )
    defaults = limitrange_defaults(lr)
    assert {r: d.amount for r, d in defaults["limits"].items()} == {"cpu": 2, "memory": 256 << 20}
    # defaultRequest: from default (which came from max for cpu), else from min
    assert {r: d.amount for r, d in defaults["requests"].items()} == {"cpu": 2, "memory": 256 << 20}


def test_a_missing_request_takes_the_containers_own_limit_before_any_default():
    [lr, pod] = objects(
        "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l}\nspec:\n  limits:\n"
        "    - type: Container\n      defaultRequest: {cpu: 100m}\n      default: {cpu: 200m, memory: 1Gi}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - name: c\n      image: c:1\n      resources: {limits: {cpu: '1'}}\n"
    )
    [c] = containers(Workloads().pod_template(pod))
    r = container_resources(c, [lr])
    assert r.requests == {"cpu": 1, "memory": 1 << 30}
    assert r.limits == {"cpu": 1, "memory": 1 << 30}
    assert r.copied == {"cpu"}
    assert set(r.defaulted) == {("limits", "memory"), ("requests", "memory")}


def test_a_pod_requests_the_larger_of_its_init_peak_and_its_running_containers():
    [pod] = objects(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        "  initContainers:\n"
        "    - {name: sidecar, image: s:1, restartPolicy: Always, resources: {requests: {cpu: 300m}}}\n"
        "    - {name: migrate, image: m:1, resources: {requests: {cpu: '1'}}}\n"
        "  containers:\n"
        "    - {name: app, image: a:1, resources: {requests: {cpu: 500m}}}\n"
    )
    template = Workloads().pod_template(pod)
    # max(1 + 300m started before it, 500m + 300m)
    assert pod_amount(template, pod_resources(template), "requests", "cpu") == Decimal("1.3")


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("scopes: [BestEffort]", True),
        ("scopes: [NotBestEffort]", False),
        ("scopes: [NotTerminating]", True),
        ("scopeSelector: {matchExpressions: [{scopeName: PriorityClass, operator: In, values: [high]}]}", False),
        ("scopeSelector: {matchExpressions: [{scopeName: PriorityClass, operator: DoesNotExist}]}", True),
        ("scopes: [CrossNamespacePodAffinity]", None),
    ],
)
def test_quota_scopes(scope, expected):
    [quota, pod] = objects(
        f"apiVersion: v1\nkind: ResourceQuota\nmetadata: {{name: q}}\nspec:\n  hard: {{pods: '1'}}\n  {scope}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: c:1}]\n"
    )
    template = Workloads().pod_template(pod)
    assert quota_selects(quota, template, pod_resources(template)) is expected


@pytest.mark.parametrize(
    ("resource", "amount", "text"),
    [
        ("cpu", Decimal("4"), "4"),
        ("cpu", Decimal("1.25"), "1250m"),
        ("memory", Decimal(3 << 29), "1536Mi"),
        ("memory", Decimal(10**9), "1G"),
        ("memory", Decimal(10**9 + 1), "953.68Mi"),
        ("pods", Decimal(11), "11"),
    ],
)
def test_format_amount(resource, amount, text):
    assert format_amount(resource, amount) == text
