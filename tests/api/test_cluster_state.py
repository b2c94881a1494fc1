"""api.ClusterState: context built once, changed in place, judged against like --context."""

from __future__ import annotations

import copy

import pytest
import yaml

from kubevet import api

APP = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "serviceAccountName": "web",
                "containers": [{
                    "name": "web",
                    "image": "nginx:1.27",
                    "envFrom": [{"configMapRef": {"name": "web-settings"}}],
                    "resources": {"requests": {"cpu": "2", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "1Gi"}},
                }],
            },
        },
    },
}
CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-settings", "namespace": "shop"}, "data": {"a": "b"}}
OTHER = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other", "namespace": "shop"}}
ACCOUNT = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web", "namespace": "shop"}}
QUOTA = {
    "apiVersion": "v1",
    "kind": "ResourceQuota",
    "metadata": {"name": "small", "namespace": "shop"},
    "spec": {"hard": {"requests.cpu": "1", "requests.memory": "8Gi", "limits.cpu": "1", "limits.memory": "8Gi"}},
}
RULES = ["config-reference-missing", "service-account-missing", "quota-exceeded"]
CONFIG = api.Config(select=RULES)


def _rules(result) -> list[str]:
    return sorted({f.rule for f in result.findings})


def _full_scan(tmp_path, objects, context):
    (tmp_path / "app.yaml").write_text(yaml.safe_dump_all(objects))
    (tmp_path / "context.yaml").write_text(yaml.safe_dump_all(context))
    return api.scan_paths([str(tmp_path / "app.yaml")], config=CONFIG, context=[str(tmp_path / "context.yaml")])


def test_an_empty_state_is_no_context():
    state = api.ClusterState(CONFIG)
    # a missing ConfigMap counts only where the scan knows other ConfigMaps of the namespace
    assert _rules(api.scan_objects([APP], state=state)) == ["service-account-missing"]


def test_objects_in_the_state_are_read_but_never_reported():
    state = api.ClusterState(CONFIG, [CONFIGMAP, ACCOUNT, QUOTA])
    result = api.scan_objects([APP], state=state)
    assert _rules(result) == ["quota-exceeded"]
    assert all(f.obj.kind == "Deployment" for f in result.findings)
    assert result.objects == 1


def test_add_replace_remove_change_the_verdicts_in_place():
    state = api.ClusterState(CONFIG)
    state.add(CONFIGMAP)
    state.add(OTHER)
    state.add(ACCOUNT)
    assert _rules(api.scan_objects([APP], state=state)) == []
    with pytest.raises(KeyError):
        state.add(ACCOUNT)
    state.add(QUOTA)
    assert _rules(api.scan_objects([APP], state=state)) == ["quota-exceeded"]
    bigger = copy.deepcopy(QUOTA)
    bigger["spec"]["hard"]["requests.cpu"] = bigger["spec"]["hard"]["limits.cpu"] = "4"
    state.replace(bigger)
    assert len(state) == 4 and state.get(QUOTA)["spec"]["hard"]["requests.cpu"] == "4"
    assert _rules(api.scan_objects([APP], state=state)) == []
    assert state.remove(api.ObjectRef("v1", "ConfigMap", "shop", "web-settings"))
    assert not state.remove(CONFIGMAP)
    assert CONFIGMAP not in state
    assert _rules(api.scan_objects([APP], state=state)) == ["config-reference-missing"]


def test_a_state_gives_the_verdicts_of_a_full_scan_with_context(tmp_path):
    context = [CONFIGMAP, QUOTA]
    full = _full_scan(tmp_path, [APP], context)
    state = api.ClusterState(CONFIG, context)
    incremental = api.scan_objects([APP], state=state)
    assert [(f.identity, f.message, f.severity) for f in full.findings] == [
        (f.identity, f.message, f.severity) for f in incremental.findings
    ]
    assert full.verdict() == incremental.verdict()


def test_from_paths_reads_the_context_files(tmp_path):
    (tmp_path / "platform").mkdir()
    (tmp_path / "platform" / "shop.yaml").write_text(yaml.safe_dump_all([CONFIGMAP, ACCOUNT]))
    (tmp_path / "platform" / "broken.yaml").write_text("a: [1\n")
    state = api.ClusterState.from_paths([str(tmp_path / "platform")], config=CONFIG)
    assert len(state) == 2 and not state.input_errors == []
    assert [e.rule for e in state.input_errors] == ["yaml-syntax"]
    assert _rules(api.scan_objects([APP], state=state)) == []
    assert _rules(api.scan_bytes(yaml.safe_dump(APP), state=state)) == []


def test_a_state_refuses_what_is_not_one_object():
    state = api.ClusterState(CONFIG)
    with pytest.raises(ValueError):
        state.add({"kind": "NoApiVersion"})
    with pytest.raises(ValueError):
        state.add({"apiVersion": "v1", "kind": "List", "items": [CONFIGMAP, ACCOUNT]})


def test_what_a_state_keeps_for_its_checks_follows_its_changes():
    # the state keeps its workloads by namespace (and more) between scans: adding and
    # removing one must change the verdicts as a state built afresh would
    bigger = copy.deepcopy(QUOTA)
    bigger["spec"]["hard"]["requests.cpu"] = bigger["spec"]["hard"]["limits.cpu"] = "4"
    batch = copy.deepcopy(APP)
    batch["metadata"]["name"] = "batch"
    batch["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "3"
    batch["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "3"
    state = api.ClusterState(CONFIG, [CONFIGMAP, ACCOUNT, bigger])
    for _ in range(2):
        assert _rules(api.scan_objects([APP], state=state)) == []
        state.add(batch)
        result = api.scan_objects([APP], state=state)
        assert _rules(result) == ["quota-exceeded"]
        fresh = api.scan_objects([APP], state=api.ClusterState(CONFIG, [CONFIGMAP, ACCOUNT, bigger, batch]))
        assert [(f.identity, f.message) for f in result.findings] == [(f.identity, f.message) for f in fresh.findings]
        assert state.remove(batch)
