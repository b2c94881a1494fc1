"""kubevet diff and gate end to end: sides of every kind, bad inputs, the gate's verdict and command."""

import json
import os
import subprocess
import sys

import diffkit
import pytest

kubevet, diff_json, write = diffkit.kubevet, diffkit.diff_json, diffkit.write  # fixtures
PAIRS = diffkit.PAIRS
CHARTS = os.path.join(os.path.dirname(__file__), "..", "data", "charts")

DEPLOY = open(os.path.join(PAIRS, "rollout-restart", "old.yaml")).read()


def test_kubectl_list_with_managed_fields_and_status_is_the_same_objects(diff_json, write, tmp_path):
    """`kubectl get -o yaml` output: a List, with managedFields, status and server fields."""
    import yaml

    obj = yaml.safe_load(DEPLOY)
    obj["metadata"].update(uid="4f1c", resourceVersion="77123", generation=5, creationTimestamp="2026-11-30T10:00:00Z",
                           managedFields=[{"manager": "helm", "operation": "Update", "fieldsV1": {"f:spec": {}}}],
                           annotations={"deployment.kubernetes.io/revision": "5", "meta.helm.sh/release-name": "shop"})
    obj["status"] = {"replicas": 3, "readyReplicas": 3}
    live = write(tmp_path / "live.yaml", yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [obj]}))
    new = yaml.safe_load(DEPLOY)
    new["metadata"]["annotations"] = {"meta.helm.sh/release-name": "shop"}
    new["metadata"]["namespace"] = None  # Helm's release namespace applies
    del new["metadata"]["namespace"]
    chart_out = write(tmp_path / "new.yaml", yaml.safe_dump(new))
    code, report = diff_json(live, chart_out, "--namespace", "shop", "--no-findings")
    assert code == 0
    assert report["summary"] == {"added": 0, "removed": 0, "changed": 0, "unchanged": 1}
    # the apps/v1beta2 -> apps/v1 move and extensions -> apps are the same object
    old_api = write(tmp_path / "old-api.yaml", DEPLOY.replace("apps/v1", "extensions/v1beta1"))
    code, report = diff_json(old_api, os.path.join(PAIRS, "rollout-restart", "new.yaml"), "--no-findings")
    assert report["summary"]["changed"] == 1 and report["objects"][0]["apiVersion"] == {"old": "extensions/v1beta1", "new": "apps/v1"}


def test_findings_marked_new_or_existing(diff_json, write, tmp_path):
    old = write(tmp_path / "old.yaml", DEPLOY)
    # NEW adds a container without resources: its findings are new, the old container's are existing
    new = write(tmp_path / "new.yaml", DEPLOY.replace("      containers:\n", "      containers:\n"
                                                      "        - name: cache\n          image: redis:latest\n"))
    code, report = diff_json(old, new)
    new_findings = [f for f in report["findings"] if f["new"]]
    existing = [f for f in report["findings"] if not f["new"]]
    assert new_findings and existing
    assert all("cache" in f["message"] for f in new_findings)
    assert not any("'cache'" in f["message"] for f in existing)
    assert {f["rule"] for f in new_findings} >= {"memory-limit-missing", "image-tag-mutable"}
    assert code == 1  # new errors gate
    # moving the object to another file changes nothing about which findings are new
    moved = write(tmp_path / "elsewhere" / "renamed.yaml", DEPLOY)
    code, report = diff_json(old, moved)
    assert code == 0 and report["findings"] and not any(f["new"] for f in report["findings"])
    assert diff_json(old, moved, "--fail-on-existing", "--fail-on", "info")[0] == 1


def test_old_ref_reads_git_without_touching_the_work_tree(kubevet, diff_json, tmp_path):
    repo = tmp_path / "repo"
    (repo / "k8s").mkdir(parents=True)
    (repo / "k8s" / "web.yaml").write_text(DEPLOY)

    def git(*args):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                       env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-qm", "v1")
    git("checkout", "-qb", "feature")
    edited = DEPLOY.replace("replicas: 3", "replicas: 1")
    (repo / "k8s" / "web.yaml").write_text(edited)  # uncommitted: the work tree is NEW
    before = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout
    code, report = diff_json(repo / "k8s", "--old-ref", "main", "--no-findings", "--fail-on", "warning")
    assert code == 1
    assert [r["check"] for r in report["risks"]] == ["replicas-reduced"]
    assert report["old"].endswith("at main")
    assert report["risks"][0]["file"] == str(repo / "k8s" / "web.yaml")
    after = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout
    assert before == after and (repo / "k8s" / "web.yaml").read_text() == edited
    code, _, err = kubevet("diff", repo / "k8s", "--old-ref", "no-such-branch")
    assert code == 2 and "no revision" in err


def test_old_ref_with_links_out_of_the_checkout_leaves_them_out(kubevet, tmp_path):
    """A revision's symbolic links to an absolute path or out of the checkout are not
    extracted (tarfile's data filter) and do not fail the diff."""
    repo = tmp_path / "repo"
    (repo / "k8s").mkdir(parents=True)
    (repo / "k8s" / "web.yaml").write_text(DEPLOY)
    (repo / "k8s" / "passwd.yaml").symlink_to("/etc/passwd")
    (repo / "k8s" / "up").symlink_to("../../../../../etc")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "v1"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)
    (repo / "k8s" / "passwd.yaml").unlink()
    (repo / "k8s" / "up").unlink()
    code, out, err = kubevet("diff", repo / "k8s", "--old-ref", "main", "--no-findings", "-f", "json")
    assert code == 0, err
    assert "internal error" not in err and "Traceback" not in err
    assert "k8s/passwd.yaml left out: " in err and "k8s/up left out: " in err
    assert json.loads(out)["summary"]["unchanged"] == 1


def test_helm_chart_two_values_sets(diff_json, write, tmp_path):
    """The real podinfo chart (tests/data/charts): a values change that removes the limits."""
    chart = os.path.join(CHARTS, "podinfo")
    code, report = diff_json(chart, chart, "--old-set", "resources.limits.memory=512Mi,resources.limits.cpu=1",
                             "--namespace", "web", "--no-findings")
    checks = {(r["check"], r["severity"]) for r in report["risks"]}
    assert ("resources-removed", "error") in checks  # the memory limit
    assert code == 1
    risk = next(r for r in report["risks"] if r["check"] == "resources-removed")
    assert risk["file"].endswith(os.path.join("podinfo", "templates", "deployment.yaml"))  # the template, not the render
    assert risk["object"] == "Deployment.apps web/release-name-podinfo"
    values = write(tmp_path / "prod.yaml", "replicaCount: 1\nhpa:\n  enabled: false\n")
    code, report = diff_json(chart, chart, "--old-set", "replicaCount=4", "--new-values", values, "--no-findings",
                             "--fail-on", "warning")
    assert code == 1 and [r["check"] for r in report["risks"] if r["check"] != "rollout-restart"] == ["replicas-reduced"]
    code, report = diff_json(chart, chart, "--no-findings")
    assert code == 0 and report["summary"]["changed"] == 0 and report["summary"]["unchanged"] > 0


@pytest.mark.parametrize("case", ["missing", "empty", "syntax", "duplicate", "chart"])
def test_bad_inputs_exit_2_never_no_changes(kubevet, write, tmp_path, case):
    good = write(tmp_path / "good.yaml", DEPLOY)
    if case == "missing":
        bad = tmp_path / "nope.yaml"
    elif case == "empty":
        bad = write(tmp_path / "empty.yaml", "# nothing here\n")
    elif case == "syntax":
        bad = write(tmp_path / "bad.yaml", DEPLOY + "---\nkind: [unclosed\n")
    elif case == "duplicate":
        bad = write(tmp_path / "dup.yaml", DEPLOY + "---\n" + DEPLOY)
    else:
        bad = tmp_path / "chart"
        write(bad / "Chart.yaml", "apiVersion: v2\nname: broken\nversion: 0.1.0\n")
        write(bad / "templates" / "x.yaml", "kind: {{ .Values.nope.deeper }}\n")
    for old, new in ((good, bad), (bad, good)):
        code, out, err = kubevet("diff", old, new)
        assert code == 2, (case, out, err)
        assert "error" in err and "Traceback" not in err
        assert "PASS" not in out
        code, out, err = kubevet("gate", old, new, "--", sys.executable, "-c", "print('deployed')")
        assert code == 2 and "deployed" not in out


def test_usage_errors(kubevet, tmp_path):
    assert kubevet("diff", tmp_path)[0] == 2
    assert kubevet("diff", "-", "-")[0] == 2
    code, _, err = kubevet("diff", "--live", os.path.join(PAIRS, "rollout-restart", "new.yaml"), "--kubeconfig", str(tmp_path / "none"))
    assert code == 2 and f"cannot use {tmp_path / 'none'}" in err  # tests/apiserver/test_diff_live.py: a real cluster
    assert kubevet("diff", os.path.join(PAIRS, "rollout-restart", "old.yaml"), os.path.join(PAIRS, "rollout-restart", "new.yaml"), "-f", "yaml")[0] == 2


def test_first_install_needs_allow_no_objects(kubevet, write, tmp_path):
    empty = write(tmp_path / "none.yaml", "")
    new = os.path.join(PAIRS, "rollout-restart", "new.yaml")
    assert kubevet("diff", empty, new, "--no-findings")[0] == 2
    code, out, _ = kubevet("diff", empty, new, "--no-findings", "--allow-no-objects")
    assert code == 0 and "+ Deployment.apps shop/web added" in out


FREEZE = """\
freeze:
  timezone: Europe/Berlin
  windows:
    - {from: "fri 12:00", to: "mon 08:00", reason: "never on a Friday"}
"""
FRIDAY = "2026-03-27T16:45:00+01:00"
TUESDAY = "2026-03-24T10:00:00+01:00"


@pytest.fixture
def frozen_repo(tmp_path, monkeypatch):
    (tmp_path / ".kubevet.yaml").write_text(FREEZE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    return tmp_path


def _pair(name="rollout-restart"):
    return os.path.join(PAIRS, name, "old.yaml"), os.path.join(PAIRS, name, "new.yaml")


def test_gate_refuses_in_a_freeze_and_passes_the_command_exit_code(kubevet, frozen_repo):
    marker = frozen_repo / "ran"
    cmd = [sys.executable, "-c", f"open({str(marker)!r}, 'w').write('x'); raise SystemExit(7)"]
    code, out, err = kubevet("gate", *_pair(), "--now", FRIDAY, "--no-findings", "--", *cmd)
    assert code == 1 and not marker.exists()
    assert "change freeze: never on a Friday" in out and "not running" in err
    code, out, _ = kubevet("gate", *_pair(), "--now", TUESDAY, "--no-findings", "--", *cmd)
    assert code == 7 and marker.exists()  # the command ran; its exit code is the gate's
    marker.unlink()
    code, _, _ = kubevet("gate", *_pair(), "--now", TUESDAY, "--no-findings", "--", sys.executable, "-c", "pass")
    assert code == 0
    # a blocking risk stops the command as well
    code, _, _ = kubevet("gate", *_pair("selector-changed"), "--now", TUESDAY, "--no-findings", "--", *cmd)
    assert code == 1 and not marker.exists()


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif"])
def test_override_is_recorded_in_every_format(kubevet, frozen_repo, fmt):
    code, out, _ = kubevet("gate", *_pair(), "--now", FRIDAY, "--no-findings", "-f", fmt,
                           "--override-freeze", "INC-4711: revert the bad cache flag")
    assert code == 0
    assert "INC-4711: revert the bad cache flag" in out and "octocat" in out
    if fmt == "json":
        report = json.loads(out)
        assert report["override"]["user"] == "octocat (GITHUB_ACTOR)"
        assert report["override"]["windows"] == ["never on a Friday"]
        assert report["override"]["time"].endswith("Z")
        assert report["freeze"]["frozen"] is True and report["verdict"]["pass"] is True
    if fmt == "sarif":
        run = json.loads(out)["runs"][0]
        assert run["properties"]["override"]["reason"] == "INC-4711: revert the bad cache flag"
    code, _, err = kubevet("gate", *_pair(), "--now", FRIDAY, "--override-freeze", "  ")
    assert code == 2 and "needs a reason" in err


def test_gate_formats_validate(kubevet, frozen_repo, tmp_path):
    import jsonschema

    schema = json.load(open(os.path.join(os.path.dirname(__file__), "..", "data", "schemas", "sarif-schema-2.1.0.json")))
    report_schema = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "diff-report.schema.json")))
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    code, _, _ = kubevet("gate", *_pair("security-context-weakened"), "--now", FRIDAY, "-f", "sarif", "-o", out_dir / "r.sarif",
                         "-f", "json", "-o", out_dir / "r.json", "-f", "markdown", "-o", out_dir / "r.md")
    assert code == 1
    jsonschema.validate(json.loads((out_dir / "r.sarif").read_text()), schema)
    jsonschema.validate(json.loads((out_dir / "r.json").read_text()), report_schema)
    md = (out_dir / "r.md").read_text()
    assert "| severity | class | check |" in md and "<details>" in md and "security-context-weakened" in md


def test_markdown_length_limit(kubevet, write, tmp_path):
    docs = [DEPLOY.replace("name: web\n  namespace", f"name: web-{i}\n  namespace") for i in range(60)]
    old = write(tmp_path / "old.yaml", "---\n".join(docs))
    new = write(tmp_path / "new.yaml", "---\n".join(d.replace("web:1.4.0", "web:1.5.0") for d in docs))
    code, out, _ = kubevet("diff", old, new, "--no-findings", "-f", "markdown", "--markdown-limit", "8000")
    assert len(out) <= 8000
    assert "more changed objects not shown" in out and out.count("<details>") < 60


@pytest.mark.parametrize("old, new", [
    ("examples/broken", "examples/fixed"),
    ("examples/fixed", "examples/broken"),
    *[(f"{PAIRS}/{name}/old.yaml", f"{PAIRS}/{name}/new.yaml")
      for name in ("rbac-widened", "pdb-removed", "quota-exceeded", "security-context-weakened", "network-policy-opened")],
])
def test_incremental_old_scan_marks_as_a_full_scan_does(old, new):
    """OLD judged only as far as needed (cluster rules on all, object rules on changed objects)
    marks every finding of NEW exactly as scanning OLD whole does."""
    from kubevet import api
    from kubevet.diff.compare import compare
    from kubevet.diff.findings import mark_full, mark_incremental, scan_side
    from kubevet.diff.sides import SideSpec, load
    from kubevet.loading.rendered import HelmOptions

    root = os.path.join(os.path.dirname(__file__), "..", "..")
    sides = [load(SideSpec(label, [os.path.join(root, p)], HelmOptions())) for label, p in (("old", old), ("new", new))]
    comparison = compare(*sides)
    config = api.Config()
    new_result = scan_side(config, sides[1])
    full = mark_full(scan_side(config, sides[0]), new_result, *sides)
    fast = mark_incremental(config, comparison, new_result)
    assert [(f.rule, f.line, is_new) for f, is_new in fast.findings] == [(f.rule, f.line, is_new) for f, is_new in full.findings]
    assert fast.fixed == full.fixed and not fast.crashes
    assert full.findings or full.fixed  # something to compare


def test_values_helm_generates_at_random_are_noise(diff_json):
    chart = os.path.join(os.path.dirname(__file__), "charts", "random")
    code, report = diff_json(chart, chart, "--no-findings")
    assert code == 0 and report["summary"]["changed"] == 0 and report["summary"]["unchanged"] == 2
    code, report = diff_json(chart, chart, "--no-findings", "--new-set", "logLevel=debug")
    (changed,) = report["objects"]
    assert changed["kind"] == "ConfigMap"
    assert changed["changes"] == [{"path": "data.LOG_LEVEL", "op": "changed", "old": "info", "new": "debug"}]
    assert "metadata.annotations.build-id" in changed["ignored"]


def test_custom_resources_of_unknown_kinds_are_compared_field_by_field(diff_json, write, tmp_path):
    cr = """\
apiVersion: monitoring.example.com/v1
kind: AlertRoute
metadata:
  name: pager
  namespace: ops
spec:
  receivers:
    - name: oncall
      url: https://pager.example.com/{hook}
"""
    old = write(tmp_path / "old.yaml", cr.format(hook="a"))
    new = write(tmp_path / "new.yaml", cr.format(hook="b"))
    code, report = diff_json(old, new, "--no-findings")
    assert code == 0
    (obj,) = report["objects"]
    assert obj["group"] == "monitoring.example.com" and obj["changes"] == [
        {"path": "spec.receivers[name=oncall].url", "op": "changed",
         "old": "https://pager.example.com/a", "new": "https://pager.example.com/b"}]


@pytest.mark.parametrize(
    "spec",
    [
        "  volumes: [{name: [], hostPath: {path: /dev/fuse}}]\n",  # found by tests/fuzz
        "  volumes: 5\n",
        "  containers: [{name: c, image: 'x:1', securityContext: {capabilities: {add: [[NET_ADMIN]], drop: 5}}}]\n",
    ],
)
def test_risk_checks_read_wrongly_typed_fields(kubevet, write, tmp_path, spec):
    """A field of the wrong type is the scan's finding; the risk checks read past it."""
    base = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n"
    old = write(tmp_path / "old.yaml", base + "  containers: [{name: c, image: 'x:1', securityContext: {capabilities: {drop: [ALL]}}}]\n")
    new = write(tmp_path / "new.yaml", base + ("" if "containers" in spec else "  containers: [{name: c, image: 'x:1'}]\n") + spec)
    code, _, err = kubevet("diff", "--no-findings", old, new)
    assert code in (0, 1) and "internal error" not in err, err


def test_a_service_type_of_the_wrong_type_is_read_past(kubevet, write, tmp_path):
    """type: [] crashed service-exposed (unhashable; found by tests/fuzz)."""
    svc = "apiVersion: v1\nkind: Service\nmetadata: {name: e, namespace: shop}\nspec: {type: %s, externalName: db.example.com}\n"
    code, _, err = kubevet("diff", "--no-findings", write(tmp_path / "old.yaml", svc % "ExternalName"), write(tmp_path / "new.yaml", svc % "[]"))
    assert code in (0, 1) and "internal error" not in err, err


def test_new_findings_of_one_cause_are_shown_as_one(run_cli):
    """As kubevet scan reports them (kubevet.groups): the text, Markdown and SARIF reports
    join the new findings of one cause; the JSON report keeps each rule's, marked new."""
    import json
    import os

    pair = os.path.join(os.path.dirname(__file__), "pairs", "resources-removed")
    old, new = os.path.join(pair, "old.yaml"), os.path.join(pair, "new.yaml")
    text = run_cli("diff", old, new).out
    assert "Findings of NEW: 1 new (2 rule findings, joined by cause)" in text
    assert text.count("resources-unset") == 1 and "memory-limit-missing" not in text
    markdown = run_cli("diff", old, new, "-f", "markdown").out
    assert "`resources-unset`" in markdown and "`memory-limit-missing`" not in markdown
    sarif = json.loads(run_cli("diff", old, new, "-f", "sarif").out)
    assert "GRP001" in {r["ruleId"] for r in sarif["runs"][0]["results"]}
    report = json.loads(run_cli("diff", old, new, "-f", "json").out)
    assert {f["rule"] for f in report["findings"] if f["new"]} == {"memory-limit-missing", "cpu-limit-missing"}
