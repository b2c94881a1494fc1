"""The small things a new user meets in the first hour (issue 11, item 9)."""

from __future__ import annotations

import pytest


def test_an_empty_file_says_nothing_to_scan_on_stdout_too(run_cli, tmp_path):
    (tmp_path / "empty.yaml").write_text("")
    r = run_cli("scan", "--no-config", str(tmp_path / "empty.yaml"))
    assert r.code == 2
    assert "No findings" not in r.out  # exit 2 with "No findings" reads as a pass
    assert r.out.strip().splitlines()[-1] == "Nothing to scan: no Kubernetes objects in 1 file"
    assert "no Kubernetes objects found" in r.err


def test_an_empty_list_is_still_no_findings(run_cli, tmp_path):
    (tmp_path / "list.json").write_text('{"apiVersion": "v1", "kind": "List", "items": []}')
    r = run_cli("scan", "--no-config", str(tmp_path / "list.json"))
    assert r.code == 0 and r.out.strip() == "No findings; 0 objects in 1 file"


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (["scan", "--frobnicate", "x.yaml"], "usage: kubevet scan "),
        (["rules", "extra"], "usage: kubevet rules "),
        (["etcd", "status", "--frobnicate"], "usage: kubevet etcd status "),
        (["--frobnicate"], "usage: kubevet [-h]"),
    ],
)
def test_an_unknown_argument_prints_the_commands_usage(run_cli, argv, usage):
    r = run_cli(*argv)
    assert r.code == 2
    assert r.err.startswith(usage), r.err
    assert r.err.strip().endswith(f"kubevet: error: unrecognized arguments: {argv[-1] if argv[0] != 'scan' else '--frobnicate'}")


@pytest.mark.parametrize(
    ("name", "meant"),
    [("pdb-mising", "pdb-missing"), ("PDB-missing", "pdb-missing"), ("cpu-limit", "cpu-limit-missing"), ("sec01", "SEC001")],
)
def test_explain_a_near_miss_suggests_the_rule(run_cli, name, meant):
    r = run_cli("explain", name)
    assert r.code == 2
    assert f"unknown rule {name!r}; did you mean " in r.err and meant in r.err.split("did you mean", 1)[1], r.err


def test_explain_far_off_points_to_the_list(run_cli):
    r = run_cli("explain", "banana")
    assert r.code == 2 and "did you mean" not in r.err and "`kubevet rules` lists them" in r.err


def test_a_near_miss_in_select_suggests_too(run_cli, tmp_path):
    r = run_cli("scan", "--no-config", "--select", "pdb-mising", str(tmp_path))
    assert r.code == 2 and "did you mean pdb-missing?" in r.err, r


def test_exclude_is_a_scan_option_not_a_helm_one(run_cli, capsys):
    with pytest.raises(SystemExit):
        run_cli("scan", "--help")
    text = capsys.readouterr().out
    helm = text.index("Helm charts and kustomizations:")
    assert text.index("  --exclude GLOB") < helm  # listed before the Helm group, among scan's own


def test_a_missing_file_gets_a_hint_about_paths_not_encodings(run_cli, tmp_path):
    r = run_cli("scan", "--no-config", str(tmp_path / "missing.yaml"))
    assert r.code == 2
    (help_line,) = [line.strip() for line in r.out.splitlines() if line.strip().startswith("help:")]
    assert "UTF" not in help_line and "path" in help_line, help_line
    (tmp_path / "latin1.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n")
    r = run_cli("scan", "--no-config", str(tmp_path / "latin1.yaml"))
    (help_line,) = [line.strip() for line in r.out.splitlines() if line.strip().startswith("help:")]
    assert "UTF-8" in help_line, help_line


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_a_console_that_cannot_encode_a_name_gets_escapes(tmp_path, encoding):
    """An ASCII locale or a Windows code page: U+FFFD (a lone surrogate, decoded as Go
    does) and other characters are written as escapes, never a UnicodeEncodeError."""
    import os
    import subprocess
    import sys

    path = tmp_path / "pod.json"
    path.write_text('{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "w\\ud800\u00e9\u4e2d", "namespace": "shop"},'
                    ' "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}}')
    p = subprocess.run([sys.executable, "-m", "kubevet", "scan", "--no-config", str(path)], capture_output=True,
                       env={**os.environ, "PYTHONIOENCODING": encoding}, timeout=120)
    assert p.returncode == 1, p.stderr
    assert b"internal error" not in p.stderr
    assert b"\\ufffd" in p.stdout and b"\\u4e2d" in p.stdout
