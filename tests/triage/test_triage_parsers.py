"""Each input kind, in the shapes kubectl, the kubelet and the kernel print it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from triage_helpers import AT, DATA

from kubevet.triage import times
from kubevet.triage.parsers import detect


def parse(text: str, name: str = "in.txt"):
    parts = detect.parse(text, name, AT)
    return parts, [s for p in parts for s in p.signals], [u for p in parts for u in p.unparsed]


def collapse(text: str) -> str:
    """What a paste into a ticket or chat does to kubectl's columns."""
    return "\n".join(re.sub(r" +", " ", line) for line in text.splitlines()) + "\n"


def dedent_all(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines()) + "\n"


@pytest.mark.parametrize("age,seconds", [("12s", 12), ("5m2s", 302), ("3h", 10800), ("2d5h", 190800),
                                         ("45m", 2700), ("3y12d", 3 * 365 * 86400 + 12 * 86400), ("<unknown>", None),
                                         ("soon", None), ("", None)])
def test_ages(age, seconds):
    assert times.age_seconds(age) == seconds


def test_series_gives_first_last_and_count():
    first, last, count = times.series("3m (x14 over 10m)", AT)
    assert (AT - first, AT - last, count) == (timedelta(minutes=10), timedelta(minutes=3), 14)
    assert times.series("Warning", AT) is None


@pytest.mark.parametrize("text", ["2026-12-03T04:02:11Z", "2026-12-03T04:02:11.123456789Z",
                                  "Thu, 03 Dec 2026 04:02:11 +0000", "Dec  3 04:02:11", "Thu Dec  3 04:02:11 2026",
                                  "2026-12-03T05:02:11+0100"])
def test_absolute_times(text):
    assert times.parse_time(text, AT).replace(microsecond=0) == AT.replace(minute=2, second=11)


@pytest.mark.parametrize("transform", [lambda t: t, collapse], ids=["aligned", "collapsed"])
def test_events_table_namespaced(transform):
    text = transform((DATA / "events-namespaced.txt").read_text())
    parts, signals, unparsed = parse(text)
    assert [p.kind for p in parts] == ["events-table"] and not unparsed
    assert len(signals) == 16
    backoff = next(s for s in signals if s.reason == "BackOff" and "restarting" in s.message)
    assert (backoff.loc.line, backoff.count, backoff.obj.name) == (6, 190, "api-5d8f9c7b6-k2j4m")
    assert AT - backoff.first == timedelta(minutes=43) and AT - backoff.last == timedelta(seconds=18)
    assert backoff.message.startswith("Back-off restarting failed container api in pod")
    hpa = next(s for s in signals if s.reason == "FailedGetResourceMetric")
    assert hpa.obj.kind == "HorizontalPodAutoscaler" and AT - hpa.last == timedelta(days=2, hours=5)
    unknown = next(s for s in signals if s.reason == "Failed")
    assert unknown.time is None and "v9.9.9" in unknown.message


@pytest.mark.parametrize("transform", [lambda t: t, collapse], ids=["aligned", "collapsed"])
def test_events_table_wide(transform):
    parts, signals, unparsed = parse(transform((DATA / "events-wide.txt").read_text()))
    assert not unparsed and len(signals) == 7
    probe = next(s for s in signals if s.reason == "Unhealthy" and "Readiness" in s.message)
    assert (probe.component, probe.host, probe.fields["container"], probe.count) == ("kubelet", "worker-1", "web", 27)
    assert probe.message == "Readiness probe failed: HTTP probe failed with statuscode: 500"
    assert AT - probe.first == timedelta(minutes=9)
    sched = next(s for s in signals if s.reason == "FailedScheduling")
    assert sched.component == "default-scheduler" and sched.count == 9 and sched.message.endswith("incoming pod.")


def test_events_table_all_namespaces_and_cluster_scoped_objects():
    parts, signals, unparsed = parse((DATA.parent.parent.parent / "examples/incident/events.txt").read_text())
    assert not unparsed
    node = next(s for s in signals if s.reason == "SystemOOM")
    assert node.obj.kind == "Node" and node.obj.namespace is None  # printed in namespace default
    pod = next(s for s in signals if s.reason == "FailedScheduling")
    assert pod.obj.namespace == "shop" and pod.count == 6


def test_events_json_core_v1():
    parts, signals, unparsed = parse((DATA / "events-v1.json").read_text())
    assert [p.kind for p in parts] == ["events-json"] and not unparsed
    backoff, oom = signals
    assert (backoff.loc.line, backoff.count, backoff.host, backoff.fields["container"]) == (4, 14, "worker-4", "orders")
    assert backoff.first.isoformat() == "2026-12-03T03:52:10+00:00"
    assert oom.obj.kind == "Node" and oom.obj.namespace is None and oom.reason == "SystemOOM"


def test_events_yaml_events_k8s_io():
    parts, signals, unparsed = parse((DATA / "events-events.k8s.io.yaml").read_text())
    assert [p.kind for p in parts] == ["events-yaml"] and not unparsed
    sched, blocked = signals
    assert sched.count == 7 and sched.component == "default-scheduler" and sched.loc.line == 3
    assert sched.last.isoformat().startswith("2026-12-03T04:09:12")
    assert blocked.count == 3 and blocked.host == "worker-7" and "disruption budget" in blocked.message


def _describe_signals(text):
    parts, signals, unparsed = parse(text)
    return parts, {(s.source, s.reason, s.obj.name if s.obj else ""): s for s in signals}, unparsed


@pytest.mark.parametrize("transform", [lambda t: t, dedent_all, lambda t: collapse(dedent_all(t))],
                         ids=["aligned", "lost-indentation", "lost-indentation-collapsed"])
def test_describe_pods(transform):
    text = transform((DATA.parent.parent.parent / "examples/incident/describe-catalog.txt").read_text())
    parts, signals, unparsed = _describe_signals(text)
    assert [p.kind for p in parts] == ["describe-pod", "describe-pod"]
    assert not unparsed, unparsed
    first = signals[("container", "OOMKilled", "catalog-7d9f8b6c5d-x2x9k")]
    assert (first.fields["last_exit"], first.fields["restarts"], first.loc.line) == (137, 1, 28)
    second = signals[("container", "Error", "catalog-7d9f8b6c5d-m4p7q")]
    assert second.fields["state_reason"] == "CrashLoopBackOff" and second.fields["restarts"] == 14
    assert second.fields["last_exit"] == 137 and second.loc.line == 93
    live = signals[("probe", "liveness", "catalog-7d9f8b6c5d-m4p7q")]
    assert (live.fields["handler"], live.fields["timeout"], live.loc.line) == ("http-get http://:http/healthz", 1, 99)
    assert signals[("owner", "ReplicaSet", "catalog-7d9f8b6c5d-m4p7q")].fields["name"] == "catalog-7d9f8b6c5d"
    assert signals[("placement", "node", "catalog-7d9f8b6c5d-x2x9k")].fields["node"] == "node-3"
    kill = signals[("event", "Killing", "catalog-7d9f8b6c5d-m4p7q")]
    assert kill.count == 10 and kill.loc.line == 127 and kill.obj.namespace == "shop"
    res = signals[("resources", "no-limits", "catalog-7d9f8b6c5d-x2x9k")]
    assert res.fields["limits"] == {}


def test_describe_node():
    parts, signals, unparsed = _describe_signals((DATA.parent.parent.parent / "examples/incident/describe-node.txt")
                                                 .read_text())
    assert [p.kind for p in parts] == ["describe-node"] and not unparsed
    ready = signals[("node-condition", "Ready", "node-3")]
    assert ready.fields["status"] == "Unknown" and ready.message == "Kubelet stopped posting node status."
    assert ready.loc.line == 25 and ready.time.isoformat() == "2026-12-03T03:59:32+00:00"
    assert ("node-taint", "node.kubernetes.io/unreachable:NoSchedule", "node-3") in signals
    oom = [s for k, s in signals.items() if k[1] == "SystemOOM"]
    assert oom and oom[0].obj.kind == "Node"


@pytest.mark.parametrize("transform", [lambda t: t, dedent_all], ids=["aligned", "lost-indentation"])
def test_describe_deployment_replicaset_statefulset(transform):
    parts, signals, unparsed = _describe_signals(transform((DATA / "describe-workloads.txt").read_text()))
    assert [p.kind for p in parts] == ["describe-deployment", "describe-replicaset", "describe-statefulset"]
    assert not unparsed, unparsed
    assert signals[("probe", "liveness", "report")].fields["period"] == 5
    assert signals[("workload-condition", "ReplicaFailure", "report")].fields["reason"] == "FailedCreate"
    created = signals[("event", "FailedCreate", "report-6b7c8d9f4")]
    assert created.count == 17 and created.obj.kind == "ReplicaSet" and created.loc.line == 67
    assert signals[("event", "FailedScheduling", "ledger")].obj.kind == "StatefulSet"


def test_pods_json():
    parts, signals, unparsed = _describe_signals((DATA / "pods.json").read_text())
    assert [p.kind for p in parts] == ["objects-json"] and not unparsed
    c = signals[("container", "OOMKilled", "orders-84c6f7d9b5-tq5zr")]
    assert (c.fields["restarts"], c.fields["last_exit"], c.fields["state_reason"]) == (9, 137, "CrashLoopBackOff")
    assert c.loc.line == 53  # the container's lastState
    assert signals[("resources", "limits", "orders-84c6f7d9b5-tq5zr")].fields["limits"] == {"memory": "256Mi"}
    assert signals[("owner", "ReplicaSet", "orders-84c6f7d9b5-tq5zr")].fields["name"] == "orders-84c6f7d9b5"
    evicted = signals[("pod-status", "Evicted", "cache-6d5c4b3a2-w9x8y")]
    assert "low on resource: memory" in evicted.message and evicted.loc.line == 91


def test_pods_yaml_is_read_like_json():
    import json

    import yaml

    data = json.loads((DATA / "pods.json").read_text())
    parts, signals, unparsed = _describe_signals(yaml.safe_dump(data, sort_keys=False))
    assert [p.kind for p in parts] == ["objects-yaml"] and not unparsed
    c = signals[("container", "OOMKilled", "orders-84c6f7d9b5-tq5zr")]
    assert c.fields["restarts"] == 9 and "lastState" in yaml.safe_dump(data, sort_keys=False).splitlines()[c.loc.line - 1]


def test_nodes_yaml():
    parts, signals, unparsed = _describe_signals((DATA / "nodes.yaml").read_text())
    assert not unparsed
    ready = signals[("node-condition", "Ready", "worker-4")]
    assert ready.fields["status"] == "False" and "PLEG" in ready.message and ready.loc.line == 32
    assert signals[("node-condition", "MemoryPressure", "worker-4")].fields["status"] == "True"
    assert signals[("node-taint", "node.kubernetes.io/not-ready:NoSchedule", "worker-4")].loc.line == 13


def test_kernel_logs_dmesg_and_dmesg_T():
    parts, signals, unparsed = parse((DATA / "dmesg.txt").read_text())
    assert [p.kind for p in parts] == ["node-log"] and not unparsed
    kills = [s for s in signals if s.reason == "oom-kill"]
    assert [(s.loc.line, s.fields["victim"], s.fields["constraint"]) for s in kills] == [
        (3, "containerd", "global"), (4, "containerd", "global"), (6, "orders", "memcg"), (7, "orders", "memcg")]
    assert kills[2].time.isoformat() == "2026-12-03T04:07:39+00:00" and kills[0].time is None
    assert kills[3].fields["pod_uid"] == "8b1f0d8e-3c0e-4d6e-9b1e-2f6a7c5d4e3b"


def test_journalctl_kernel_and_kubelet():
    parts, signals, unparsed = parse((DATA.parent.parent.parent / "examples/incident/node-3.log").read_text())
    assert not unparsed
    kubelet = next(s for s in signals if s.reason == "oom-kill" and s.fields["victim"] == "kubelet")
    assert kubelet.host == "node-3" and kubelet.loc.line == 8 and kubelet.time.isoformat() == "2026-12-03T03:58:41+00:00"
    assert {s.reason for s in signals} >= {"network-not-ready", "node-status-error", "kubelet-stopped", "eviction"}


def test_concatenated_outputs_in_one_file():
    text = ("$ kubectl get events -n shop\n" + (DATA / "events-wide.txt").read_text() + "\n"
            + (DATA / "describe-workloads.txt").read_text() + (DATA / "dmesg.txt").read_text()
            + (DATA / "events-v1.json").read_text() + "some words nobody printed\n")
    parts, signals, unparsed = parse(text)
    assert [p.kind for p in parts] == ["events-table", "describe-deployment", "describe-replicaset",
                                       "describe-statefulset", "node-log", "events-json", "unrecognised"]
    assert [(u.loc.line, u.text) for u in unparsed] == [(len(text.splitlines()), "some words nobody printed")]


def test_unparsed_lines_are_reported_with_their_line_numbers():
    text = (DATA / "events-namespaced.txt").read_text().splitlines()
    text.insert(3, "this line was typed by hand")
    text.insert(6, "Warning Unhealthy but no age")
    parts, signals, unparsed = parse("\n".join(text) + "\n")
    assert [(u.loc.line, u.text) for u in unparsed] == [(4, "this line was typed by hand"),
                                                        (7, "Warning Unhealthy but no age")]
    assert len(signals) == 16
