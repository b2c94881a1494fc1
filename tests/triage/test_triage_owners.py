"""What the other triage tests do not reach: disk-pressure evictions (aligned and pasted),
and --manifests links for pods of a StatefulSet (ordinal), a CronJob (its Job's name) and
a DaemonSet (a bare suffix), besides the Deployment of the incident."""

from __future__ import annotations

import json

import pytest
from triage_helpers import AT, by_name, lines, run

from kubevet.triage.manifests import candidates
from kubevet.triage.model import Obj

DISK = """\
LAST SEEN   TYPE      REASON                 OBJECT                         MESSAGE
6m          Warning   EvictionThresholdMet   node/worker-2                  Attempting to reclaim inodes
6m          Normal    NodeHasDiskPressure    node/worker-2                  Node worker-2 status is now: NodeHasDiskPressure
5m          Warning   Evicted                pod/logship-5d8f7c9b4-k2x8q    The node was low on resource: inodes. Threshold quantity: 5%, available: 4%.
5m          Normal    Killing                pod/logship-5d8f7c9b4-k2x8q    Stopping container logship
4m          Warning   Evicted                pod/cache-0                    The node had condition: [DiskPressure].
"""


@pytest.mark.parametrize("paste", [False, True], ids=["aligned", "collapsed"])
def test_disk_pressure_evictions(tmp_path, paste):
    text = "\n".join(" ".join(line.split()) for line in DISK.splitlines()) + "\n" if paste else DISK
    f = tmp_path / "events.txt"
    f.write_text(text)
    found = by_name(run(str(f)))
    assert set(found) == {"eviction-disk-pressure"}  # inodes are the disk, not ephemeral-storage
    [d] = found["eviction-disk-pressure"]
    assert d.found.node == "worker-2" and d.found.confidence == "high"
    assert lines(d) == {2, 3, 4, 6}  # the pod the node refused for its DiskPressure counts too
    assert {(o.kind, o.name) for o in d.found.objects} >= {("Node", "worker-2"), ("Pod", "logship-5d8f7c9b4-k2x8q"),
                                                            ("Pod", "cache-0")}


@pytest.mark.parametrize("pod, expect", [
    ("web-7d9f8b6c5d-x2x9k", [("Deployment", "web"), ("ReplicaSet", "web-7d9f8b6c5d")]),
    ("db-2", [("StatefulSet", "db")]),
    ("backup-29412180-q8w2n", [("CronJob", "backup"), ("Job", "backup-29412180")]),
    ("agent-x7k2p", [("DaemonSet", "agent"), ("Job", "agent")]),
    ("standalone", []),
])
def test_owner_candidates_from_pod_names(pod, expect):
    got = candidates(Obj("Pod", "shop", pod))
    assert got[: len(expect)] == expect and got[-1] == ("Pod", pod)


def test_owner_candidates_of_replicasets_and_jobs():
    assert candidates(Obj("ReplicaSet", "shop", "web-7d9f8b6c5d")) == [("ReplicaSet", "web-7d9f8b6c5d"), ("Deployment", "web")]
    assert candidates(Obj("Job", "shop", "backup-29412180")) == [("Job", "backup-29412180"), ("CronJob", "backup")]
    # an owner an input named (Controlled By) comes before what the name suggests
    assert candidates(Obj("Pod", "shop", "db-2"), ("ReplicaSet", "db-5d8f7c9b4"))[:2] == [
        ("ReplicaSet", "db-5d8f7c9b4"), ("Deployment", "db")]


EVENTS = """\
LAST SEEN   TYPE      REASON    OBJECT                          MESSAGE
2m          Warning   BackOff   pod/db-2                        Back-off restarting failed container postgres in pod db-2_shop(0b8f0e5c-2a4e-4d0e-9a59-1f3f1c6d7e21)
2m          Warning   BackOff   pod/backup-29412180-q8w2n       Back-off restarting failed container backup in pod backup-29412180-q8w2n_shop(5d2c1e0a-7f7b-4c1e-8e55-0c2b9f7d8a11)
2m          Warning   BackOff   pod/agent-x7k2p                 Back-off restarting failed container agent in pod agent-x7k2p_shop(77aa4c3e-1b2d-4e5f-9a8b-6c7d8e9f0a12)
"""
MANIFESTS = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: shop
spec:
  serviceName: db
  replicas: 3
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: postgres
          image: postgres:16.4
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
  namespace: shop
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: backup
              image: registry.example.com/backup:1.2.0
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: shop
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
        - name: agent
          image: registry.example.com/agent:2.3.1
"""


def test_manifest_links_for_statefulset_cronjob_and_daemonset_pods(run_cli, tmp_path):
    events, manifests = tmp_path / "events.txt", tmp_path / "workloads.yaml"
    events.write_text(EVENTS)
    manifests.write_text(MANIFESTS)
    r = run_cli("triage", str(events), "--at", AT.isoformat(), "-n", "shop", "--manifests", str(manifests), "-f", "json")
    assert r.code == 1, r
    links = {d["objects"][0]["name"]: d["manifests"] for d in json.loads(r.out)["diagnoses"] if d["name"] == "crash-loop"}
    expect = {  # pod -> (object, its line, the line of the container the fix changes)
        "db-2": ("StatefulSet shop/db", 1, 16),
        "backup-29412180-q8w2n": ("CronJob shop/backup", 19, 32),
        "agent-x7k2p": ("DaemonSet shop/agent", 35, 48),
    }
    assert set(links) == set(expect)
    for pod, (obj, line, fix) in expect.items():
        [link] = links[pod]
        assert (link["object"], link["file"], link["line"], link["fix"]["line"]) == (obj, str(manifests), line, fix), pod
        assert ("RES003", fix) in {(f["code"], f["line"]) for f in link["findings"]}  # no memory limit: what to fix
