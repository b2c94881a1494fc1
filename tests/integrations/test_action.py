"""The GitHub Action (action.yml and scripts/action/): its structure, and its steps run here.

GitHub's runner cannot run here, so ``run_action`` plays its part for this composite
action: it evaluates the few expressions action.yml uses (``inputs.X``,
``steps.ID.outputs.X``, ``github.action_path``, ``==``/``!=`` against a literal, ``&&``),
runs each ``run`` step as the runner does (``bash --noprofile --norc -eo pipefail`` with
GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_PATH, GITHUB_STEP_SUMMARY, RUNNER_TEMP and
GITHUB_ACTION_PATH set), reads the step outputs back from GITHUB_OUTPUT, and records
``uses`` steps (the SARIF upload) instead of running them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
ACTION_TEXT = (ROOT / "action.yml").read_text(encoding="utf-8")
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
KUBEVET = shutil.which("kubevet", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))

BAD = """\
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec:
  containers:
    - name: shell
      image: busybox:1.36
      securityContext: {privileged: true}
"""
GOOD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {a: b}\n"


# --- structure ---------------------------------------------------------------------------


def test_required_keys():
    assert ACTION["name"] == "kubevet" and ACTION["description"]
    assert ACTION["runs"]["using"] == "composite"
    for name, spec in ACTION["inputs"].items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name), name
        assert spec["description"] and "required" in spec and isinstance(spec.get("default"), str), name
    for name, spec in ACTION["outputs"].items():
        assert spec["description"] and EXPR.fullmatch(spec["value"]), name
    ids = [s["id"] for s in ACTION["runs"]["steps"] if "id" in s]
    assert len(ids) == len(set(ids))
    for step in ACTION["runs"]["steps"]:
        assert step.get("name")
        assert ("run" in step) != ("uses" in step), step["name"]
        if "run" in step:
            assert step["shell"] == "bash", step["name"]  # composite run steps must name a shell
        else:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", step["uses"]), step["uses"]


def test_every_input_used_exists_and_every_input_is_used():
    used = set(re.findall(r"\binputs\.([A-Za-z0-9_-]+)", " ".join(EXPR.findall(ACTION_TEXT))))
    assert used == set(ACTION["inputs"])


def test_step_outputs_are_written_by_the_steps_before_them():
    steps = ACTION["runs"]["steps"]
    written: dict[str, set[str]] = {}
    for step in steps:
        text = json.dumps(step)
        for sid, name in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text):
            assert name in written.get(sid, set()), f"{step['name']} reads {sid}.{name}, which no earlier step writes"
        if "id" in step and "run" in step:
            written[step["id"]] = _outputs_written_by(step)
    for name, spec in ACTION["outputs"].items():
        sid, out = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", spec["value"]).groups()
        assert out in written[sid], name


def _outputs_written_by(step) -> set[str]:
    scripts = [ROOT / s for s in re.findall(r'\$GITHUB_ACTION_PATH/(\S+?)"', step["run"])]
    text = step["run"] + "".join(p.read_text(encoding="utf-8") for p in scripts)
    return set(re.findall(r'echo "([\w-]+)=', text))


def test_the_scripts_exist_are_executable_and_pass_shellcheck():
    scripts = sorted({s for step in ACTION["runs"]["steps"] for s in re.findall(r'\$GITHUB_ACTION_PATH/(\S+?)"', step.get("run", ""))})
    assert scripts == ["scripts/action/install.sh", "scripts/action/scan.sh"]
    for script in scripts:
        path = ROOT / script
        assert path.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")
        assert os.access(path, os.X_OK), script
        subprocess.run(["bash", "-n", str(path)], check=True)
    # .ci/run installs shellcheck (Debian's package) when it is missing
    assert shutil.which("shellcheck"), "shellcheck is not installed: apt-get install shellcheck"
    r = subprocess.run(["shellcheck", *[str(ROOT / s) for s in scripts]], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


def test_upload_sarif_gets_the_file_and_a_category():
    (upload,) = [s for s in ACTION["runs"]["steps"] if "uses" in s]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert set(upload["with"]) == {"sarif_file", "category"}


# --- a local runner for this composite action ---------------------------------------------------


@dataclass
class Run:
    code: int  # the action's result: 0 success, else the exit code of the failing step
    log: str
    outputs: dict[str, str]
    steps: dict[str, dict[str, str]]
    uses: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    summary: str = ""


def _ref(expr: str, ctx: dict) -> str:
    parts = expr.split(".")
    node = ctx
    for part in parts:
        if not isinstance(node, dict):
            return ""
        node = node.get(part, "")
    return node if isinstance(node, str) else ""


def evaluate(expr: str, ctx: dict):
    """The expressions action.yml uses; anything else fails the test, to be added here."""
    clauses = [c.strip() for c in expr.split("&&")]
    if len(clauses) > 1:
        return all(evaluate(c, ctx) for c in clauses)
    m = re.fullmatch(r"([\w.-]+)\s*(==|!=)\s*'([^']*)'", expr)
    if m:
        value = _ref(m.group(1), ctx)
        return (value == m.group(3)) if m.group(2) == "==" else (value != m.group(3))
    if re.fullmatch(r"(inputs|steps|github)\.[\w.-]+", expr):
        return _ref(expr, ctx)
    raise AssertionError(f"expression not supported by the test runner: {expr}")


def substitute(text: str, ctx: dict) -> str:
    return EXPR.sub(lambda m: str(evaluate(m.group(1), ctx)), text)


def run_action(workspace: Path, tmp: Path, inputs: dict[str, str] | None = None, kubevet: str | None = KUBEVET) -> Run:
    """Run action.yml's steps; with ``kubevet`` given, the install step is replaced by it."""
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    unknown = set(inputs or {}) - set(values)
    assert not unknown, f"not inputs of the action: {unknown}"
    values.update(inputs or {})
    ctx: dict = {"inputs": values, "steps": {}, "github": {"action_path": str(ROOT), "workspace": str(workspace)}}
    runner_temp = tmp / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    files = {name: tmp / name for name in ("output", "path", "summary")}
    files["path"].write_text("", encoding="utf-8")
    files["summary"].write_text("", encoding="utf-8")
    log, uses = [], []
    for step in ACTION["runs"]["steps"]:
        condition = step.get("if")
        if condition is not None and not evaluate(EXPR.fullmatch(condition).group(1), ctx):
            continue
        if "uses" in step:
            uses.append((step["uses"], {k: substitute(v, ctx) for k, v in step.get("with", {}).items()}))
            continue
        if step.get("id") == "install" and kubevet is not None:
            ctx["steps"]["install"] = {"outputs": {"kubevet": kubevet}}
            continue
        files["output"].write_text("", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "KUBEVET", "RUNNER_"))}
        env.update({k: substitute(str(v), ctx) for k, v in step.get("env", {}).items()})
        env.update(
            GITHUB_ACTION_PATH=str(ROOT),
            GITHUB_WORKSPACE=str(workspace),
            GITHUB_OUTPUT=str(files["output"]),
            GITHUB_PATH=str(files["path"]),
            GITHUB_STEP_SUMMARY=str(files["summary"]),
            RUNNER_TEMP=str(runner_temp),
            NO_COLOR="1",
        )
        script = tmp / "step.sh"
        script.write_text(substitute(step["run"], ctx), encoding="utf-8")
        r = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace, env=env, capture_output=True, text=True, timeout=600,
        )
        log.append(r.stdout + r.stderr)
        outputs = {}
        for line in files["output"].read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            assert sep and "<<" not in key, line
            outputs[key] = value
        if "id" in step:
            ctx["steps"][step["id"]] = {"outputs": outputs}
        if r.returncode != 0:
            code = r.returncode  # the steps after a failed one do not run
            break
    else:
        code = 0
    action_outputs = {name: substitute(spec["value"], ctx) for name, spec in ACTION["outputs"].items()}
    return Run(code, "".join(log), action_outputs, ctx["steps"], uses, _lines(files["path"]), files["summary"].read_text(encoding="utf-8"))


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def workspace(tmp_path):
    ws = tmp_path / "workspace"
    (ws / "k8s").mkdir(parents=True)
    (ws / "k8s" / "bad.yaml").write_text(BAD, encoding="utf-8")
    (ws / "k8s" / "good.yaml").write_text(GOOD, encoding="utf-8")
    (ws / ".kubevet.yaml").write_text("select: [privileged-container, INP]\n", encoding="utf-8")
    return ws


needs_kubevet = pytest.mark.skipif(KUBEVET is None, reason="the kubevet executable is not installed")


@needs_kubevet
def test_findings_fail_the_action_after_the_sarif_upload(workspace, tmp_path):
    run = run_action(workspace, tmp_path, {"paths": "k8s"})
    assert run.code == 1, run.log
    assert run.outputs == {"exit-code": "1", "sarif-file": "kubevet.sarif"}
    assert run.uses == [("github/codeql-action/upload-sarif@v4", {"sarif_file": "kubevet.sarif", "category": "kubevet"})]
    assert "::error file=k8s/bad.yaml,line=8," in run.log and "title=SEC001 privileged-container::" in run.log
    assert "1 finding (1 error, 0 warnings, 0 info)" in run.log
    sarif = json.loads((workspace / "kubevet.sarif").read_text(encoding="utf-8"))
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "k8s/bad.yaml", "uriBaseId": "%SRCROOT%"}
    assert run.summary == "**kubevet** (exit code 1): 1 finding (1 error, 0 warnings, 0 info); 2 objects in 2 files\n"


@needs_kubevet
def test_a_clean_scan_passes(workspace, tmp_path):
    run = run_action(workspace, tmp_path, {"paths": "k8s/good.yaml\n", "upload-sarif": "false", "annotations": "false"})
    assert run.code == 0, run.log
    assert run.outputs["exit-code"] == "0" and run.uses == []
    assert "::" not in run.log


@needs_kubevet
def test_inputs_reach_kubevet(workspace, tmp_path):
    (workspace / "other.kubevet.yaml").write_text("select: [image-digest-missing]\nfail-on: info\n", encoding="utf-8")
    run = run_action(
        workspace, tmp_path,
        {
            "paths": "k8s/bad.yaml\n  k8s/good.yaml",
            "config": "other.kubevet.yaml",
            "args": "--severity 'image-digest-missing=warning' --exclude \"good*\"",
            "fail-on": "warning",
            "sarif-file": "reports/kubevet.sarif",
            "sarif-category": "manifests",
        },
    )
    assert run.code == 1, run.log
    assert "kubevet scan k8s/bad.yaml k8s/good.yaml --fail-on warning --config other.kubevet.yaml --severity image-digest-missing=warning --exclude good* -f github -f text -f sarif -o reports/kubevet.sarif" in run.log
    assert "::warning file=k8s/bad.yaml" in run.log and "privileged" not in run.log
    assert run.uses[0][1] == {"sarif_file": "reports/kubevet.sarif", "category": "manifests"}


@needs_kubevet
def test_extra_arguments_are_never_expanded(workspace, tmp_path):
    run = run_action(workspace, tmp_path, {"paths": "k8s", "args": "--exclude '$(touch pwned)' --exclude '`touch pwned2`' --exclude ${HOME}"})
    assert not (workspace / "pwned").exists() and not (workspace / "pwned2").exists()
    assert run.outputs["exit-code"] == "1", run.log
    assert "--exclude $(touch pwned) --exclude `touch pwned2` --exclude ${HOME} -f github" in run.log


@needs_kubevet
def test_a_baseline_accepts_known_findings(workspace, tmp_path):
    subprocess.run([KUBEVET, "baseline", "k8s"], cwd=workspace, check=True, capture_output=True)
    run = run_action(workspace, tmp_path, {"paths": "k8s", "baseline": ".kubevet-baseline.json"})
    assert run.code == 0 and run.outputs["exit-code"] == "0", run.log
    assert "::error" not in run.log
    sarif = json.loads((workspace / "kubevet.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"][0]["suppressions"] == [{"kind": "external", "justification": "baseline"}]


@needs_kubevet
def test_an_input_error_fails_with_2_and_a_usage_error_uploads_nothing(workspace, tmp_path):
    run = run_action(workspace, tmp_path, {"paths": "k8s missing.yaml"})
    assert run.code == 2 and run.outputs["exit-code"] == "2"
    assert run.uses  # the SARIF of what was read is still uploaded
    run = run_action(workspace, tmp_path, {"paths": "k8s", "fail-on": "nonsense"})
    assert run.code == 2 and run.outputs == {"exit-code": "2", "sarif-file": ""}
    assert run.uses == []  # no SARIF was written, so nothing is uploaded
    assert not (workspace / "kubevet.sarif").exists()


def test_the_install_step_installs_this_checkout(workspace, tmp_path):
    """The real install step: a virtualenv, pip install of the action's own checkout
    (its dependencies come from PyPI or pip's cache), kubevet on GITHUB_PATH."""
    run = run_action(workspace, tmp_path, {"paths": "k8s", "upload-sarif": "false", "python": sys.executable}, kubevet=None)
    assert run.code == 1, run.log
    kubevet = run.steps["install"]["outputs"]["kubevet"]
    assert kubevet.startswith(str(tmp_path / "runner-temp" / "kubevet-action-venv"))
    assert run.path == [str(Path(kubevet).parent)]
    from kubevet import __version__

    assert f"kubevet {__version__}" in run.log
    assert "privileged-container" in run.log


def test_the_install_step_reports_a_missing_python(workspace, tmp_path):
    run = run_action(workspace, tmp_path, {"python": "no-such-python3"}, kubevet=None)
    assert run.code == 2
    assert "::error title=kubevet::no Python interpreter 'no-such-python3'" in run.log
