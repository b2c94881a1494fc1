"""kubevet.api, the library every front end uses: inputs, typed results, the verdict."""

from __future__ import annotations

import json
import textwrap

import pytest

from kubevet import api
from kubevet.findings import Severity

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        },
    },
}

YAML = textwrap.dedent("""\
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
          containers:
            - name: web
              image: nginx:1.27
    """)

CPU = api.Config(select=["cpu-limit-missing"])


def test_scan_bytes_places_findings_in_the_yaml():
    result = api.scan_bytes(YAML.encode(), name="web.yaml", config=CPU)
    [f] = result.findings
    assert (f.rule, f.code, f.file, f.line) == ("cpu-limit-missing", "RES004", "web.yaml", 14)
    assert f.obj == api.ObjectRef("apps/v1", "Deployment", "shop", "web")
    assert result.objects == 1 and not result.input_errors and not result.crashes


def test_scan_bytes_reads_json_too():
    result = api.scan_bytes(json.dumps(DEPLOYMENT, indent=2), name="web.json", config=CPU)
    [f] = result.findings
    assert f.rule == "cpu-limit-missing" and f.file == "web.json" and f.line > 1


def test_scan_objects_judges_dicts_without_changing_them():
    before = json.dumps(DEPLOYMENT, sort_keys=True)
    result = api.scan_objects([DEPLOYMENT], config=CPU)
    [f] = result.findings
    assert f.rule == "cpu-limit-missing" and f.file == "<memory>" and f.line == 0
    assert f.path == ("spec", "template", "spec", "containers", 0)
    assert json.dumps(DEPLOYMENT, sort_keys=True) == before


def test_placed_objects_carry_their_file_and_line():
    result = api.scan_objects([api.Placed(DEPLOYMENT, "deploy/web.yaml", 40)], config=CPU)
    [f] = result.findings
    assert (f.file, f.line) == ("deploy/web.yaml", 40)


def test_scan_objects_skips_what_is_not_kubernetes_and_expands_lists():
    listed = {"apiVersion": "v1", "kind": "List", "items": [DEPLOYMENT, {"kind": "Nothing"}]}
    result = api.scan_objects([listed, {"hello": "world"}], config=CPU)
    assert result.objects == 1
    assert [f.rule for f in result.findings] == ["cpu-limit-missing"]
    reasons = sorted(s.reason for s in result.skipped)
    assert len(reasons) == 2 and any("List item 1" in r for r in reasons)


def test_in_memory_and_file_scans_agree(tmp_path):
    (tmp_path / "web.yaml").write_text(YAML)
    from_file = api.scan_paths([str(tmp_path / "web.yaml")])
    in_memory = api.scan_objects([DEPLOYMENT])
    assert sorted(f.identity for f in from_file.findings) == sorted(f.identity for f in in_memory.findings)
    assert from_file.findings, "the default rules find something in this Deployment"


def test_input_errors_are_data_and_fail_the_verdict(tmp_path):
    (tmp_path / "bad.yaml").write_text("a: [1, 2\n")
    result = api.scan_paths([str(tmp_path / "bad.yaml"), str(tmp_path / "missing.yaml")])
    errors = sorted(result.input_errors, key=lambda e: e.file)
    assert [type(e) for e in errors] == [api.InputError, api.InputError]
    assert errors[0].file.endswith("bad.yaml") and errors[0].rule == "yaml-syntax" and errors[0].line >= 1
    assert errors[1].file.endswith("missing.yaml") and errors[1].rule == "file-unreadable" and errors[1].line == 0
    assert str(errors[1]).endswith(": no such file or directory")
    verdict = result.verdict()
    assert verdict == api.Verdict(2, "2 inputs could not be read or parsed")


def test_rule_crashes_are_data():
    from kubevet.rules import Rule, all_rules

    def boom(obj, ctx):
        raise RuntimeError("kaboom")
        yield  # pragma: no cover

    crashing = Rule("TST990", "always-crashes", "test", Severity.INFO, None, "object", boom, "A rule that crashes.")
    # a rule of the caller's own, given to the state: the registry is left as it is
    state = api.ClusterState(api.Config(select=["TST990"]), rules=[*all_rules(), crashing])
    result = api.scan_bytes(YAML, name="web.yaml", state=state)
    assert crashing not in all_rules()
    [crash] = result.crashes
    assert isinstance(crash, api.RuleCrash)
    assert (crash.rule, crash.code, crash.error_type, crash.error) == ("always-crashes", "TST990", "RuntimeError", "kaboom")
    assert (crash.file, crash.line, crash.obj.name) == ("web.yaml", 1, "web")
    assert str(crash) == "rule always-crashes (TST990) crashed on web.yaml:1 Deployment shop/web: RuntimeError: kaboom"
    assert result.verdict().exit_code == 2


def test_verdict_follows_the_fail_level():
    warn = api.Config(select=["cpu-limit-missing"], severity={"cpu-limit-missing": Severity.WARNING})
    result = api.scan_objects([DEPLOYMENT], config=warn)  # one warning
    assert result.verdict() == api.Verdict(0, "no findings at or above error")
    assert result.verdict(fail_on="warning") == api.Verdict(1, "1 finding at or above warning")
    assert result.verdict(fail_on=Severity.WARNING, exit_zero=True).exit_code == 0
    strict = api.scan_objects([DEPLOYMENT], config=api.Config(select=["cpu-limit-missing"], fail_on=Severity.INFO))
    assert strict.verdict().exit_code == 1


def test_verdict_of_an_empty_scan():
    result = api.scan_bytes(b"# nothing\n")
    assert result.objects == 0
    assert result.verdict().exit_code == 2
    assert "no Kubernetes objects" in result.verdict().reason
    assert result.verdict(allow_no_objects=True).exit_code == 0


def test_suppressed_findings_do_not_fail():
    annotated = json.loads(json.dumps(DEPLOYMENT))
    annotated["metadata"]["annotations"] = {"kubevet.io/ignore": "cpu-limit-missing", "kubevet.io/ignore-reason": "t"}
    result = api.scan_objects([annotated], config=CPU)
    [f] = result.findings
    assert f.suppressed and result.verdict(fail_on="info").exit_code == 0


def test_load_config_reads_the_file_and_applies_overrides(tmp_path):
    (tmp_path / ".kubevet.yaml").write_text("fail-on: warning\nexclude: [vendor]\nrules:\n  cpu-limit-missing:\n    severity: info\n")
    config = api.load_config(cwd=tmp_path)
    assert config.fail_on == Severity.WARNING and config.exclude == ["vendor"]
    assert config.severity["cpu-limit-missing"] == Severity.INFO
    again = api.load_config(tmp_path / ".kubevet.yaml", overrides={"fail-on": "error", "exclude": ["more"]})
    assert again.fail_on == Severity.ERROR and again.exclude == ["vendor", "more"]
    assert again.severity["cpu-limit-missing"] == Severity.INFO
    assert api.load_config(no_config=True, cwd=tmp_path).fail_on == Severity.ERROR
    with pytest.raises(api.ConfigError):
        api.load_config(overrides={"no-such-setting": 1})
    with pytest.raises(api.ConfigError):
        api.load_config(tmp_path / "absent.yaml")


def test_scan_paths_honours_the_configured_exclude(tmp_path):
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "web.yaml").write_text(YAML)
    (tmp_path / "web.yaml").write_text(YAML)
    config = api.load_config(overrides={"select": ["cpu-limit-missing"], "exclude": ["vendor"]}, cwd=tmp_path)
    result = api.scan_paths([str(tmp_path)], config=config)
    assert [f.file for f in result.findings] == [str(tmp_path / "web.yaml")]


def test_identity_does_not_depend_on_the_file_or_line(tmp_path):
    (tmp_path / "a.yaml").write_text(YAML)
    (tmp_path / "b.yaml").write_text("# moved\n---\n" + YAML)
    [a] = api.scan_paths([str(tmp_path / "a.yaml")], config=CPU).findings
    [b] = api.scan_paths([str(tmp_path / "b.yaml")], config=CPU).findings
    assert (a.file, a.line) != (b.file, b.line)
    assert a.identity == b.identity == (
        "cpu-limit-missing", "apps", "Deployment", "shop", "web", "spec.template.spec.containers[name=web]",
    )


def test_identity_follows_a_container_not_its_index():
    two = json.loads(json.dumps(DEPLOYMENT))
    containers = two["spec"]["template"]["spec"]["containers"]
    containers.append({"name": "sidecar", "image": "envoy:1", "resources": {"limits": {"cpu": "1"}}})
    swapped = json.loads(json.dumps(two))
    swapped["spec"]["template"]["spec"]["containers"].reverse()
    [a] = api.scan_objects([two], config=CPU).findings
    [b] = api.scan_objects([swapped], config=CPU).findings
    assert a.path != b.path and a.identity == b.identity


def test_the_result_names_the_rules_that_ran():
    result = api.scan_objects([DEPLOYMENT], config=CPU)
    assert [r.name for r in result.rules] == ["cpu-limit-missing"]


def test_scan_objects_judges_objects_already_read_in_place(tmp_path):
    """A front end that read sources itself (kubevet diff) judges those K8sObjects through
    the API: their own file and line, no second read, nothing left on them."""
    from kubevet.loading.reader import read_source

    (tmp_path / "web.yaml").write_text(YAML)
    [source] = api.discover([str(tmp_path / "web.yaml")]).sources
    [obj] = [o for o in read_source(source) if isinstance(o, api.K8sObject)]
    before = json.dumps(obj.data, sort_keys=True)
    result = api.scan_objects([obj], config=CPU)
    [f] = result.findings
    assert f.rule == "cpu-limit-missing" and f.file.endswith("web.yaml") and f.line == 14
    assert obj.template_cache is None and json.dumps(obj.data, sort_keys=True) == before
    assert [f.identity for f in api.scan_objects([obj], config=CPU).findings] == [f.identity]  # again, same


def test_an_object_stands_in_for_its_copy_in_the_context(tmp_path):
    """``kubevet scan app/ --context app/``: each workload counts once against the quota."""
    from pathlib import Path

    import yaml

    fixed = Path(__file__).resolve().parents[2] / "examples" / "fixed"
    config = api.load_config(no_config=True)
    assert not [f for f in api.scan_paths([str(fixed)], config).findings if not f.suppressed]
    twice = api.scan_paths([str(fixed)], config, context=[str(fixed)])
    assert [f.rule for f in twice.findings if not f.suppressed] == []
    # context objects that are not copies of judged ones still count: the same workloads
    # under other names take the namespace over its quota
    docs = [d for d in yaml.safe_load_all((fixed / "shop.yaml").read_text(encoding="utf-8")) if d]
    others = [dict(d, metadata={**d["metadata"], "name": d["metadata"]["name"] + "-copy"})
              for d in docs if d["kind"] == "Deployment"]
    (tmp_path / "others.yaml").write_text(yaml.safe_dump_all(others), encoding="utf-8")
    crowded = api.scan_paths([str(fixed)], config, context=[str(tmp_path / "others.yaml")])
    assert "quota-exceeded" in {f.rule for f in crowded.findings if not f.suppressed}
