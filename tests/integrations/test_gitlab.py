"""`--format gitlab`: GitLab's code quality report, checked against the fields GitLab documents.

GitLab (docs/ci/testing/code_quality, "Code Quality report format") reads a JSON array of
objects with: ``description`` (string), ``check_name`` (string), ``fingerprint`` (string,
unique per issue: GitLab shows one issue per fingerprint), ``severity`` (one of info,
minor, major, critical, blocker), ``location.path`` (relative to the repository root, no
leading ``./``) and ``location.lines.begin`` (integer line).
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from kubevet import baseline

GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "pattern": "^(?!\\./)(?!/)[^\\\\]+$"},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: example/web:1.0.0
          resources: {limits: {memory: 64Mi}}
        - name: sidecar
          image: example/sidecar:1.0.0
          resources: {limits: {memory: 64Mi}}
"""
RULES = "cpu-limit-missing,ephemeral-storage-unset,image-digest-missing,yaml-syntax,file-unreadable"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "app.yaml").write_text(DEPLOY, encoding="utf-8")
    return tmp_path


def report(run_cli, *args: str):
    # one issue per rule, as the baseline records them (a joined finding's fingerprint: tests/test_grouping.py)
    r = run_cli("scan", "--select", RULES, "--severity", "cpu-limit-missing=error", "--ungrouped", *args, "-f", "gitlab")
    return r.code, json.loads(r.out)


def test_the_report_has_gitlabs_documented_shape(repo, run_cli):
    code, issues = report(run_cli, "./k8s")
    assert code == 1
    jsonschema.Draft202012Validator(GITLAB_SCHEMA).validate(issues)
    assert len(issues) == 6
    web = next(i for i in issues if i["check_name"] == "cpu-limit-missing" and "'web'" in i["description"])
    assert web == {
        "type": "issue",
        "description": "container 'web' has no CPU limit [Deployment shop/web]",
        "check_name": "cpu-limit-missing",
        "fingerprint": web["fingerprint"],
        "severity": "critical",
        "categories": ["Performance"],
        "location": {"path": "k8s/app.yaml", "lines": {"begin": 14}},
        "engine_name": "kubevet",
    }
    assert {i["severity"] for i in issues} == {"critical", "info"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_fingerprints_are_the_baselines(repo, run_cli):
    _, issues = report(run_cli, "k8s")
    assert run_cli("baseline", "--select", RULES, "k8s").code == 0
    recorded = json.loads((repo / ".kubevet-baseline.json").read_text(encoding="utf-8"))["findings"]
    assert {i["fingerprint"] for i in issues} == {e["fingerprint"] for e in recorded}


def test_fingerprints_survive_moved_lines_and_reordered_containers(repo, run_cli):
    _, before = report(run_cli, "k8s")
    web, sidecar = DEPLOY.split("        - name: sidecar\n")
    moved = "# moved down\n---\n" + web.replace("      containers:\n", "      containers:\n        - name: sidecar\n" + sidecar)
    (repo / "k8s" / "app.yaml").write_text(moved, encoding="utf-8")
    _, after = report(run_cli, "k8s")
    key = lambda issues: sorted((i["fingerprint"], i["description"]) for i in issues)  # noqa: E731
    assert key(before) == key(after)
    assert [i["location"]["lines"]["begin"] for i in before] != [i["location"]["lines"]["begin"] for i in after]


def test_identical_findings_get_distinct_fingerprints(repo, run_cli):
    (repo / "k8s" / "app.yaml").write_text(DEPLOY + "---\n" + DEPLOY, encoding="utf-8")
    _, issues = report(run_cli, "k8s")
    assert len(issues) == 12 and len({i["fingerprint"] for i in issues}) == 12


def test_suppressed_findings_are_left_out_and_input_errors_are_blockers(repo, run_cli):
    (repo / "k8s" / "broken.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n", encoding="utf-8")
    assert run_cli("baseline", "--select", RULES, "k8s/app.yaml").code == 0
    code, issues = report(run_cli, "k8s", "--baseline", ".kubevet-baseline.json")
    assert code == 2
    jsonschema.Draft202012Validator(GITLAB_SCHEMA).validate(issues)
    assert [(i["check_name"], i["severity"], i["location"]["path"]) for i in issues] == [
        ("yaml-syntax", "blocker", "k8s/broken.yaml")
    ]


def test_a_finding_about_a_whole_file_is_on_line_1(repo, run_cli):
    code, issues = report(run_cli, "k8s", "missing.yaml")
    assert code == 2
    missing = [i for i in issues if i["check_name"] == "file-unreadable"]
    assert missing and missing[0]["location"] == {"path": "missing.yaml", "lines": {"begin": 1}}
    assert missing[0]["severity"] == "blocker"


def test_absolute_paths_are_made_relative_to_the_working_directory(repo, run_cli):
    _, issues = report(run_cli, str(repo / "k8s"))
    assert {i["location"]["path"] for i in issues} == {"k8s/app.yaml"}


def test_the_report_is_deterministic(repo, run_cli):
    r1 = run_cli("scan", "--select", RULES, "k8s", "-f", "gitlab")
    r2 = run_cli("scan", "--select", RULES, "k8s", "-f", "gitlab", "-j", "2")
    assert r1.out == r2.out


def test_severity_mapping_is_documented():
    from kubevet.findings import Severity
    from kubevet.output import gitlab

    assert gitlab.SEVERITY == {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}
    assert baseline.VERSION == 1
