"""Benchmark judging one object against a prepared cluster state (the admission webhook's case).

    python benchmarks/bench_judge.py [--repeat 2000] [--namespaces 20] [--apps 50]

One typical Deployment (two containers, probes, resources, a ServiceAccount) is judged
with every default rule, ``api.scan_objects([deployment], state=state)``, against two
states built once: the namespace of examples/fixed (its quota, limits, policies,
accounts ...), and generated clusters of one and of NAMESPACES namespaces with APPS applications
each (a Deployment, a Service, a PodDisruptionBudget, a ConfigMap, plus each namespace's
quota, limit range, default-deny policy and ServiceAccount). The baseline, measured in
the same run: the same judgement by a full scan that reads the same context afresh, as
``kubevet scan --context`` does (the engine given the Deployment and the context as bytes).

The process is pinned to one core (where the OS allows it) and the garbage collector
stays on, as in a long-running server. Each figure is the median of REPEAT calls after a
warm-up. This is a benchmark, not a test: nothing here passes or fails on time.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kubevet import api  # noqa: E402

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "checkout", "namespace": "shop", "labels": {"app": "checkout"}},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "checkout"}},
        "template": {
            "metadata": {"labels": {"app": "checkout"}},
            "spec": {
                "serviceAccountName": "checkout",
                "automountServiceAccountToken": False,
                "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [
                    {
                        "name": "app",
                        "image": "registry.example.com/shop/checkout:2.4.1",
                        "ports": [{"name": "http", "containerPort": 8080}],
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
                        "livenessProbe": {"httpGet": {"path": "/live", "port": "http"}, "periodSeconds": 20},
                        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "256Mi"}},
                        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                            "capabilities": {"drop": ["ALL"]}},
                    },
                    {
                        "name": "proxy",
                        "image": "registry.example.com/proxy:1.9.0",
                        "ports": [{"name": "admin", "containerPort": 9901}],
                        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "64Mi"}},
                        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                            "capabilities": {"drop": ["ALL"]}},
                    },
                ],
            },
        },
    },
}


def generated_cluster(namespaces: int, apps: int) -> list[dict]:
    objects: list[dict] = []
    for n in range(namespaces):
        ns = "shop" if n == 0 else f"team-{n}"
        objects += [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
            {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "quota", "namespace": ns},
             "spec": {"hard": {"requests.cpu": "400", "requests.memory": "800Gi", "limits.memory": "800Gi"}}},
            {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "limits", "namespace": ns},
             "spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                                  "default": {"memory": "256Mi"}}]}},
            {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "default-deny", "namespace": ns},
             "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}},
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "checkout", "namespace": ns}},
        ]
        for a in range(apps):
            app = f"app-{a}"
            deployment = copy.deepcopy(DEPLOYMENT)
            deployment["metadata"] = {"name": app, "namespace": ns, "labels": {"app": app}}
            deployment["spec"]["selector"]["matchLabels"] = {"app": app}
            deployment["spec"]["template"]["metadata"]["labels"] = {"app": app}
            objects += [
                deployment,
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": app, "namespace": ns},
                 "spec": {"selector": {"app": app}, "ports": [{"port": 80, "targetPort": "http"}]}},
                {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": app, "namespace": ns},
                 "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": app}},
                          "unhealthyPodEvictionPolicy": "AlwaysAllow"}},
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{app}-settings", "namespace": ns},
                 "data": {"LOG_LEVEL": "info"}},
            ]
    # the judged Deployment's own Service and budget, so that it is judged as it would be
    objects += [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "checkout", "namespace": "shop"},
         "spec": {"selector": {"app": "checkout"}, "ports": [{"port": 80, "targetPort": "http"}]}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "checkout", "namespace": "shop"},
         "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "checkout"}},
                  "unhealthyPodEvictionPolicy": "AlwaysAllow"}},
    ]
    return objects


def fixed_namespace() -> list[dict]:
    state = api.ClusterState.from_paths([str(ROOT / "examples" / "fixed")])
    return [o.data for o in state.objects() if o.kind not in ("Deployment", "StatefulSet", "Job", "CronJob")]


def median_ms(call, repeat: int) -> float:
    for _ in range(max(20, repeat // 20)):
        call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--apps", type=int, default=50)
    args = parser.parse_args()
    pinned = False
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        pinned = True
    config = api.Config()
    print(f"one core: {'pinned' if pinned else 'not pinned'}; {args.repeat} calls per figure, median\n")
    print("| cluster state | objects | build the state | judge one Deployment (state) | full scan with the context (baseline) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, objects in (
        ("examples/fixed namespace", fixed_namespace()),
        (f"generated: 1 namespace x {args.apps} apps", generated_cluster(1, args.apps)),
        (f"generated: {args.namespaces} namespaces x {args.apps} apps", generated_cluster(args.namespaces, args.apps)),
    ):
        t0 = time.perf_counter()
        state = api.ClusterState(config, objects)
        built = time.perf_counter() - t0
        result = api.scan_objects([DEPLOYMENT], state=state)
        assert result.objects == 1 and not result.crashes and not result.input_errors
        judged = median_ms(lambda: api.scan_objects([DEPLOYMENT], state=state), args.repeat)
        context = json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}).encode()
        engine_repeat = max(5, min(args.repeat, int(200 * 20 / max(len(objects), 20))))

        def rebuild() -> None:
            from kubevet.engine import Engine
            from kubevet.model import Source

            Engine(config).scan([Source(None, "request.json", json.dumps(DEPLOYMENT).encode())],
                                context=[Source(None, "context.json", context)])

        baseline = median_ms(rebuild, engine_repeat)
        print(f"| {label} | {len(objects):,} | {built * 1000:.0f} ms | {judged:.2f} ms | {baseline:.2f} ms |")
    print(f"\nfindings on the judged Deployment: {sorted({f.rule for f in result.findings}) or 'none'}")


if __name__ == "__main__":
    main()
