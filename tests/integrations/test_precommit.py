"""The pre-commit hooks, run by the real pre-commit tool on a sample repository.

pre-commit installs a hook from a git repository at a commit. The hooks under test are
this checkout's: its ``.pre-commit-hooks.yaml``, ``pyproject.toml``, ``README.md`` and
``src/`` (as they are in the working tree) are copied into a temporary git repository and
committed there, so the test works the same in a fresh clone (CI) and in a working tree
with uncommitted changes. pre-commit then builds the hook's virtualenv with pip, which
fetches kubevet's dependencies from PyPI (or pip's cache).

Cost: building the hook environments takes most of the time (measured in the test
report); they are built once per test module, in a PRE_COMMIT_HOME of its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

pytest.importorskip("pre_commit")
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")

BAD = """\
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  containers:
    - name: shell
      image: busybox:1.36
      securityContext:
        privileged: true
"""
GOOD = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  LOG_LEVEL: info
"""
NOT_KUBERNETES = "stages: [test]\ntest:\n  script: !reference [.setup, script]\n"
CHART = {
    "Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "values.yaml": "privileged: false\n",
    "templates/pod.yaml": """\
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-debug
  namespace: shop
spec:
  containers:
    - name: shell
      image: busybox:1.36
      securityContext:
        privileged: {{ .Values.privileged }}
""",
}


def git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = dict(os.environ)
    env.update(
        PRE_COMMIT_HOME=str(home),
        PRE_COMMIT_COLOR="never",
        GIT_AUTHOR_NAME="kubevet tests",
        GIT_AUTHOR_EMAIL="tests@kubevet.invalid",
        GIT_COMMITTER_NAME="kubevet tests",
        GIT_COMMITTER_EMAIL="tests@kubevet.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        NO_COLOR="1",
    )
    env.pop("GIT_DIR", None)
    env.pop("GIT_INDEX_FILE", None)
    return env


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env) -> Path:
    """This checkout's hooks and package, committed in a repository of their own."""
    repo = tmp_path_factory.mktemp("kubevet-hooks")
    for name in (".pre-commit-hooks.yaml", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, repo / name)
    shutil.copytree(
        ROOT / "src", repo / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    )
    git("init", "-q", "-b", "main", cwd=repo, env=env)
    git("add", "-A", cwd=repo, env=env)
    git("commit", "-q", "-m", "hooks under test", cwd=repo, env=env)
    return repo


@pytest.fixture
def sample(tmp_path, env, hook_repo) -> Path:
    """A user's repository: a bad manifest, a good one, a CI file, a Helm chart, a
    .kubevet.yaml (so that what passes does not depend on every rule kubevet has) and a
    .pre-commit-config.yaml that uses both hooks from ``hook_repo``."""
    repo = tmp_path / "sample"
    (repo / "k8s").mkdir(parents=True)
    (repo / "k8s" / "bad.yaml").write_text(BAD, encoding="utf-8")
    (repo / "k8s" / "good.yaml").write_text(GOOD, encoding="utf-8")
    (repo / ".gitlab-ci.yml").write_text(NOT_KUBERNETES, encoding="utf-8")
    (repo / ".kubevet.yaml").write_text("select: [privileged-container, INP]\n", encoding="utf-8")
    for name, text in CHART.items():
        path = repo / "charts" / "web" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    rev = git("rev-parse", "HEAD", cwd=hook_repo, env=env).strip()
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo.as_uri()}\n    rev: {rev}\n    hooks:\n      - id: kubevet\n      - id: kubevet-helm\n",
        encoding="utf-8",
    )
    git("init", "-q", "-b", "main", cwd=repo, env=env)
    git("add", "-A", cwd=repo, env=env)
    git("commit", "-q", "-m", "manifests", cwd=repo, env=env)
    return repo


def run(sample: Path, env: dict[str, str], hook: str, *files: str):
    """``pre-commit run HOOK --files ...`` (all files when none are given) in ``sample``."""
    cmd = [sys.executable, "-m", "pre_commit", "run", hook, "--verbose"]
    cmd += ["--files", *files] if files else ["--all-files"]
    return subprocess.run(cmd, cwd=sample, env=env, capture_output=True, text=True, timeout=900)


def test_the_manifest_is_valid(env):
    r = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        env=env, capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_kubevet_hook_fails_on_a_bad_manifest_and_passes_on_a_good_one(sample, env):
    bad = run(sample, env, "kubevet", "k8s/bad.yaml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "privileged-container" in bad.stdout and "k8s/bad.yaml" in bad.stdout
    good = run(sample, env, "kubevet", "k8s/good.yaml")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout


def test_try_repo_runs_the_hook_too(hook_repo, sample, env):
    """`pre-commit try-repo`, as docs/integrations.md suggests for a first try."""
    cmd = [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "kubevet", "--ref", "HEAD", "--files"]
    bad = subprocess.run([*cmd, "k8s/bad.yaml"], cwd=sample, env=env, capture_output=True, text=True, timeout=900)
    assert bad.returncode == 1 and "privileged-container" in bad.stdout, bad.stdout + bad.stderr


def test_the_kubevet_hook_passes_a_commit_without_kubernetes_objects(sample, env):
    """A CI file is YAML too: it is skipped, and a commit of only such files passes."""
    r = run(sample, env, "kubevet", ".gitlab-ci.yml")
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_kubevet_hook_leaves_helm_charts_to_the_helm_hook(sample, env):
    """All files: the bad manifest fails; the chart's template (not YAML) is not read."""
    r = run(sample, env, "kubevet")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "k8s/bad.yaml" in r.stdout and "templates/pod.yaml" not in r.stdout
    assert "yaml-syntax" not in r.stdout


def test_the_helm_hook_renders_the_chart(sample, env):
    r = run(sample, env, "kubevet-helm", "charts/web/values.yaml")
    assert r.returncode == 0, r.stdout + r.stderr
    (sample / "charts" / "web" / "values.yaml").write_text("privileged: true\n", encoding="utf-8")
    git("commit", "-q", "-am", "privileged", cwd=sample, env=env)
    r = run(sample, env, "kubevet-helm", "charts/web/values.yaml")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "privileged-container" in r.stdout and "charts/web/templates/pod.yaml" in r.stdout
    # a change that touches no chart file does not run it
    r = run(sample, env, "kubevet-helm", "k8s/good.yaml")
    assert r.returncode == 0 and "no files to check" in r.stdout.lower(), r.stdout
