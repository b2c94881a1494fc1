"""Every configuration key's type: null is unset, a string is one item, anything else is an
error naming the file, the line and the key (exit 2), never a traceback or a silent pass."""

from __future__ import annotations

import pytest

from kubevet.config_file import load
from kubevet.errors import ConfigError
from kubevet.init_config import STARTER

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop}
spec:
  containers:
    - name: api
      image: example/api:1.4.2
      resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 128Mi}}
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "pod.yaml").write_text(POD.replace("name: api,", "name: vendored,"))
    return tmp_path


def test_the_starter_file_of_kubevet_init_scans(project, run_cli):
    """`kubevet init` writes `exclude:` with only commented entries (null): unset."""
    assert run_cli("init").code == 0
    assert (project / ".kubevet.yaml").read_text() == STARTER
    r = run_cli("scan", ".")
    assert r.code in (0, 1), r
    assert "Traceback" not in r.err


def test_a_string_where_a_list_is_expected_is_one_item(project, run_cli):
    (project / ".kubevet.yaml").write_text('exclude: "vendor/*"\n')
    _, raw = load(None, project)
    assert raw["exclude"] == ["vendor/*"]
    r = run_cli("scan", ".", "-f", "json")
    assert r.code in (0, 1), r
    assert "vendor/pod.yaml" not in r.out and "pod.yaml" in r.out  # only vendor/ is left out


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("fail-on: error\nexclude: 5\n", ":2: exclude: must be a list of strings", "got 5"),
        ("exclude:\n  - ok/*\n  - 5\n", ":3: exclude[1]: must be a string", "got 5"),
        ("exclude: {a: b}\n", ":1: exclude: must be a list", "got a map"),
        ("select: 5\n", ":1: select: must be a list", "got 5"),
        ("inline-suppressions: maybe\n", ":1: inline-suppressions: must be true or false", "got 'maybe'"),
        ("extends: [default]\n", ":1: extends: must be a string", "got a list"),
        ("fail-on: 3\n", ":1: fail-on: must be a string", "got 3"),
        ("workload-kinds: [a]\n", ":1: workload-kinds: must be a map", "got a list"),
        ("workload-kinds:\n  a/B: 5\n", ":2: workload-kinds.a/B: must map a string to a string", "got 5"),
        ("rules: [a]\n", ":1: rules: must be a map", "got a list"),
        ("rules:\n  cpu-limit-missing: 5\n", ":2: rules.cpu-limit-missing: must be a map", "got 5"),
        ("rules:\n  cpu-limit-missing:\n    severity: [info]\n", ":3: rules.cpu-limit-missing.severity", "got a list"),
        ("rules:\n  replicas-too-few:\n    min-replicas: many\n", ":3: rules.replicas-too-few.min-replicas", "expects an integer"),
        ("exemptions: {reason: x}\n", ":1: exemptions: must be a list", "got a map"),
        ("exemptions:\n  - 5\n", ":2: exemptions[0]: must be a map", "got 5"),
        ("exemptions:\n  - reason: x\n    kinds: 5\n", ":3: exemptions[0].kinds: must be a list", "got 5"),
        ("exemptions:\n  - reason: x\n    rules: [nope]\n", ":3: exemptions[0].rules[0]: unknown rule", "'nope'"),
        ("exemptions:\n  - kinds: [Pod]\n", ":2: exemptions[0]: every exemption needs a reason", ""),
        ("kube-version: [1]\n", ":1: kube-version: must be a version in quotes", "got a list"),
        ("\n\nselct: [a]\n", ":3: unknown setting selct", "known: extends"),
        ("fail-on: error\nserve: 5\n", ":2: serve: must be a map of settings", "got 5"),
        ("freeze: [a]\n", ":1: freeze: must be a map of settings", "got a list"),
    ],
)
def test_a_wrong_type_names_file_line_and_key(project, run_cli, text, where, message):
    (project / ".kubevet.yaml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load(None, project)
    assert where in str(err.value) and message in str(err.value)
    assert str(err.value).startswith(str(project / ".kubevet.yaml"))
    r = run_cli("scan", "pod.yaml")
    assert r.code == 2 and "Traceback" not in r.err
    assert r.err.startswith(f"kubevet: error: {project / '.kubevet.yaml'}{where}")


def test_null_means_unset_for_every_key(project):
    keys = ["extends", "select", "extend-select", "ignore", "exclude", "fail-on", "kube-version",
            "workload-kinds", "namespace-guardrails", "exemptions", "require-suppression-reason", "inline-suppressions"]
    (project / ".kubevet.yaml").write_text("".join(f"{k}:\n" for k in keys) + "rules:\n  cpu-limit-missing:\n")
    config, raw = load(None, project)
    assert raw == {"rules": {}}  # a rule whose settings are all commented out, too
    assert config.select == [] and config.fail_on.name == "ERROR"


def test_unquoted_kube_version_keeps_what_was_written(project, run_cli):
    (project / ".kubevet.yaml").write_text("kube-version: 1.30\n")
    config, _ = load(None, project)
    assert config.kube_version == "1.30"  # not YAML's float 1.3
    r = run_cli("scan", "pod.yaml")
    assert r.code in (0, 1) and "--kube-version" not in r.err, r


@pytest.mark.parametrize("written", ['"0.1"', "0.1"])
def test_an_unknown_kube_version_in_the_file_does_not_mention_a_flag(project, written):
    (project / ".kubevet.yaml").write_text(f"fail-on: error\nkube-version: {written}\n")
    with pytest.raises(ConfigError, match=r"\.kubevet\.yaml:2: kube-version: '0\.1' is outside") as err:
        load(None, project)
    assert "--kube-version" not in str(err.value)


@pytest.mark.parametrize(("name", "text"), [(".kubevet.yaml", b"fail-on: error\nselect: [\xff]\n"),
                                          ("pyproject.toml", b"[tool.kubevet]\nselect = ['\xff']\n")])
def test_a_non_utf8_file_is_a_config_error(project, run_cli, name, text):
    (project / name).write_bytes(text)
    r = run_cli("scan", "pod.yaml")
    assert r.code == 2 and "Traceback" not in r.err
    assert f"{name}:2: not valid UTF-8 (byte 0xFF)" in r.err, r


@pytest.mark.parametrize(
    "text",
    [
        "rules: &d {<<: *d}\n",  # a merge key inside its own anchor
        "exclude: &d [*d]\n",  # an alias inside its own anchor
        "fail-on: " + "9" * 5000 + "\n",  # Python's int-string limit
        "select: " + "[" * 5000 + "]" * 5000 + "\n",
    ],
)
def test_odd_yaml_in_the_config_is_an_error_or_accepted_never_a_crash(project, run_cli, text):
    (project / ".kubevet.yaml").write_text(text)
    r = run_cli("scan", "pod.yaml")
    assert r.code in (0, 1, 2) and "Traceback" not in r.err, r
    if r.code == 2:
        assert r.err.startswith("kubevet: error: ") and ".kubevet.yaml" in r.err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tool = 5\n", None),  # not a [tool] table: no configuration here
        ("[tool]\nkubevet = 5\n", "[tool.kubevet] must be a table"),
        ('[tool.kubevet]\nfail-on = "warning"\nexclude = 5\n', "pyproject.toml:3: exclude: must be a list"),
        ("[tool.kubevet]\nkube-version = 1.30\n", None),  # the text as written: "1.30"
    ],
)
def test_pyproject_tables_are_typed_too(project, run_cli, text, message):
    (project / "pyproject.toml").write_text(text)
    r = run_cli("scan", "pod.yaml")
    assert "Traceback" not in r.err
    if message is None:
        assert r.code in (0, 1), r
    else:
        assert r.code == 2 and message in r.err, r


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("secret-in-env.name-patterns=(", "option secret-in-env.name-patterns: '(' is not a valid regular expression"),
        ("secret-in-configmap.key-patterns=[", "option secret-in-configmap.key-patterns: '[' is not a valid regular"),
        ("schema-invalid.kube-version=0.1", "option schema-invalid.kube-version: kube-version '0.1' is outside"),
        ("api-removed.kube-version=banana", "option api-removed.kube-version: kube-version 'banana' is not"),
        ("pod-not-isolated.directions=Sideways", "option pod-not-isolated.directions: 'Sideways' is not one of Ingress, Egress"),
        ("replicas-too-few.min-replicas=-1", "option replicas-too-few.min-replicas: -1 is less than 0"),
        ("unsafe-sysctl.kubernetes-version=x", "option unsafe-sysctl.kubernetes-version: expects a version"),
    ],
)
def test_rule_options_are_validated_when_the_config_is_read(project, run_cli, option, message):
    r = run_cli("scan", "pod.yaml", "--option", option)
    assert r.code == 2 and "Traceback" not in r.err and "crashed" not in r.err, r
    assert message in r.err, r


def test_a_rules_crd_files_are_read_with_the_config(project, run_cli):
    """rules.schema-invalid.crd-files naming no file: a configuration error, not a crashed rule."""
    (project / ".kubevet.yaml").write_text("rules:\n  schema-invalid:\n    crd-files: [missing-crds/]\n")
    r = run_cli("scan", "pod.yaml")
    assert r.code == 2 and "crashed" not in r.err and "internal error" not in r.err, r
    assert "option schema-invalid.crd-files: missing-crds/: No such file or directory" in r.err and "--crd" not in r.err
    r = run_cli("scan", "pod.yaml", "--no-config", "--option", "schema-invalid.crd-files=missing-crds/")
    assert r.code == 2 and "option schema-invalid.crd-files: missing-crds/" in r.err, r


def test_a_bad_option_in_the_file_names_its_line(project, run_cli):
    (project / ".kubevet.yaml").write_text("rules:\n  pod-not-isolated:\n    directions: [Ingress, Sideways]\n")
    r = run_cli("scan", "pod.yaml")
    assert r.code == 2
    assert ".kubevet.yaml:3: rules.pod-not-isolated.directions: 'Sideways' is not one of" in r.err


def test_config_dev_null_is_an_empty_configuration(project, run_cli):
    r = run_cli("scan", "pod.yaml", "--config", "/dev/null")
    assert r.code in (0, 1) and "no such file" not in r.err, r
    r = run_cli("scan", "pod.yaml", "--config", str(project))
    assert r.code == 2 and "is a directory" in r.err


def test_library_overrides_are_typed_as_a_file_is(project):
    from kubevet import api

    config = api.load_config(no_config=True, overrides={"exclude": "vendor/*", "fail-on": None})
    assert config.exclude == ["vendor/*"]
    with pytest.raises(ConfigError, match=r"overrides: exclude\[0\]: must be a string, got 5"):
        api.load_config(no_config=True, overrides={"exclude": [5]})
