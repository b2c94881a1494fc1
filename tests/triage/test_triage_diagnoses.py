"""Every diagnosis, from real-shaped outputs: name, confidence, evidence lines, objects, chain."""

from __future__ import annotations

from triage_helpers import ROOT, by_name, lines, run

from kubevet.rules import lookup
from kubevet.triage.diagnoses import all_kinds

INCIDENT = [str(ROOT / "examples/incident" / n)
            for n in ("events.txt", "describe-catalog.txt", "describe-node.txt", "node-3.log")]


def test_every_diagnosis_names_existing_rules_and_documents_itself():
    kinds = all_kinds()
    assert len(kinds) >= 20
    for k in kinds:
        assert k.title and k.explanation and k.fix.endswith("."), k.name
        for code in k.rules:
            lookup(code)  # raises for a code `kubevet rules` does not know


def test_events_table_diagnoses():
    found = by_name(run("events-namespaced.txt"))
    expect = {
        "hpa-missing-requests": {11}, "volume-mount-failed": {15}, "crash-loop": {6},
        "scheduling-affinity": {7}, "scheduling-insufficient-resources": {7}, "quota-rejected": {9, 10},
        "image-pull-failed": {12, 13}, "scheduling-unbound-pvc": {8}, "startup-probe-failed": {14},
        "eviction-memory": {16}, "eviction-ephemeral-storage": {17},
    }
    assert set(found) == set(expect)
    for name, want in expect.items():
        assert lines(found[name][0]) == want, name
    assert "must specify limits" in found["quota-rejected"][0].found.detail
    assert found["image-pull-failed"][0].found.detail == "ghcr.io/acme/frontend:v9.9.9: not found"
    assert found["hpa-missing-requests"][0].found.container == "api"


def test_wide_events_liveness_readiness_and_cni():
    found = by_name(run("events-wide.txt"))
    loop = found["liveness-kill-loop"][0]
    assert lines(loop) == {4, 5} and loop.found.container == "web" and loop.found.detail.startswith("4 kills")
    assert found["readiness-5xx"][0].found.detail == "HTTP 500, 27 times"
    assert found["network-not-ready"][0].found.node == "worker-3"
    assert found["node-not-ready"][0].found.node == "worker-3"


def test_container_oom_against_its_limit_and_crash_loop_chain():
    result = run("pods.json", "dmesg.txt")
    found = by_name(result)
    oom = found["container-oom-killed"]
    pod = next(d for d in oom if d.found.objects[0].name == "orders-84c6f7d9b5-tq5zr")
    assert pod.found.confidence == "high" and "memory limit 256Mi" in pod.found.detail
    crash = found["crash-loop"][0]
    assert pod.id in crash.causes and "OOMKilled" in crash.found.detail
    node = found["node-oom"][0]
    assert "containerd" in node.found.detail and lines(node) >= {3, 4}
    assert found["eviction-memory"][0].found.node == "worker-4"


def test_node_oom_without_limits_is_not_called_a_container_limit():
    result = run(*INCIDENT)
    found = by_name(result)
    assert "container-oom-killed" not in found  # catalog has no limit: the node ran out, not the container
    node = found["node-oom"][0]
    assert node.found.node == "node-3" and "kubelet" in node.found.detail
    assert {(loc.file.rsplit("/", 1)[-1], loc.line) for s in node.found.evidence for loc in [s.loc, *s.also]} >= {
        ("node-3.log", 9), ("describe-node.txt", 67), ("describe-catalog.txt", 28), ("describe-catalog.txt", 17)}


def test_incident_chain_and_order():
    result = run(*INCIDENT)
    found = by_name(result)
    ids = {name: ds[0].id for name, ds in found.items()}
    d = {x.id: x for x in result.diagnoses}
    assert result.roots[0].name == "node-oom"
    assert ids["node-not-ready"] in d[ids["node-oom"]].effects
    assert ids["scheduling-insufficient-resources"] in d[ids["node-not-ready"]].effects
    assert ids["volume-mount-failed"] in d[ids["mass-deletion"]].effects
    assert d[ids["crash-loop"]].causes == [ids["liveness-kill-loop"]]
    assert set(d[ids["liveness-kill-loop"]].causes) == {ids["probe-timeout"], ids["probes-identical"]}
    # one timeline: the cleanup at 03:00, the OOM at 03:58, then NotReady, then FailedScheduling
    order = [x.name for x in result.diagnoses]
    assert order.index("mass-deletion") < order.index("node-oom") < order.index("node-not-ready") \
        < order.index("scheduling-insufficient-resources")
    # probes-identical has no time of its own: it stands before what it explains
    assert order.index("probes-identical") < order.index("liveness-kill-loop")
    assert result.exit_code == 1


def test_mass_deletion():
    found = by_name(run(*INCIDENT))
    mass = found["mass-deletion"][0]
    assert mass.found.confidence == "high"
    assert lines(mass) >= {7, 8, 9, 10, 11, 12, 19, 20}
    assert "configmap redis-config" in mass.found.detail and "CronJob cleanup" in mass.found.detail
    assert [str(o) for o in mass.found.fix_objects] == ["CronJob shop/cleanup"]


def test_a_rollout_is_not_a_mass_deletion(tmp_path):
    rows = ["LAST SEEN   TYPE     REASON              OBJECT                       MESSAGE"]
    for i in range(6):
        rows.append(f"2m          Normal   Killing             pod/web-6c9d8f7b5-aaaa{i}     Stopping container web")
    rows.append("2m          Normal   ScalingReplicaSet   deployment/web               Scaled down replica set "
                "web-6c9d8f7b5 to 0 from 6")
    f = tmp_path / "events.txt"
    f.write_text("\n".join(rows) + "\n")
    assert "mass-deletion" not in by_name(run(str(f)))


def test_describe_workloads_and_k8s_io_events():
    found = by_name(run("describe-workloads.txt", "events-events.k8s.io.yaml"))
    assert found["probes-identical"][0].found.detail.startswith("container report: http-get http://:8000/health")
    assert lines(found["quota-rejected"][0]) == {67}
    assert "anti-affinity" in found["scheduling-affinity"][0].found.detail
    assert lines(found["pdb-blocks-eviction"][0]) == {25}
    assert "Too many pods" in found["scheduling-too-many-pods"][0].found.detail
    assert "dedicated: gpu" in found["scheduling-taints"][0].found.detail


def test_nothing_abnormal_exits_zero(tmp_path):
    f = tmp_path / "events.txt"
    f.write_text("LAST SEEN   TYPE     REASON      OBJECT          MESSAGE\n"
                 "2m          Normal   Scheduled   pod/web-1       Successfully assigned shop/web-1 to worker-1\n"
                 "2m          Normal   Started     pod/web-1       Started container web\n")
    result = run(str(f))
    assert result.diagnoses == [] and result.exit_code == 0


def test_the_same_event_from_two_inputs_is_one_signal_with_both_lines():
    found = by_name(run(*INCIDENT))
    loop = found["liveness-kill-loop"][0]
    kill = next(s for s in loop.found.evidence if s.reason == "Killing")
    assert {(loc.file.rsplit("/", 1)[-1], loc.line) for loc in [kill.loc, *kill.also]} == {
        ("events.txt", 27), ("describe-catalog.txt", 127)}
    assert loop.found.detail.startswith("10 kills")


def test_pods_of_one_workload_are_one_diagnosis(tmp_path):
    rows = ["LAST SEEN   TYPE      REASON    OBJECT                          MESSAGE"]
    for pod in ("web-6c9d8f7b5-q2w3e", "web-6c9d8f7b5-h7j8k", "web-6c9d8f7b5-r4t5y", "api-7d8e9f6a5-b2c3d"):
        rows.append(f"2m          Normal    Killing   pod/{pod}         Container app failed liveness probe, will be "
                    "restarted")
    f = tmp_path / "events.txt"
    f.write_text("\n".join(rows) + "\n")
    loops = by_name(run(str(f)))["liveness-kill-loop"]
    assert sorted(len(d.found.objects) for d in loops) == [1, 3]
    web = next(d for d in loops if len(d.found.objects) == 3)
    assert web.found.detail.startswith("3 pods of web; ") and lines(web) == {2, 3, 4}


def test_docs_list_every_diagnosis():
    doc = (ROOT / "docs/triage.md").read_text()
    for k in all_kinds():
        assert f"| `{k.name}` | {k.title} |" in doc, k.name
