"""Scans are re-entrant: threads scanning at once get their serial results, and a long
run of small scans (a webhook's life) keeps memory flat."""

from __future__ import annotations

import copy
import gc
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kubevet import api

FIXTURES = Path(__file__).resolve().parents[1] / "rules" / "fixtures"
# a mix of object rules, cluster rules (relations, RBAC, namespaces) and the schema rules
DIRECTORIES = ["AVL001-pdb-missing", "NET005-service-selects-nothing", "RBC005-rbac-escalation",
               "NSG003-quota-exceeded", "SCH001-schema-invalid", "SCH002-schema-unknown-kind",
               "HYG010-config-reference-missing", "SEC003-run-as-root"]


def _summary(result: api.ScanResult) -> list[tuple]:
    return [(f.file, f.line, f.column, f.code, f.message, f.identity) for f in result.findings]


def test_threads_scanning_at_once_get_their_serial_results():
    files = sorted(str(p) for d in DIRECTORIES for p in (FIXTURES / d).glob("fail.*.yaml"))
    config = api.Config(select=[d.split("-", 1)[0] for d in DIRECTORIES])
    serial = {f: _summary(api.scan_paths([f], config=config)) for f in files}
    assert all(serial.values()), "every fail fixture has findings"
    work = files * 6
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda f: (f, _summary(api.scan_paths([f], config=config))), work))
    assert len(results) == len(work)
    for f, got in results:
        assert got == serial[f], f


def test_threads_sharing_a_cluster_state_get_their_serial_results():
    state = api.ClusterState.from_paths([str(Path(__file__).resolve().parents[2] / "examples" / "fixed")])
    base = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"namespace": "shop"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "x"}},
                 "template": {"metadata": {"labels": {"app": "x"}},
                              "spec": {"containers": [{"name": "x", "image": "x:1"}]}}},
    }
    objects = []
    for i in range(12):
        obj = copy.deepcopy(base)
        obj["metadata"]["name"] = f"app-{i}"
        if i % 2:
            obj["spec"]["replicas"] = 1
        if i % 3 == 0:
            obj["spec"]["template"]["spec"]["containers"][0]["image"] = "x:latest"
        objects.append(obj)
    serial = [_summary(api.scan_objects([o], state=state)) for o in objects]
    assert len({tuple(s) for s in serial}) > 1, "the objects are judged differently"
    with ThreadPoolExecutor(max_workers=6) as pool:
        parallel = list(pool.map(lambda o: _summary(api.scan_objects([o], state=state)), objects * 5))
    assert parallel == serial * 5


def test_ten_thousand_single_object_scans_keep_memory_flat():
    state = api.ClusterState(api.Config(), [
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q", "namespace": "shop"},
         "spec": {"hard": {"requests.cpu": "100", "requests.memory": "100Gi"}}},
    ])
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
    }

    def judge(i: int) -> None:
        deployment["metadata"]["name"] = f"web-{i}"  # a new object each time, as requests are
        result = api.scan_objects([deployment], state=state)
        assert result.objects == 1 and result.findings

    for i in range(1000):  # warm up: imports, schema catalogs, per-kind dispatch tables
        judge(i)
    gc.collect()
    early = sys.getallocatedblocks()  # every live allocation of the interpreter
    for i in range(1000, 10_000):
        judge(i)
    gc.collect()
    late = sys.getallocatedblocks()
    # 9,000 more scans: keeping anything per scan (a finding, an object, a cache entry)
    # would leave tens of thousands of blocks behind
    assert late - early < 2000, f"{late - early} more memory blocks after 9,000 scans"
