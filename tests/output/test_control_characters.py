"""Control characters of a manifest (NUL, ESC, BEL in an object's name) never reach a
report raw: every text format writes their escapes, so a crafted manifest cannot drive a
terminal or forge a line of a CI log or a workflow command."""

from __future__ import annotations

import json
import re

import pytest

# NUL, BEL, ESC, and an OSC sequence that would retitle a terminal
NAME = '"w\\0e\\e[31mb\\e]0;x\\a"'
ESCAPED = "w\\x00e\\x1b[31mb\\x1b]0;x\\x07"
RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

DEPLOYMENT = f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {NAME}, namespace: shop}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: "nginx:1.25"}}]
"""
ROLEBINDING = f"""\
apiVersion: v1
kind: ServiceAccount
metadata: {{name: {NAME}, namespace: shop}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: {NAME}, namespace: shop}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}}
subjects: [{{kind: ServiceAccount, name: {NAME}, namespace: shop}}]
"""


def _clean(out: str) -> None:
    assert not RAW.search(out), repr(RAW.search(out).group())
    assert ESCAPED in out


@pytest.mark.parametrize("fmt", ["text", "github", "gitlab", "junit"])
def test_scan_reports(run_cli, tmp_path, fmt):
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT)
    r = run_cli("scan", "--no-config", "--color", "always", "-f", fmt, str(path))
    assert r.code == 1, r
    if fmt == "gitlab":
        issues = json.loads(r.out)
        assert any(ESCAPED in i["description"] for i in issues)
        assert not any(RAW.search(i["description"]) for i in issues)
    elif fmt == "text":
        _clean(re.sub("\x1b\\[[0-9;]*m", "", r.out))  # kubevet's own colours
    else:
        _clean(r.out)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
@pytest.mark.parametrize("color", ["never", "always"])
def test_diff_reports(run_cli, tmp_path, fmt, color):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(DEPLOYMENT)
    new.write_text(DEPLOYMENT.replace("replicas: 2", "replicas: 1"))
    r = run_cli("diff", "--color", color, "-f", fmt, str(old), str(new))
    assert r.code in (0, 1), r
    out = r.out
    if color == "always" and fmt == "text":
        assert "\x1b[1mkubevet diff" in out  # colours are still kubevet's to paint
        out = re.sub("\x1b\\[[0-9;]*m", "", out)
    _clean(out)
    if fmt == "text":
        assert "(0 errors, 1 warning, 0 info)" in out  # not "1 warnings"


def test_rbac_report(run_cli, tmp_path):
    path = tmp_path / "rbac.yaml"
    path.write_text(ROLEBINDING)
    r = run_cli("rbac", str(path))
    assert r.code == 0, r
    _clean(r.out)


def test_stderr_names_a_file_with_its_escapes(run_cli, tmp_path):
    """A file of a pull request named with an escape sequence, unreadable: its stderr line too."""
    (tmp_path / "bad\x1b[31mname.yaml").write_text("a: [\n")
    r = run_cli("scan", "--no-config", str(tmp_path))
    assert r.code == 2, r
    assert "\x1b" not in r.err and "\x1b" not in r.out
    assert "bad\\x1b[31mname.yaml:1: YAML syntax error" in r.err


def test_an_error_message_naming_a_file_escapes_it(run_cli, tmp_path):
    (tmp_path / "rbac\x1b]0;x\x07.yaml").write_text("a: [\n")
    for argv in (["scan", "--config", str(tmp_path / "no\x1b[2Jsuch.yaml"), str(tmp_path)], ["rbac", str(tmp_path)]):
        r = run_cli(*argv)
        assert r.code == 2, r
        assert "\x1b" not in r.err and "\x07" not in r.err, r.err
        assert "\\x1b" in r.err
