"""One cause, one finding (kubevet.groups, docs/grouping.md): the findings of a group's
rules at one place are reported as one, the rules stay selectable and suppressible."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from kubevet import api
from kubevet.groups import GROUPS, group

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))

BARE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27.0
          ports: [{containerPort: 80}]
        - name: sidecar
          image: busybox:1.36.1
          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {memory: 16Mi}
"""


def scan_text(text: str, tmp_path, *args) -> tuple[int, str]:
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    import contextlib
    import io

    from kubevet.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["scan", "--no-config", str(path), *args])
    assert code in (0, 1), err.getvalue()
    return code, out.getvalue()


def findings_of(text: str, tmp_path, *args) -> list[dict]:
    code, out = scan_text(text, tmp_path, "-f", "json", *args)
    report = json.loads(out)
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    return report["findings"]


def test_a_container_without_resources_is_one_finding_with_its_rules_inside(tmp_path):
    found = findings_of(BARE, tmp_path)
    web = [f for f in found if f["field"] == "spec.template.spec.containers[0]" and f["rule"] == "resources-unset"]
    assert len(web) == 1
    members = [m["rule"] for m in web[0]["members"]]
    assert sorted(members) == sorted(["cpu-request-missing", "memory-request-missing", "memory-limit-missing",
                                      "cpu-limit-missing", "ephemeral-storage-unset"])
    assert web[0]["severity"] == "error" and web[0]["code"] == "GRP001"
    assert "container 'web' has incomplete resources: no CPU request, no memory request" in web[0]["message"]
    # no rule of the group is reported on its own about that container
    assert not [f for f in found if f["rule"] in GROUPS[0].members and f["field"].startswith("spec.template.spec.containers[0]")]


def test_a_lone_member_is_reported_as_itself(tmp_path):
    found = findings_of(BARE, tmp_path)
    sidecar = [f for f in found if (f["field"] or "").startswith("spec.template.spec.containers[1]") and
               (f["rule"] in GROUPS[0].members or f["rule"] == "resources-unset")]
    # the sidecar misses only a CPU limit and ephemeral storage: two of one cause, joined
    assert [f["rule"] for f in sidecar] == ["resources-unset"]
    one = BARE.replace("limits: {memory: 16Mi}", "limits: {memory: 16Mi, cpu: 100m}")
    found = findings_of(one, tmp_path, "--select", "RES")
    sidecar = [f for f in found if (f["field"] or "").startswith("spec.template.spec.containers[1]")]
    assert [(f["rule"], "members" in f) for f in sidecar] == [("ephemeral-storage-unset", False)]


def test_the_verdict_and_the_rules_findings_do_not_change():
    result = api.scan_paths([str(ROOT / "examples" / "broken")], api.load_config(no_config=True))
    shown = group(result.findings)
    assert len(shown) < len(result.findings)
    assert sorted(id(m) for f in shown for m in (f.members or (f,))) == sorted(id(f) for f in result.findings)
    assert all(f.severity == max(m.severity for m in f.members) for f in shown if f.members)
    assert not any(f.rule in {g.name for g in GROUPS} for f in result.findings)  # the library keeps the rules'


def test_ungrouped_reports_every_rule(tmp_path):
    grouped = findings_of(BARE, tmp_path)
    each = findings_of(BARE, tmp_path, "--ungrouped")
    assert not any("members" in f for f in each)
    assert len(each) == sum(len(f.get("members", [f])) for f in grouped)
    code_g, text_g = scan_text(BARE, tmp_path)
    code_e, text_e = scan_text(BARE, tmp_path, "--ungrouped")
    assert code_g == code_e == 1
    assert "cpu-request-missing" in text_e and "cpu-request-missing" not in text_g
    assert re.search(r"\d+ of them join \d+ rule findings by cause", text_g.splitlines()[-1])


def test_text_names_the_defaults_a_message_assumes_and_verbose_lists_the_members(tmp_path):
    _, text = scan_text(BARE, tmp_path, "--verbose")
    assert "assumes: the Kubernetes defaults of unset fields: allowPrivilegeEscalation true" in text
    assert "- cpu-request-missing (error): container 'web' has no CPU request" in text
    _, plain = scan_text(BARE, tmp_path)
    assert "- cpu-request-missing (error)" not in plain


@pytest.mark.parametrize("selector", ["resources-unset", "GRP001", "grp001"])
def test_a_group_name_selects_and_ignores_all_its_rules(tmp_path, selector):
    found = findings_of(BARE, tmp_path, "--select", selector)
    rules = {m["rule"] for f in found for m in f.get("members", [f])}
    assert rules == set(GROUPS[0].members)
    ignored = findings_of(BARE, tmp_path, "--ignore", selector)
    assert not {m["rule"] for f in ignored for m in f.get("members", [f])} & set(GROUPS[0].members)
    # a rule named on its own wins over its group
    back = findings_of(BARE, tmp_path, "--ignore", selector, "--select", "cpu-request-missing")
    assert {m["rule"] for f in back for m in f.get("members", [f])} & set(GROUPS[0].members) == {"cpu-request-missing"}


def test_a_group_severity_applies_to_its_rules_and_a_rule_severity_wins(tmp_path):
    found = findings_of(BARE, tmp_path, "--select", "resources-unset", "--severity", "resources-unset=info",
                        "--severity", "memory-limit-missing=warning")
    severities = {m["rule"]: m["severity"] for f in found for m in f.get("members", [f])}
    assert severities["cpu-request-missing"] == "info" and severities["memory-limit-missing"] == "warning"
    web = [f for f in found if f["rule"] == "resources-unset" and f["field"] == "spec.template.spec.containers[0]"]
    assert [f["severity"] for f in web] == ["warning"]  # the worst of its members


def test_a_group_in_the_configuration_file(tmp_path):
    (tmp_path / ".kubevet.yaml").write_text("ignore: [security-context-unset]\nrules:\n  probes-unsafe: {severity: info}\n", encoding="utf-8")
    (tmp_path / "app.yaml").write_text(BARE, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "kubevet", "scan", "-f", "json", "app.yaml"], cwd=tmp_path,
                       capture_output=True, text=True)
    found = json.loads(r.stdout)["findings"]
    rules = {m["rule"]: m["severity"] for f in found for m in f.get("members", [f])}
    assert not set(rules) & set(GROUPS[1].members)
    assert rules["readiness-probe-missing"] == "info"
    (tmp_path / ".kubevet.yaml").write_text("rules:\n  probes-unsafe: {timeout: 3}\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "kubevet", "scan", "app.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 2 and "probes-unsafe" in r.stderr and "Traceback" not in r.stderr


def test_an_annotation_naming_a_group_suppresses_its_rules_and_counts_as_used(tmp_path):
    text = BARE.replace("metadata: {name: web, namespace: shop}",
                        "metadata:\n  name: web\n  namespace: shop\n  annotations:\n"
                        "    kubevet.io/ignore: resources-unset\n    kubevet.io/ignore-reason: sized by the VPA")
    found = findings_of(text, tmp_path)
    active = [f for f in found if not f["suppressed"]]
    assert not [f for f in active if f["rule"] == "resources-unset" or f["rule"] in GROUPS[0].members]
    suppressed = {f["rule"] for f in found if f["suppressed"]}
    assert "cpu-request-missing" in suppressed
    assert "suppression-unused" not in {f["rule"] for f in found}
    # one suppressed member drops out; the others are still joined
    text = BARE.replace("metadata: {name: web, namespace: shop}",
                        "metadata:\n  name: web\n  namespace: shop\n  annotations:\n"
                        "    kubevet.io/ignore: cpu-limit-missing\n    kubevet.io/ignore-reason: bursts are fine")
    found = findings_of(text, tmp_path)
    web = [f for f in found if f["rule"] == "resources-unset" and f["field"] == "spec.template.spec.containers[0]"]
    assert len(web) == 1 and "cpu-limit-missing" not in [m["rule"] for m in web[0]["members"]]
    assert [f["suppressed"] for f in found if f["rule"] == "cpu-limit-missing"] == [True, True] or \
        all(f["suppressed"] for f in found if f["rule"] == "cpu-limit-missing" and f["field"].startswith("spec.template.spec.containers[0]"))


def test_a_namespace_without_network_policy_is_one_finding_for_all_its_workloads():
    result = api.scan_paths([str(ROOT / "examples" / "broken")], api.load_config(no_config=True))
    shown = group(result.findings)
    net = [f for f in shown if f.rule == "network-isolation-missing"]
    assert len(net) == 1
    assert not [f for f in shown if f.rule in ("pod-not-isolated", "namespace-default-deny-missing")]
    assert net[0].message == ("namespace 'shop' is not isolated: no default-deny NetworkPolicy (Egress and Ingress); "
                              "3 workloads that no NetworkPolicy selects (Deployment catalog, Deployment redis, CronJob cleanup)")
    assert (net[0].obj.kind, net[0].line) == ("Namespace", 5)


def test_sarif_lists_the_group_as_a_rule_and_the_members_inside(tmp_path):
    code, out = scan_text(BARE, tmp_path, "-f", "sarif")
    run = json.loads(out)["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    joined = [r for r in run["results"] if r["ruleId"] == "GRP001"]
    assert "GRP001" in ids and joined
    assert run["tool"]["driver"]["rules"][joined[0]["ruleIndex"]]["name"] == "resources-unset"
    assert {m["rule"] for m in joined[0]["properties"]["members"]} >= {"cpu-request-missing", "memory-limit-missing"}
    schema = json.loads((ROOT / "tests" / "data" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(json.loads(out))


def test_gitlab_fingerprints_of_a_group_stay_when_lines_move(tmp_path):
    _, first = scan_text(BARE, tmp_path, "-f", "gitlab")
    _, moved = scan_text("# a comment\n\n" + BARE, tmp_path, "-f", "gitlab")
    a = {i["check_name"]: i["fingerprint"] for i in json.loads(first)}
    b = {i["check_name"]: i["fingerprint"] for i in json.loads(moved)}
    assert "resources-unset" in a and a == b
    assert len({i["fingerprint"] for i in json.loads(first)}) == len(json.loads(first))


def test_groups_are_documented_and_explained(run_cli):
    rules_md = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    grouping = (ROOT / "docs" / "grouping.md").read_text(encoding="utf-8")
    for g in GROUPS:
        assert f'<a id="{g.code.lower()}-{g.name}"></a>' in rules_md
        assert f"`{g.code} {g.name}`" in grouping
        r = run_cli("explain", g.name)
        assert r.code == 0 and r.out.startswith(f"# {g.name} ({g.code})")
        assert all(m in r.out for m in g.members)


def test_the_noise_figures_in_the_docs_are_current():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import noise_counts
    finally:
        sys.path.pop(0)
    grouping = (ROOT / "docs" / "grouping.md").read_text(encoding="utf-8")
    documented = grouping.split("<!-- noise-counts -->\n", 1)[1].split("<!-- /noise-counts -->", 1)[0]
    assert documented == noise_counts.table()
