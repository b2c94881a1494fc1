"""Kustomizations are built with kustomize; findings name the overlay and their base file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kubevet.loading import kustomize

HERE = Path(__file__).resolve().parent
TREE = HERE / "kustomize"
OVERLAY = TREE / "overlays" / "prod"
BASE = TREE / "base"

pytestmark = pytest.mark.skipif(
    not (shutil.which("kustomize") or shutil.which("kubectl")), reason="neither kustomize nor kubectl on PATH"
)


def scan_json(run_cli, *args: str):
    result = run_cli("scan", "--format", "json", "--exit-zero", "--ungrouped", *args)  # one finding per rule
    assert "Traceback" not in result.err, result.err
    return result, json.loads(result.out)


def test_unchanged_fields_point_at_the_base_file(run_cli):
    _, report = scan_json(run_cli, str(OVERLAY))
    assert report["summary"]["inputErrors"] == 0
    f = next(f for f in report["findings"] if f["rule"] == "memory-limit-missing")
    assert f["file"] == str(BASE / "deployment.yaml")
    assert (BASE / "deployment.yaml").read_text().splitlines()[f["line"] - 1].strip() == "- name: web"
    assert f["object"] == {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "prod", "name": "prod-web"}
    rendered = f["extra"]["rendered"]
    assert rendered["kind"] == "kustomize" and rendered["group"] == str(OVERLAY)
    assert rendered["base"] == {"file": str(BASE / "deployment.yaml"), "match": "unchanged"}
    assert f"kustomize build {OVERLAY}" in f["origin"]


def test_a_field_the_overlay_patched_points_at_the_patch(run_cli):
    _, report = scan_json(run_cli, str(OVERLAY))
    (f,) = [f for f in report["findings"] if f["rule"] == "pdb-missing"]
    assert f["file"] == str(OVERLAY / "replicas.yaml") and f["line"] == 6
    assert f["extra"]["rendered"]["base"]["match"] == "changed"


def test_tree_builds_overlays_not_their_bases_nor_their_files(run_cli):
    result, report = scan_json(run_cli, str(TREE))
    assert result.code == 2  # the broken kustomization
    errors = [f for f in report["findings"] if f["rule"] == "render-error"]
    assert [f["file"] for f in errors] == [str(TREE / "broken" / "kustomization.yaml")]
    assert "does-not-exist.yaml" in errors[0]["message"]
    objects = {(f["object"]["namespace"], f["object"]["name"]) for f in report["findings"] if f["object"]}
    assert objects == {("prod", "prod-web")}  # the base alone is not built; patches are not loose files
    keys = [(f["rule"], f["file"], f["line"], f["field"]) for f in report["findings"]]
    assert len(keys) == len(set(keys))


def test_a_base_named_on_the_command_line_is_built(run_cli):
    _, report = scan_json(run_cli, str(BASE))
    names = {f["object"]["name"] for f in report["findings"] if f["object"]}
    assert names == {"web"}
    assert all(f["file"] == str(BASE / "deployment.yaml") for f in report["findings"] if f["object"])


def test_exclude_leaves_a_kustomization_out(run_cli):
    result, _ = scan_json(run_cli, str(TREE), "--exclude", "broken")
    assert result.code == 0


def test_no_kustomize_is_an_error_with_a_hint(run_cli, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = run_cli("scan", str(OVERLAY))
    assert result.code == 2 and "kubectl" in result.err and "Traceback" not in result.err


def test_references():
    dirs, files = kustomize.references(str(OVERLAY))
    assert dirs == {str(BASE.resolve())} and files == {str((OVERLAY / "replicas.yaml").resolve())}
