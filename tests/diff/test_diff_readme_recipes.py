"""The README's two release-gate recipes, run as written (the commands are read from the
README): the pull-request job in a git repository with an origin/main, and the pre-upgrade
step with the real podinfo chart, where the deployed release's manifest (what `helm get
manifest` prints) is the chart rendered at its default values."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import diffkit

kubevet, write = diffkit.kubevet, diffkit.write  # fixtures

ROOT = Path(__file__).resolve().parents[2]
SECTION = (ROOT / "README.md").read_text().split("### Release gate", 1)[1].split("\n## ", 1)[0]
CHART = ROOT / "tests" / "data" / "charts" / "podinfo"
DEPLOY = (Path(diffkit.PAIRS) / "rollout-restart" / "old.yaml").read_text()


def _command(prefix: str, substitute: dict | None = None) -> list[str]:
    """The README's command line that starts with ``prefix`` (continuations joined)."""
    text = SECTION.replace("\\\n", " ")
    for old, new in (substitute or {}).items():
        text = text.replace(old, new)
    [line] = [line.strip() for line in text.splitlines() if line.strip().startswith(prefix)]
    return shlex.split(line.split(" #", 1)[0])


def test_the_pull_request_recipe(kubevet, write, tmp_path, monkeypatch):
    assert "kubevet diff --old-ref origin/${{ github.base_ref }} " in SECTION
    # ${{ github.base_ref }} of a pull request into main
    argv = _command("- run: kubevet diff", {"${{ github.base_ref }}": "main"})[2:]  # after "- run:"
    assert argv[:4] == ["kubevet", "diff", "--old-ref", "origin/main"]
    repo = tmp_path / "repo"
    write(repo / "k8s" / "web.yaml", DEPLOY)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "base"],
                 ["update-ref", "refs/remotes/origin/main", "HEAD"], ["checkout", "-qb", "feature"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)
    # the pull request: a privileged sidecar
    (repo / "k8s" / "web.yaml").write_text(DEPLOY.replace("      containers:\n", (
        "      containers:\n        - name: debug\n          image: busybox:1.36\n"
        "          securityContext: {privileged: true}\n"), 1))
    monkeypatch.chdir(repo)
    code, out, err = kubevet(*argv[1:])
    assert code == 1, err
    assert out.startswith("kubevet diff: k8s/ at origin/main -> k8s/")
    md = (repo / "diff.md").read_text()
    assert "<details>" in md and "privileged" in md
    sarif = json.loads((repo / "diff.sarif").read_text())
    assert "SEC001" in {r["ruleId"] for r in sarif["runs"][0]["results"]}  # privileged-container, new in the PR


def test_the_pre_upgrade_recipe(kubevet, write, tmp_path, monkeypatch):
    from kubevet import api
    from kubevet.loading.rendered import HelmOptions

    argv = _command("kubevet gate deployed.yaml")
    assert argv[:4] == ["kubevet", "gate", "deployed.yaml", "charts/web"]
    dash = argv.index("--")
    assert argv[dash + 1 : dash + 3] == ["helm", "upgrade"]
    # what `helm get manifest web -n shop` prints for the release installed from the chart
    # with a memory limit (`helm install web podinfo -n shop --set resources.limits.memory=512Mi`)
    inputs = api.discover([str(CHART)], helm=HelmOptions(release_name="web", namespace="shop",
                                                         set=["resources.limits.memory=512Mi"]))
    assert inputs.sources and not inputs.problems
    write(tmp_path / "deployed.yaml", "\n---\n".join(s.data.decode() for s in inputs.sources))
    (tmp_path / "charts").mkdir()
    os.symlink(CHART, tmp_path / "charts" / "web")
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "upgraded"
    upgrade = [sys.executable, "-c", f"import sys; open({str(marker)!r}, 'w').write(' '.join(sys.argv[1:]))",
               *argv[dash + 3 :]]  # "helm upgrade" stands in as a script that records its arguments
    # values-prod.yaml that keeps the limit and scales up: the gate passes and the upgrade runs
    write(tmp_path / "values-prod.yaml", "replicaCount: 3\nresources:\n  limits:\n    memory: 512Mi\n")
    code, out, err = kubevet(*argv[1:dash], "--no-findings", "--", *upgrade)
    assert code == 0, (out, err)
    assert marker.read_text() == "web charts/web -n shop -f values-prod.yaml"
    assert "Deployment.apps shop/web-podinfo" in out
    marker.unlink()
    # values-prod.yaml that forgets the limit: blocked, the upgrade never runs
    write(tmp_path / "values-prod.yaml", "replicaCount: 3\n")
    code, out, _ = kubevet(*argv[1:dash], "--no-findings", "--", *upgrade)
    assert code == 1 and not marker.exists()
    assert "resources-removed" in out
