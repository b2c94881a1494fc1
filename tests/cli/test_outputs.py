"""The CLI as CI uses it: exit codes, several reports in one run, colour, `rules` and `explain`.

Each scan selects its rules and forces their severity, so that the tests do not change when
rules are added or their defaults are tuned.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from conftest import ROOT, SARIF_SCHEMA

from kubevet.rules import all_rules, lookup

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
    - name: app
      image: example/app:1.0.0
"""
CLEAN = POD + """\
      resources:
        limits: {cpu: "1", memory: 64Mi}
"""
RULE = "cpu-limit-missing"  # the one rule these scans run; it fires on POD, not on CLEAN
MESSAGE = "container 'app' has no CPU limit"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A temporary working directory holding pod.yaml (one finding) and clean.yaml (none)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "pod.yaml").write_text(POD, encoding="utf-8")
    (tmp_path / "clean.yaml").write_text(CLEAN, encoding="utf-8")
    return tmp_path


def scan(run_cli, *args: str, level: str = "error", stdin: bytes | None = None):
    """``kubevet scan`` with RULE at ``level`` and the input rules, which report broken input."""
    select = f"{RULE},yaml-syntax,file-unreadable"
    return run_cli("scan", "--select", select, "--severity", f"{RULE}={level}", *args, stdin=stdin)


# --- exit codes -------------------------------------------------------------------------


def test_clean_scan_exits_0(workdir, run_cli):
    r = scan(run_cli, "clean.yaml")
    assert (r.code, r.out, r.err) == (0, "No findings; 1 object in 1 file\n", "")


def test_finding_at_fail_on_exits_1_with_the_text_report(workdir, run_cli):
    r = scan(run_cli, "pod.yaml")
    help_text = lookup(RULE).help
    assert (r.code, r.err) == (1, "")
    assert r.out == (
        "pod.yaml\n"
        f"  7:7       error   {RULE:<28} {MESSAGE}  [Pod app]\n"
        f"            help: {help_text}\n"
        "\n"
        "1 finding (1 error, 0 warnings, 0 info); 1 object in 1 file\n"
    )


@pytest.mark.parametrize(
    ("level", "flags", "want"),
    [
        ("error", [], 1),
        ("warning", [], 0),
        ("warning", ["--fail-on", "warning"], 1),
        ("info", ["--fail-on", "warning"], 0),
        ("info", ["--fail-on", "info"], 1),
        ("error", ["--fail-on", "info"], 1),
        ("error", ["--exit-zero"], 0),
        ("warning", ["--fail-on", "warning", "--exit-zero"], 0),
    ],
)
def test_fail_on_and_exit_zero(workdir, run_cli, level, flags, want):
    r = scan(run_cli, "pod.yaml", *flags, level=level)
    assert r.code == want, r
    assert "1 finding (" in r.out and r.err == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "xml", "pod.yaml"], "kubevet: error: unknown format 'xml' (choose from github, gitlab, json, junit, sarif, text)\n"),
        (["--select", "no-such-rule", "pod.yaml"], "kubevet: error: unknown rule, code, prefix or category: 'no-such-rule'\n"),
        (["--severity", "no-such-rule=error", "pod.yaml"], "kubevet: error: --severity: unknown rule 'no-such-rule'\n"),
    ],
)
def test_usage_errors_exit_2_before_scanning(workdir, run_cli, args, message):
    r = run_cli("scan", *args)
    assert (r.code, r.out, r.err) == (2, "", message)


def test_argument_errors_exit_2_with_usage(workdir, run_cli):
    for argv in (["scan"], ["scan", "--fail-on", "fatal", "pod.yaml"], ["lint", "pod.yaml"], []):
        r = run_cli(*argv)
        assert r.code == 2 and r.out == "", (argv, r)
        assert r.err.startswith("usage: kubevet"), (argv, r)


def test_unreadable_input_exits_2_even_with_exit_zero(workdir, run_cli):
    r = scan(run_cli, "clean.yaml", "missing.yaml", "--exit-zero")
    assert r.code == 2
    assert "missing.yaml\n  -         error   file-unreadable" in r.out
    assert r.err == "kubevet: error: 1 input could not be read or parsed:\n  missing.yaml: no such file or directory\n"


def test_unreadable_input_is_named_even_when_input_rules_are_not_selected(workdir, run_cli):
    r = run_cli("scan", "--select", RULE, "clean.yaml", "missing.yaml")
    assert r.code == 2
    assert "file-unreadable" not in r.out
    assert "missing.yaml: no such file or directory" in r.err


def test_syntax_error_exits_2(workdir, run_cli):
    (workdir / "bad.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: x\n", encoding="utf-8")
    r = scan(run_cli, "clean.yaml", "bad.yaml")
    assert r.code == 2
    assert "yaml-syntax" in r.out
    assert r.err.startswith("kubevet: error: 1 input could not be read or parsed:\n  bad.yaml:3: YAML syntax error")


def test_no_kubernetes_objects_exits_2(workdir, run_cli):
    (workdir / "values.yaml").write_text("replicas: 3\n", encoding="utf-8")
    r = scan(run_cli, "values.yaml")
    assert r.code == 2
    assert r.err == "kubevet: error: no Kubernetes objects found in the input; nothing was checked\n"


def test_standard_input(workdir, run_cli):
    r = scan(run_cli, "-", "-f", "github", stdin=POD.encode())
    assert (r.code, r.err) == (1, "")
    assert r.out == f"::error file=<stdin>,line=7,col=7,title=RES004 {RULE}::{MESSAGE} [Pod app]\n"


# --- several reports in one run -------------------------------------------------------------


def test_several_formats_and_outputs_in_one_run(workdir, run_cli):
    r = scan(
        run_cli,
        "pod.yaml",
        "clean.yaml",
        "-f", "json", "-o", "report.json",
        "-f", "sarif", "-o", "report.sarif",
        "-f", "junit", "-o", "report.xml",
        "-f", "github", "-o", "github.txt",
        "-f", "text",
        "--color", "always",  # a file gets colour only when asked, as stdout does
    )
    assert (r.code, r.err) == (1, "")
    assert r.out.startswith("\x1b[1mpod.yaml\x1b[0m\n")  # the last --format had no --output

    report = json.loads((workdir / "report.json").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    assert [(f["rule"], f["file"], f["line"], f["column"]) for f in report["findings"]] == [(RULE, "pod.yaml", 7, 7)]
    assert report["summary"]["objects"] == 2

    log = json.loads((workdir / "report.sarif").read_text(encoding="utf-8"))
    sarif_schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == workdir.resolve().as_uri() + "/"
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 7, "startColumn": 7}

    suites = ET.parse(workdir / "report.xml").getroot()
    assert (suites.get("tests"), suites.get("failures")) == ("2", "1")

    assert (workdir / "github.txt").read_text(encoding="utf-8") == (
        f"::error file=pod.yaml,line=7,col=7,title=RES004 {RULE}::{MESSAGE} [Pod app]\n"
    )


def test_output_without_format_is_the_text_report(workdir, run_cli):
    r = scan(run_cli, "pod.yaml", "-o", "report.txt", "--color", "auto")
    assert (r.code, r.out, r.err) == (1, "", "")
    text = (workdir / "report.txt").read_text(encoding="utf-8")
    assert text.startswith("pod.yaml\n") and "\x1b" not in text


def test_two_outputs_for_one_format_is_a_usage_error(workdir, run_cli):
    r = scan(run_cli, "pod.yaml", "-f", "json", "-o", "a.json", "-o", "b.json")
    assert (r.code, r.out) == (2, "")
    assert r.err.endswith("kubevet: error: argument -o/--output: --format json already has an output file\n")
    assert not (workdir / "a.json").exists()


def test_one_file_for_two_formats_is_a_usage_error(workdir, run_cli):
    r = scan(run_cli, "pod.yaml", "-f", "json", "-o", "r.out", "-f", "sarif", "-o", "r.out")
    assert (r.code, r.out) == (2, "")
    assert r.err == "kubevet: error: r.out is the output of both --format json and --format sarif\n"


@pytest.mark.parametrize("args", [["-f", "json", "-f", "sarif"], ["-f", "json", "-o", "-", "-f", "text"],
                                  ["-f", "github", "-f", "junit"]])
def test_two_reports_on_stdout_is_a_usage_error(workdir, run_cli, args):
    """As for one file named twice: the two reports would be one stream nothing can read."""
    r = scan(run_cli, "pod.yaml", *args)
    assert (r.code, r.out) == (2, "")
    assert r.err.startswith("kubevet: error: --format ") and "would both write to standard output" in r.err


@pytest.mark.parametrize("args", [["-f", "github", "-f", "text"], ["-o", "-", "-f", "github"]])
def test_annotations_and_the_text_report_share_standard_output(workdir, run_cli, args):
    """What a GitHub Actions step prints: the runner takes the workflow commands out of the
    log it shows and makes them annotations; the text report stays readable around them."""
    r = scan(run_cli, "pod.yaml", *args)
    assert r.code == 1, r.err
    lines = r.out.splitlines()
    assert any(line.startswith("::error file=pod.yaml") for line in lines)
    assert any(line.startswith("pod.yaml") for line in lines)
    assert any(line.startswith("1 finding (1 error") for line in lines)


def test_two_diff_reports_on_stdout_is_a_usage_error(workdir, run_cli):
    r = run_cli("diff", "pod.yaml", "pod.yaml", "-f", "text", "-f", "markdown")
    assert (r.code, r.out) == (2, "")
    assert "--format text and --format markdown would both write to standard output" in r.err


def test_unwritable_output_fails_before_any_report(workdir, run_cli):
    r = scan(run_cli, "pod.yaml", "-f", "text", "-f", "json", "-o", "no-such-dir/r.json")
    assert (r.code, r.out) == (2, "")  # not even the text report on stdout
    assert r.err == (
        "kubevet: error: cannot write json report to no-such-dir/r.json: No such file or directory\n"
    )


# --- colour -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tty", "flags", "env", "coloured"),
    [
        (True, [], {}, True),
        (False, [], {}, False),
        (True, [], {"NO_COLOR": "1"}, False),
        (True, ["--color", "never"], {}, False),
        (False, ["--color", "always"], {}, True),
    ],
)
def test_colour(workdir, run_cli, monkeypatch, tty, flags, env, coloured):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    r = scan(run_cli, "pod.yaml", *flags)
    assert r.code == 1
    assert ("\x1b[31merror  \x1b[0m" in r.out) is coloured
    assert ("\x1b" in r.out) is coloured


# --- rules and explain ------------------------------------------------------------------------


def test_rules_table(run_cli):
    r = run_cli("rules")
    assert (r.code, r.err) == (0, "")
    lines = r.out.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "SEVERITY", "CATEGORY", "TITLE"]
    rules = all_rules()
    from kubevet.groups import GROUPS

    assert len(lines) == len(rules) + 1 + 2 + len(GROUPS)  # a blank line and a heading before the groups
    for line, rule in zip(lines[1:], rules):
        code, name, severity, category = line.split()[:4]
        assert (code, name, severity, category) == (rule.code, rule.name, str(rule.severity), rule.category)
    assert lines[len(rules) + 2].startswith("Groups: ")
    for line, group in zip(lines[len(rules) + 3:], GROUPS):
        code, name, scope = line.split()[:3]
        assert (code, name, scope) == (group.code, group.name, group.scope)
        assert line.split(None, 3)[3] == ", ".join(group.members)


def test_rules_json(run_cli):
    r = run_cli("rules", "--format", "json")
    assert (r.code, r.err) == (0, "")
    data = json.loads(r.out)
    assert [d["code"] for d in data] == [rule.code for rule in all_rules()]
    entry = next(d for d in data if d["name"] == RULE)
    assert entry["code"] == "RES004" and entry["title"] == lookup(RULE).title
    assert {"severity", "category", "enabled", "options"} <= set(entry)


@pytest.mark.parametrize("key", [RULE, "RES004", "res004"])
def test_explain_by_name_or_code(run_cli, key):
    r = run_cli("explain", key)
    assert (r.code, r.err) == (0, "")
    assert r.out == lookup(RULE).doc_markdown()
    assert r.out.startswith(f"# {RULE} (RES004)\n")
    assert "## Fix" in r.out


def test_explain_unknown_rule_exits_2(run_cli):
    r = run_cli("explain", "no-such-rule")
    assert (r.code, r.out, r.err) == (2, "", "kubevet: error: unknown rule 'no-such-rule'; `kubevet rules` lists them\n")


def test_the_console_command_exits_with_mains_code_after_flushing(tmp_path):
    """`kubevet` ends the process right after main() (no teardown): the code and the
    report must still come out whole."""
    import subprocess
    import sys

    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x:1}]\n")
    r = subprocess.run(
        [sys.executable, "-m", "kubevet", "scan", "--no-config", "--select", "cpu-request-missing", "-f", "json", "pod.yaml"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert r.returncode == 1
    assert json.loads(r.stdout)["summary"]["findings"]["error"] == 1
