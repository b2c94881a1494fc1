"""Configuration files: discovery, presets, every key, and clear errors for bad ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT

from kubevet.config_file import find, load, schema
from kubevet.errors import ConfigError
from kubevet.findings import Severity

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: api
  namespace: shop
spec:
  containers:
    - name: api
      image: example/api:1.4.2
      resources:
        requests: {cpu: 100m, memory: 128Mi}
        limits: {memory: 128Mi}
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(POD)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_discovery_walks_up_and_prefers_the_nearest(project):
    write(project / ".kubevet.yaml", "fail-on: warning\n")
    sub = project / "a" / "b"
    sub.mkdir(parents=True)
    assert find(sub) == project / ".kubevet.yaml"
    write(project / "a" / "pyproject.toml", "[tool.kubevet]\nfail-on = 'info'\n")
    assert find(sub) == project / "a" / "pyproject.toml"
    config, _ = load(None, sub)
    assert config.fail_on == Severity.INFO


def test_pyproject_without_a_kubevet_table_is_not_a_configuration(project):
    write(project / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find(project) is None


def test_every_key(project):
    path = write(
        project / ".kubevet.yaml",
        """
select: [RES, PRB]
extend-select: [image-digest-missing]
ignore: [RES006]
fail-on: warning
rules:
  cpu-limit-missing: {severity: info, required: false}
  PRB005: {max-initial-delay: 60}
exclude: ["vendor/**"]
workload-kinds: {argoproj.io/Rollout: spec.template}
namespace-guardrails: [shop]
inline-suppressions: false
require-suppression-reason: true
exemptions:
  - {reason: "platform owned", namespaces: [kube-*], kinds: [DaemonSet], names: ["node-*"], rules: [RES001]}
""",
    )
    config, raw = load(path)
    assert config.select == ["RES", "PRB"]
    assert config.extend_select == ["image-digest-missing", "suppression-reason-missing"]
    assert config.ignore == ["RES006"]
    assert config.fail_on == Severity.WARNING
    assert config.severity == {"cpu-limit-missing": Severity.INFO}
    assert config.options == {"cpu-limit-missing": {"required": False}, "startup-probe-missing": {"max-initial-delay": 60}}
    assert raw["exclude"] == ["vendor/**"]
    assert config.workload_kinds == {"argoproj.io/Rollout": "spec.template"}
    assert config.namespace_guardrails == ["shop"]
    assert config.inline_suppressions is False
    (e,) = config.exemptions
    assert (e.reason, e.rules, e.namespaces, e.kinds, e.names) == (
        "platform owned", frozenset({"cpu-request-missing"}), ("kube-*",), ("DaemonSet",), ("node-*",)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("selct: [RES]\n", "unknown setting selct"),
        ("rules:\n  no-such-rule: {severity: info}\n", "unknown rule 'no-such-rule'"),
        ("rules:\n  cpu-limit-missing: {requird: false}\n", "unknown option 'requird'"),
        ("rules:\n  cpu-limit-missing: {required: maybe}\n", "expects a boolean"),
        ("rules:\n  cpu-limit-missing: {severity: fatal}\n", "unknown severity"),
        ("fail-on: sometimes\n", "unknown severity"),
        ("select: [NOPE999]\n", "unknown rule, code, prefix or category"),
        ("exemptions:\n  - {kinds: [Pod]}\n", "every exemption needs a reason"),
        ("exemptions:\n  - {reason: x, kind: [Pod]}\n", "unknown key kind"),
        ("extends: nonexistent\n", "neither a preset"),
        ("- a list\n", "a map of settings"),
        ("select: [RES\n", "not valid YAML"),
    ],
)
def test_bad_configurations_name_the_problem(project, run_cli, text, message):
    write(project / ".kubevet.yaml", text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load(None, project)
    r = run_cli("scan", "pod.yaml")
    assert r.code == 2
    assert r.err.startswith("kubevet: error: ") and ".kubevet.yaml" in r.err and "Traceback" not in r.err


def test_extends_a_preset_and_a_file(project):
    write(project / "base.yaml", "extends: strict\nrules:\n  cpu-limit-missing: {severity: info}\n")
    path = write(project / ".kubevet.yaml", "extends: base.yaml\nrules:\n  cpu-limit-missing: {required: false}\n")
    config, _ = load(path)
    assert config.select == ["ALL"]  # from the strict preset
    assert config.fail_on == Severity.WARNING
    # rule settings merge across the chain
    assert config.severity == {"cpu-limit-missing": Severity.INFO}
    assert config.options == {"cpu-limit-missing": {"required": False}}


def test_extends_cycle_is_an_error(project):
    write(project / "a.yaml", "extends: b.yaml\n")
    write(project / "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ConfigError, match="extends itself"):
        load(project / "a.yaml")


def test_command_line_beats_the_file(project, run_cli):
    write(project / ".kubevet.yaml", "fail-on: info\nselect: [RES]\n")
    # the file selects RES and fails on info: the ephemeral-storage info finding fails
    assert run_cli("scan", "pod.yaml").code == 1
    # the command line's --fail-on wins
    assert run_cli("scan", "pod.yaml", "--fail-on", "error").code == 0
    # --select replaces the file's selection
    r = run_cli("scan", "pod.yaml", "--select", "memory-limit-missing", "-f", "json")
    assert r.code == 0 and json.loads(r.out)["findings"] == []
    # --no-config ignores the file entirely
    assert run_cli("scan", "pod.yaml", "--no-config", "--select", "RES006").code == 0


def test_config_option_named_by_flag(project, run_cli):
    write(project / "other.yaml", "select: [RES006]\nfail-on: info\n")
    assert run_cli("scan", "pod.yaml", "--config", "other.yaml").code == 1
    r = run_cli("scan", "pod.yaml", "--config", "missing.yaml")
    assert r.code == 2 and "no such file: missing.yaml" in r.err


def test_starter_configuration_is_valid_and_changes_nothing(project, run_cli):
    assert run_cli("init").code == 0
    text = (project / ".kubevet.yaml").read_text()
    for key in ("extends", "select", "ignore", "fail-on", "rules", "exclude", "exemptions", "workload-kinds"):
        assert f"\n{key}:" in text or f"# {key}:" in text, key
    config, _ = load(project / ".kubevet.yaml")
    assert config.select == [] and config.fail_on == Severity.ERROR
    again = run_cli("init")
    assert again.code == 2 and "exists" in again.err


def test_schema_is_published_and_current():
    import runpy

    config_schema_text = runpy.run_path(str(ROOT / "scripts" / "gen_docs.py"))["config_schema_text"]
    assert (ROOT / "docs" / "config.schema.json").read_text() == config_schema_text()


def test_schema_accepts_the_starter_and_rejects_unknown_keys():
    import jsonschema
    import yaml

    from kubevet.init_config import STARTER

    validator = jsonschema.Draft202012Validator(schema())
    starter = {k: v for k, v in yaml.safe_load(STARTER).items() if v is not None}
    assert not list(validator.iter_errors(starter))
    assert list(validator.iter_errors({"selct": []}))
    assert list(validator.iter_errors({"rules": {"cpu-limit-missing": {"requird": True}}}))
    assert not list(validator.iter_errors({"rules": {"RES004": {"required": False}}}))


def test_exclude_from_the_configuration_file(project, run_cli):
    (project / "vendor").mkdir()
    (project / "vendor" / "third-party.yaml").write_text(POD.replace("name: api", "name: vendored"))
    assert '"vendored"' in run_cli("scan", ".", "--select", "RES006", "-f", "json").out
    write(project / ".kubevet.yaml", "exclude: ['vendor/*']\n")
    r = run_cli("scan", ".", "--select", "RES006", "-f", "json")
    assert r.code == 0 and '"vendored"' not in r.out and '"api"' in r.out
