"""The Helm path with the shared real charts (tests/data/charts) at two values sets each:
what a values change does, judged on the renders and placed in the templates."""

import os

import diffkit

kubevet, diff_json = diffkit.kubevet, diffkit.diff_json  # fixtures

CHARTS = os.path.join(os.path.dirname(__file__), "..", "data", "charts")


def test_cert_manager_dropping_its_crds_is_data_loss_unless_helm_keeps_them(diff_json):
    chart = os.path.join(CHARTS, "cert-manager")
    code, report = diff_json(chart, chart, "--old-set", "crds.enabled=true,crds.keep=false", "--namespace", "ops",
                             "--no-findings")
    removed = sorted(r["object"] for r in report["risks"] if r["check"] == "data-removed")
    assert code == 1 and report["summary"]["removed"] == 3 and len(removed) == 3
    assert all(o.startswith("CustomResourceDefinition.apiextensions.k8s.io ") for o in removed)
    assert all(r["file"].startswith(os.path.join(chart, "templates", "crd-")) and r["side"] == "old"
               for r in report["risks"] if r["check"] == "data-removed")
    # the chart's default crds.keep=true annotates them helm.sh/resource-policy: keep: Helm leaves them
    code, report = diff_json(chart, chart, "--old-set", "crds.enabled=true", "--namespace", "ops", "--no-findings")
    assert code == 0 and report["summary"]["removed"] == 3 and report["risks"] == []


def test_metrics_server_on_the_host_network(diff_json):
    chart = os.path.join(CHARTS, "metrics-server")
    code, report = diff_json(chart, chart, "--new-set", "hostNetwork.enabled=true", "--namespace", "kube-system")
    [host] = [r for r in report["risks"] if r["check"] == "host-access-added"]
    assert code == 1 and "hostNetwork: true" in host["message"]
    assert (host["file"], host["line"]) == (os.path.join(chart, "templates", "deployment.yaml"), 57)  # the template line
    restart = [r for r in report["risks"] if r["check"] == "rollout-restart"]
    assert len(restart) == 1 and "metrics-server" in restart[0]["object"]
    # the finding the change introduces, at the same template line; nothing else is new
    assert [(f["rule"], f["line"]) for f in report["findings"] if f["new"]] == [("host-network", 57)]


def test_a_chart_at_another_git_revision(diff_json, tmp_path, monkeypatch):
    """--old-ref on a chart: OLD is the chart as committed (its values.yaml included),
    rendered from git without touching the work tree."""
    import shutil
    import subprocess

    repo = tmp_path / "repo"
    shutil.copytree(os.path.join(CHARTS, "podinfo"), repo / "chart")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "podinfo"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)
    values = repo / "chart" / "values.yaml"
    edited = values.read_text().replace("\nreplicaCount: 1\n", "\nreplicaCount: 3\n", 1)
    edited = edited.replace("resources:\n  limits:\n", "resources:\n  limits:\n    memory: 256Mi\n", 1)
    assert edited != values.read_text()
    values.write_text(edited)  # uncommitted
    monkeypatch.chdir(repo)
    code, report = diff_json("chart", "--old-ref", "main", "--no-findings")
    assert code == 0 and report["old"] == "chart at main"
    [changed] = report["objects"]
    paths = {c["path"]: (c.get("old"), c.get("new")) for c in changed["changes"]}
    assert paths["spec.replicas"] == (1, 3)
    assert paths["spec.template.spec.containers[name=podinfo].resources.limits"] == (None, {"memory": "256Mi"})
    assert values.read_text() == edited
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout
    assert status.split() == ["M", "chart/values.yaml"]
