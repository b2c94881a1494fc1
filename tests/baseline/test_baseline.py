"""Baselines: `kubevet baseline` records findings; `kubevet scan --baseline` fails only on new ones.

A baseline must survive edits that move lines (comments, documents inserted above) and
reorder documents, files' contents and list items, and must still catch a finding that
is really new. The scans select a fixed set of rules, so that rules added later do not
change these tests.
"""

from __future__ import annotations

import json

import pytest

from kubevet import baseline
from kubevet.config import Config
from kubevet.engine import Engine
from kubevet.k8s.paths import named_path
from kubevet.model import Source

RULES = "cpu-limit-missing,secret-in-env,dangerous-capability-added,yaml-syntax"

WEB = """\
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
        - name: proxy
          image: example/proxy:1.0.0
          resources: {limits: {cpu: 100m, memory: 64Mi}}
        - name: web
          image: example/web:1.0.0
          env:
            - {name: LOG_LEVEL, value: info}
            - {name: DB_PASSWORD, value: hunter2hunter2}
          securityContext:
            capabilities: {add: [CHOWN, SYS_ADMIN]}
"""

WORKER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: shop
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers:
        - name: worker
          image: example/worker:1.0.0
"""


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.yaml").write_text(WEB + "---\n" + WORKER, encoding="utf-8")
    return tmp_path


def record(run_cli, *paths: str, out: str = ".kubevet-baseline.json"):
    return run_cli("baseline", "--select", RULES, *paths, "-o", out)


def check(run_cli, *paths: str, extra: tuple[str, ...] = ()):
    """scan --baseline with a JSON report; returns (exit code, findings, stderr)."""
    r = run_cli("scan", "--select", RULES, "--fail-on", "info", *paths, "--baseline", ".kubevet-baseline.json", "-f", "json", *extra)
    return r.code, json.loads(r.out)["findings"], r.err


def new(findings):
    return [(f["rule"], f["object"]["name"] if f["object"] else None, f["field"]) for f in findings if not f["suppressed"]]


def test_a_baseline_accepts_every_current_finding(repo, run_cli):
    assert run_cli("scan", "--select", RULES, "--fail-on", "info", "app.yaml").code == 1
    r = record(run_cli, "app.yaml")
    assert (r.code, r.out, r.err) == (0, "wrote .kubevet-baseline.json: 4 findings\n", "")
    code, findings, err = check(run_cli, "app.yaml")
    assert (code, err) == (0, "")
    assert len(findings) == 4 and new(findings) == []
    assert {json.dumps(f["suppression"]) for f in findings} == {'{"kind": "external", "reason": "baseline"}'}


def test_the_baseline_file_names_list_items_by_name_and_is_sorted(repo, run_cli):
    record(run_cli, "app.yaml")
    data = json.loads((repo / ".kubevet-baseline.json").read_text(encoding="utf-8"))
    assert data["version"] == 1
    fields = {(e["rule"], e["object"], e["field"]) for e in data["findings"]}
    assert fields == {
        ("cpu-limit-missing", "apps/Deployment shop/web", "spec.template.spec.containers[name=web]"),
        ("cpu-limit-missing", "apps/Deployment shop/worker", "spec.template.spec.containers[name=worker]"),
        ("secret-in-env", "apps/Deployment shop/web", "spec.template.spec.containers[name=web].env[name=DB_PASSWORD].value"),
        (
            "dangerous-capability-added",
            "apps/Deployment shop/web",
            "spec.template.spec.containers[name=web].securityContext.capabilities.add[=SYS_ADMIN]",
        ),
    }
    keys = [(e["file"], e["object"], e["rule"], e["field"]) for e in data["findings"]]
    assert keys == sorted(keys)
    assert all(e["count"] == 1 and len(e["fingerprint"]) == 32 for e in data["findings"])


def test_moving_lines_keeps_the_baseline(repo, run_cli):
    record(run_cli, "app.yaml")
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {a: b}\n"
    text = "# a comment\n# another one\n\n" + config_map + "---\n" + WEB.replace("spec:\n  selector", "spec:\n  # replicas come from the HPA\n  selector") + "---\n" + WORKER
    (repo / "app.yaml").write_text(text, encoding="utf-8")
    code, findings, _ = check(run_cli, "app.yaml")
    assert code == 0 and new(findings) == [] and len(findings) == 4


def test_reordering_documents_containers_and_list_items_keeps_the_baseline(repo, run_cli):
    record(run_cli, "app.yaml")
    web = WEB
    # swap the two containers, the two variables and the two capabilities
    proxy = "        - name: proxy\n          image: example/proxy:1.0.0\n          resources: {limits: {cpu: 100m, memory: 64Mi}}\n"
    web = web.replace(proxy, "")
    web = web.replace("          securityContext:\n            capabilities: {add: [CHOWN, SYS_ADMIN]}\n", "          securityContext:\n            capabilities: {add: [SYS_ADMIN, CHOWN]}\n" + proxy)
    web = web.replace(
        "            - {name: LOG_LEVEL, value: info}\n            - {name: DB_PASSWORD, value: hunter2hunter2}\n",
        "            - {name: DB_PASSWORD, value: hunter2hunter2}\n            - {name: LOG_LEVEL, value: info}\n",
    )
    assert web != WEB and web.index("name: web\n          image") < web.index("name: proxy")
    (repo / "app.yaml").write_text(WORKER + "---\n" + web, encoding="utf-8")
    code, findings, _ = check(run_cli, "app.yaml")
    assert code == 0 and new(findings) == [] and len(findings) == 4


def test_a_finding_added_after_the_baseline_is_new(repo, run_cli):
    record(run_cli, "app.yaml")
    cron = WORKER.replace("name: worker\n  namespace", "name: reports\n  namespace").replace("app: worker", "app: reports")
    (repo / "app.yaml").write_text(WEB + "---\n" + WORKER + "---\n" + cron, encoding="utf-8")
    code, findings, _ = check(run_cli, "app.yaml")
    assert code == 1
    assert new(findings) == [("cpu-limit-missing", "reports", "spec.template.spec.containers[0]")]
    assert sum(f["suppressed"] for f in findings) == 4


def test_a_new_container_variable_or_capability_is_new(repo, run_cli):
    record(run_cli, "app.yaml")
    web = WEB.replace("[CHOWN, SYS_ADMIN]", "[CHOWN, SYS_ADMIN, NET_ADMIN]")
    web = web.replace("            - {name: LOG_LEVEL, value: info}\n", "            - {name: API_TOKEN, value: ghp_0123456789abcdefghijklmnopqrstuvwxyzAB}\n            - {name: LOG_LEVEL, value: info}\n")
    web += "        - name: sidecar\n          image: example/sidecar:1.0.0\n"
    (repo / "app.yaml").write_text(web + "---\n" + WORKER, encoding="utf-8")
    code, findings, _ = check(run_cli, "app.yaml")
    assert code == 1
    assert sorted(new(findings)) == [
        ("cpu-limit-missing", "web", "spec.template.spec.containers[2]"),
        ("dangerous-capability-added", "web", "spec.template.spec.containers[1].securityContext.capabilities.add[2]"),
        ("secret-in-env", "web", "spec.template.spec.containers[1].env[0].value"),
    ]


def test_a_second_identical_finding_is_new(repo, run_cli):
    """The baseline counts findings per fingerprint: a duplicated document adds one."""
    record(run_cli, "app.yaml")
    (repo / "app.yaml").write_text(WEB + "---\n" + WORKER + "---\n" + WORKER, encoding="utf-8")
    code, findings, _ = check(run_cli, "app.yaml")
    assert code == 1
    assert new(findings) == [("cpu-limit-missing", "worker", "spec.template.spec.containers[0]")]


def test_renaming_the_object_or_the_file_makes_findings_new(repo, run_cli):
    record(run_cli, "app.yaml")
    (repo / "app.yaml").write_text(WEB + "---\n" + WORKER.replace("name: worker\n  namespace", "name: worker2\n  namespace"), encoding="utf-8")
    code, findings, _ = check(run_cli, "app.yaml")
    assert code == 1 and [n[1] for n in new(findings)] == ["worker2"]
    (repo / "app.yaml").rename(repo / "moved.yaml")
    code, findings, err = check(run_cli, "moved.yaml")
    assert code == 1 and len(new(findings)) == 4
    assert "4 findings of .kubevet-baseline.json no longer occur" in err


def test_paths_are_normalised(repo, run_cli):
    """./app.yaml, app.yaml, an absolute path and a directory walk give the same fingerprints."""
    record(run_cli, "./app.yaml")
    for path in ("app.yaml", str(repo / "app.yaml"), ".", str(repo)):
        code, findings, _ = check(run_cli, path)
        assert (code, new(findings)) == (0, []), path


def test_fixed_findings_leave_a_note_and_pass(repo, run_cli):
    record(run_cli, "app.yaml")
    (repo / "app.yaml").write_text(WEB, encoding="utf-8")
    code, findings, err = check(run_cli, "app.yaml")
    assert code == 0 and len(findings) == 3
    assert err == "kubevet: note: 1 finding of .kubevet-baseline.json no longer occurs; `kubevet baseline` rewrites it\n"


def test_the_baseline_file_is_deterministic(repo, run_cli):
    record(run_cli, "app.yaml", out="one.json")
    (repo / "app.yaml").write_text("# moved\n" + WORKER + "---\n" + WEB, encoding="utf-8")
    record(run_cli, "app.yaml", out="two.json")
    record(run_cli, "app.yaml", "-j", "2", out="three.json")
    one = (repo / "one.json").read_bytes()
    assert one == (repo / "two.json").read_bytes() == (repo / "three.json").read_bytes()
    assert one.endswith(b"}\n") and b"\r" not in one


def test_parallel_workers_name_list_items_too(repo, run_cli):
    (repo / "other.yaml").write_text(WORKER.replace("worker", "other"), encoding="utf-8")
    record(run_cli, "app.yaml", "other.yaml", "-j", "2")
    data = json.loads((repo / ".kubevet-baseline.json").read_text(encoding="utf-8"))
    assert {e["field"] for e in data["findings"] if e["rule"] == "cpu-limit-missing"} == {
        "spec.template.spec.containers[name=web]",
        "spec.template.spec.containers[name=worker]",
        "spec.template.spec.containers[name=other]",
    }


def test_sarif_and_text_show_baselined_findings_as_suppressed(repo, run_cli):
    record(run_cli, "app.yaml")
    r = run_cli("scan", "--select", RULES, "app.yaml", "--baseline", ".kubevet-baseline.json", "-f", "sarif", "-o", "out.sarif", "-f", "text")
    assert r.code == 0
    assert "4 suppressed findings not shown" in r.out
    results = json.loads((repo / "out.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]
    assert [res["suppressions"] for res in results] == [[{"kind": "external", "justification": "baseline"}]] * 4


def test_the_baseline_leaves_annotation_suppressions_alone(repo, run_cli):
    text = WEB.replace("  namespace: shop\n", "  namespace: shop\n  annotations: {kubevet.io/ignore: cpu-limit-missing, kubevet.io/ignore-reason: test}\n", 1)
    (repo / "app.yaml").write_text(text + "---\n" + WORKER, encoding="utf-8")
    assert record(run_cli, "app.yaml").out == "wrote .kubevet-baseline.json: 3 findings\n"
    code, findings, _ = check(run_cli, "app.yaml")
    assert code == 0
    kinds = sorted(f["suppression"]["kind"] for f in findings)
    assert kinds == ["external", "external", "external", "inSource"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "--baseline: no such file: .kubevet-baseline.json (create it with `kubevet baseline PATH... -o .kubevet-baseline.json`)"),
        ("not json", ".kubevet-baseline.json is not a kubevet baseline: invalid JSON"),
        ("[]", "is not a kubevet baseline: expected a JSON object"),
        ('{"findings": []}', 'is not a kubevet baseline: no "version"'),
        ('{"version": 2, "findings": []}', "version 2 is not supported (this kubevet reads version 1)"),
        ('{"version": 1}', '"findings" must be a list'),
        ('{"version": 1, "findings": [{"count": 1}]}', "findings[0] has no fingerprint"),
        ('{"version": 1, "findings": [{"fingerprint": "x", "count": 0}]}', "findings[0].count must be a positive integer"),
    ],
)
def test_a_missing_or_malformed_baseline_is_an_error(repo, run_cli, content, message):
    if content is not None:
        (repo / ".kubevet-baseline.json").write_text(content, encoding="utf-8")
    r = run_cli("scan", "--select", RULES, "app.yaml", "--baseline", ".kubevet-baseline.json")
    assert r.code == 2 and r.out == ""
    assert r.err.startswith("kubevet: error: ") and message in r.err


def test_no_baseline_is_written_when_input_is_broken(repo, run_cli):
    (repo / "broken.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n", encoding="utf-8")
    r = record(run_cli, "app.yaml", "broken.yaml")
    assert r.code == 2
    assert "baseline .kubevet-baseline.json not written" in r.err
    assert not (repo / ".kubevet-baseline.json").exists()


def test_baseline_takes_scan_options_but_no_report(repo, run_cli):
    r = run_cli("baseline", "--select", "secret-in-env", "app.yaml")
    assert (r.code, r.out) == (0, "wrote .kubevet-baseline.json: 1 finding\n")
    r = run_cli("baseline", "app.yaml", "-f", "json")
    assert r.code == 2 and "kubevet baseline writes no report" in r.err
    from kubevet.cli import build_parser

    commands = next(a for a in build_parser()._actions if a.dest == "command").choices
    flags = {name: {o for a in commands[name]._actions for o in a.option_strings} for name in ("scan", "baseline")}
    assert flags["scan"] - flags["baseline"] == {"--baseline"}  # every other scan option is shared
    assert {"--values", "--select", "--context", "-o"} <= flags["baseline"]


def test_allow_no_objects(repo, run_cli):
    (repo / "notes.yaml").write_text("just: data\n", encoding="utf-8")
    assert run_cli("scan", "notes.yaml").code == 2
    r = run_cli("scan", "notes.yaml", "--allow-no-objects")
    assert r.code == 0 and r.err == ""


# --- fingerprints without the CLI --------------------------------------------------------


def test_named_path():
    pod = {
        "spec": {
            "containers": [
                {"name": "a", "volumeMounts": [{"name": "data", "mountPath": "/x"}, {"name": "data", "mountPath": "/y"}],
                 "ports": [{"containerPort": 80}, {"name": "metrics", "containerPort": 9090}]},
                {"name": "a"},
                {"image": "no-name"},
            ],
            "tolerations": [{"key": "k"}],
        }
    }
    assert named_path(pod, ("spec", "containers", 0, "volumeMounts", 1, "name")) == (
        "spec.containers[name=a].volumeMounts[mountPath=/y].name"
    )
    assert named_path(pod, ("spec", "containers", 1)) == "spec.containers[name=a#2]"
    assert named_path(pod, ("spec", "containers", 2, "image")) == "spec.containers[2].image"
    assert named_path(pod, ("spec", "containers", 0, "ports", 0)) == "spec.containers[name=a].ports[containerPort=80]"
    assert named_path(pod, ("spec", "containers", 0, "ports", 1)) == "spec.containers[name=a].ports[name=metrics]"
    assert named_path(pod, ("spec", "tolerations", 0)) == "spec.tolerations[0]"
    assert named_path(pod, ("spec", "containers", 7, "x")) == "spec.containers[7].x"
    assert named_path({"a": ["x" * 100]}, ("a", 0)).startswith("a[=~")
    assert named_path(pod, ()) == ""


def test_fingerprints_ignore_lines_and_messages():
    from kubevet.findings import Finding, ObjectRef

    ref = ObjectRef("apps/v1", "Deployment", "shop", "web")
    a = Finding("it runs 2 replicas", ("spec", "replicas"), rule="pdb-missing", file="./k8s/app.yaml", line=7, obj=ref)
    b = Finding("it runs 3 replicas", ("spec", "replicas"), rule="pdb-missing", file="k8s/app.yaml", line=70, obj=ref)
    assert baseline.identity(a).fingerprint == baseline.identity(b).fingerprint
    v1beta1 = Finding("x", ("spec", "replicas"), rule="pdb-missing", file="k8s/app.yaml", obj=ObjectRef("apps/v1beta1", "Deployment", "shop", "web"))
    assert baseline.identity(v1beta1).fingerprint == baseline.identity(a).fingerprint  # the group, not the version
    for changed in (
        Finding("x", ("spec", "replicas"), rule="replicas-too-few", file="k8s/app.yaml", obj=ref),
        Finding("x", ("spec", "replicas"), rule="pdb-missing", file="k8s/other.yaml", obj=ref),
        Finding("x", ("spec", "replicas"), rule="pdb-missing", file="k8s/app.yaml", obj=ObjectRef("apps/v1", "StatefulSet", "shop", "web")),
        Finding("x", ("spec", "replicas"), rule="pdb-missing", file="k8s/app.yaml", obj=ObjectRef("apps/v1", "Deployment", "prod", "web")),
        Finding("x", ("spec",), rule="pdb-missing", file="k8s/app.yaml", obj=ref),
    ):
        assert baseline.identity(changed).fingerprint != baseline.identity(a).fingerprint


def test_the_engine_names_list_items_in_the_paths_it_places():
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - {name: sidecar, image: a:1, resources: {requests: {cpu: 1m, memory: 1Mi}, limits: {cpu: 1m, memory: 1Mi}}}\n"
        "    - {name: web, image: b:1}\n"
    )
    (f,) = Engine(Config(select=["memory-limit-missing"])).scan([Source(None, "t", text.encode())]).findings
    assert f.named_path == "spec.containers[name=web]"


def test_a_helm_chart_baseline_survives_edits_of_its_templates(tmp_path, monkeypatch, run_cli):
    """Findings on a rendered chart are fingerprinted with the template file they come from."""
    pytest.importorskip("helm_python")
    import shutil

    from conftest import ROOT

    shutil.copytree(ROOT / "tests" / "render" / "charts" / "app", tmp_path / "chart")
    monkeypatch.chdir(tmp_path)
    select = ["--select", "cpu-limit-missing,cpu-request-missing"]
    assert run_cli("baseline", *select, "chart").code == 0
    data = json.loads((tmp_path / ".kubevet-baseline.json").read_text(encoding="utf-8"))
    assert {e["file"] for e in data["findings"]} >= {"chart/templates/deployment.yaml"}
    template = tmp_path / "chart" / "templates" / "deployment.yaml"
    template.write_text("{{/* a comment that moves every line */}}\n\n" + template.read_text(encoding="utf-8"), encoding="utf-8")
    r = run_cli("scan", *select, "--fail-on", "info", "chart", "--baseline", ".kubevet-baseline.json")
    assert r.code == 0, r
    sidecar = "        - name: sidecar\n          image: example/sidecar:1.0.0\n"
    template.write_text(template.read_text(encoding="utf-8").replace("      containers:\n", "      containers:\n" + sidecar), encoding="utf-8")
    r = run_cli("scan", *select, "--fail-on", "info", "chart", "--baseline", ".kubevet-baseline.json", "-f", "json")
    assert r.code == 1
    fresh = [f for f in json.loads(r.out)["findings"] if not f["suppressed"]]
    # the sidecar's two findings, of one cause, are joined into one (kubevet.groups)
    assert [(f["rule"], f["file"]) for f in fresh] == [("resources-unset", "chart/templates/deployment.yaml")]
    assert sorted((m["rule"], m["file"]) for m in fresh[0]["members"]) == [
        ("cpu-limit-missing", "chart/templates/deployment.yaml"), ("cpu-request-missing", "chart/templates/deployment.yaml")]


def test_the_baseline_command_leaves_scans_options_alone(repo, run_cli):
    """baseline replaces -o and -f in a copy of scan's options, never in scan's own."""
    (repo / "other.yaml").write_text(WORKER.replace("worker", "other"), encoding="utf-8")
    r = run_cli("scan", "--select", RULES, "app.yaml", "other.yaml", "-f", "json", "-o", "out.json", "-f", "text")
    assert r.code == 1 and r.out.startswith("app.yaml\n")
    assert len(json.loads((repo / "out.json").read_text(encoding="utf-8"))["findings"]) == 5
