"""Sides the other diff tests do not take: kustomizations (rendered by the real kustomize or
kubectl), standard input, and what the gate does around its command (colour, the user
recorded from the OS, a command that cannot run or dies of a signal)."""

import json
import os
import shutil
import subprocess
import sys

import diffkit
import pytest

kubevet, diff_json, write = diffkit.kubevet, diffkit.diff_json, diffkit.write  # fixtures

BASE = os.path.join(os.path.dirname(__file__), "..", "render", "kustomize", "base")
PAIR = os.path.join(diffkit.PAIRS, "rollout-restart")
OVERLAY = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: prod
resources:
  - ../base
patches:
  - path: replicas.yaml
"""
PATCH = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {n}\n"


@pytest.fixture
def overlays(tmp_path, write):
    """Two kustomize overlays of one base: prod at 3 replicas (old) and at 1 (new)."""
    shutil.copytree(BASE, tmp_path / "base")
    for side, n in (("old", 3), ("new", 1)):
        write(tmp_path / side / "kustomization.yaml", OVERLAY)
        write(tmp_path / side / "replicas.yaml", PATCH.format(n=n))
    return tmp_path


def test_two_kustomize_overlays(diff_json, overlays):
    code, report = diff_json(overlays / "old", overlays / "new", "--no-findings", "--fail-on", "warning")
    assert code == 1
    assert report["summary"] == {"added": 0, "removed": 0, "changed": 1, "unchanged": 2}  # + Service, generated ConfigMap
    [risk] = report["risks"]
    assert risk["check"] == "replicas-reduced" and risk["object"] == "Deployment.apps prod/web"
    assert risk["file"] == str(overlays / "new" / "replicas.yaml") and risk["line"] == 6  # the patch, not the render
    assert risk["evidence"] == {"old": 3, "new": 1}


def test_a_saved_render_on_stdin_against_a_kustomization(run_cli, overlays):
    """`kubectl kustomize ... | kubevet diff - NEW`: OLD from standard input."""
    rendered = subprocess.run(["kubectl", "kustomize", str(overlays / "old")], capture_output=True, check=True).stdout
    r = run_cli("diff", "-", str(overlays / "new"), "--no-findings", "--fail-on", "warning", "-f", "json",
                stdin=rendered)
    assert r.code == 1, r.err
    report = json.loads(r.out)
    assert report["old"] == "-" and [x["check"] for x in report["risks"]] == ["replicas-reduced"]
    assert report["summary"]["unchanged"] == 2
    empty = run_cli("diff", "-", str(overlays / "new"), "--no-findings", stdin=b"")
    assert empty.code == 2 and "Traceback" not in empty.err  # an empty stdin is no "no changes"


def test_colour_only_when_asked_or_on_a_terminal(kubevet):
    code, out, _ = kubevet("diff", f"{PAIR}/old.yaml", f"{PAIR}/new.yaml", "--no-findings", "--color", "always")
    assert code == 0 and "\x1b[" in out
    code, out, _ = kubevet("diff", f"{PAIR}/old.yaml", f"{PAIR}/new.yaml", "--no-findings")
    assert code == 0 and "\x1b[" not in out  # captured output is no terminal
    code, out, _ = kubevet("diff", f"{PAIR}/old.yaml", f"{PAIR}/new.yaml", "--no-findings", "-f", "json",
                           "--color", "always")
    assert "\x1b[" not in out and json.loads(out)


def test_the_override_names_the_os_user_outside_ci(kubevet, tmp_path, monkeypatch):
    from kubevet.diff.gate import USER_VARIABLES

    for name in USER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".kubevet.yaml").write_text("freeze: {presets: [never-on-friday], timezone: UTC}\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = kubevet("gate", f"{PAIR}/old.yaml", f"{PAIR}/new.yaml", "--no-findings", "-f", "json",
                           "--now", "2026-03-27T15:00:00Z", "--override-freeze", "hotfix INC-12")
    assert code == 0
    import getpass

    assert json.loads(out)["override"]["user"] == f"{getpass.getuser()} (os)"


def test_a_command_that_cannot_run_or_dies_of_a_signal(kubevet):
    code, out, err = kubevet("gate", f"{PAIR}/old.yaml", f"{PAIR}/new.yaml", "--no-findings", "--",
                             "no-such-binary-kubevet-test", "--flag")
    assert code == 2 and "cannot run no-such-binary-kubevet-test" in err and "Traceback" not in err
    code, _, _ = kubevet("gate", f"{PAIR}/old.yaml", f"{PAIR}/new.yaml", "--no-findings", "--",
                         sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)")
    assert code == 128 + 15  # as a shell reports it, so a CI step fails


SCOPED = """\
freeze:
  timezone: Europe/Berlin
  windows:
    - {from: "mon 00:00", to: "mon 00:00", reason: "shop release week", namespaces: ["shop*"], environments: [production]}
"""


def test_the_gate_scopes_the_freeze_by_the_changed_namespaces_and_the_environment(kubevet, write, tmp_path,
                                                                                  monkeypatch):
    (tmp_path / ".kubevet.yaml").write_text(SCOPED)
    monkeypatch.chdir(tmp_path)
    old, new = (open(f"{PAIR}/{side}.yaml").read() for side in ("old", "new"))
    now = ("--now", "2026-06-03T12:00:00+02:00")
    in_shop = (write(tmp_path / "shop" / "old.yaml", old), write(tmp_path / "shop" / "new.yaml", new))
    code, out, _ = kubevet("gate", *in_shop, "--no-findings", "--environment", "production", *now)
    assert code == 1 and "change freeze: shop release week" in out
    assert kubevet("gate", *in_shop, "--no-findings", *now)[0] == 1  # no environment named: the freeze applies
    assert kubevet("gate", *in_shop, "--no-findings", "--environment", "staging", *now)[0] == 0
    billing = [write(tmp_path / "billing" / f"{side}.yaml", text.replace("namespace: shop", "namespace: billing"))
               for side, text in (("old", old), ("new", new))]
    code, out, _ = kubevet("gate", *billing, "--no-findings", "--environment", "production", "-f", "json", *now)
    assert code == 0 and json.loads(out)["freeze"]["frozen"] is False  # a change outside shop* is not frozen
