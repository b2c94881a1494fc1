"""The kubectl plugin: `kubectl vet ARGS` runs the `kubectl-vet` executable with ARGS."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from kubevet.cli import kubectl_main, run_kubectl

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n    - {name: app, image: example/app:1.0.0}\n"


def test_the_console_script_is_declared():
    (ep,) = [ep for ep in entry_points(group="console_scripts") if ep.name == "kubectl-vet"]
    assert ep.value == "kubevet.cli:run_kubectl"
    assert ep.load() is run_kubectl


def test_the_plugin_behaves_as_kubevet(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(POD, encoding="utf-8")
    assert kubectl_main(["scan", "--select", "cpu-limit-missing", "--severity", "cpu-limit-missing=error", "pod.yaml"]) == 1
    assert "pod.yaml\n  6:7       error   cpu-limit-missing" in capsys.readouterr().out
    assert kubectl_main(["scan", "--select", "cpu-limit-missing", "--exit-zero", "pod.yaml", "-f", "json"]) == 0
    assert '"rule": "cpu-limit-missing"' in capsys.readouterr().out
    assert kubectl_main(["explain", "RES004"]) == 0
    assert capsys.readouterr().out.startswith("# cpu-limit-missing (RES004)")


def test_usage_names_kubectl_vet(capsys):
    with pytest.raises(SystemExit) as exc:
        kubectl_main(["--help"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("usage: kubectl vet [-h]")
    assert kubectl_main(["scan"]) == 2
    assert "usage: kubectl vet scan" in capsys.readouterr().err


def _installed_plugin() -> str | None:
    """The kubectl-vet executable installed beside this Python (pip install puts it there)."""
    for directory in (Path(sys.executable).parent, Path(sys.prefix) / "bin"):
        candidate = directory / ("kubectl-vet.exe" if os.name == "nt" else "kubectl-vet")
        if candidate.exists():
            return str(candidate)
    return shutil.which("kubectl-vet")


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl")
def test_kubectl_finds_and_runs_the_plugin(tmp_path):
    plugin = _installed_plugin()
    if plugin is None:
        pytest.skip("kubectl-vet is not installed (pip install . installs it)")
    (tmp_path / "pod.yaml").write_text(POD, encoding="utf-8")
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(plugin).parent), os.environ.get("PATH", "")]), KUBECONFIG=str(tmp_path / "none"))
    listed = subprocess.run(["kubectl", "plugin", "list"], env=env, capture_output=True, text=True)
    assert plugin in listed.stdout
    r = subprocess.run(
        ["kubectl", "vet", "scan", "--select", "cpu-limit-missing", "--severity", "cpu-limit-missing=error", "pod.yaml"],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert r.returncode == 1, r.stderr
    assert "cpu-limit-missing" in r.stdout
