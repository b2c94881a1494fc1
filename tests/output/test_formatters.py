"""Every report format, on one shared set of findings from real scans of tests/output/fixtures/.

Golden files live in tests/output/golden/<format>.<ext>; regenerate them with
``KUBEVET_UPDATE_GOLDEN=1 python -m pytest tests/output`` and review the diff.
The scan selects a fixed list of rules, so rules added later do not change the goldens.
"""

from __future__ import annotations

import copy
import io
import json
import os
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, SARIF_SCHEMA

import kubevet
from kubevet import output
from kubevet.config import Config
from kubevet.engine import Engine, ScanResult
from kubevet.errors import UsageError
from kubevet.findings import Finding, ObjectRef, Severity
from kubevet.loading.discover import discover
from kubevet.output import RenderOptions, Writer, github
from kubevet.rules import lookup

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
UPDATE = os.environ.get("KUBEVET_UPDATE_GOLDEN") == "1"
SELECT = [
    "yaml-syntax",
    "yaml-duplicate-key",
    "file-unreadable",
    "cpu-request-missing",
    "memory-limit-missing",
    "cpu-limit-missing",
    "ephemeral-storage-unset",
]
EXTENSIONS = {"text": "txt", "json": "json", "sarif": "json", "junit": "xml", "github": "txt", "gitlab": "json"}
# stands in for the working directory in the SARIF golden file (see docs/formats.md)
SOURCE_ROOT = "/src"
SARIF_SCHEMA = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
REPORT_SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scan() -> tuple[ScanResult, list]:
    """The shared findings: fixtures/ plus a path that does not exist, scanned from tests/output."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(HERE)
        engine = Engine(Config(select=list(SELECT)), record_checks=True)
        result = engine.scan(*discover(["fixtures", "fixtures/missing.yaml"]))
    # The engine has no suppression mechanism yet; mark one finding by hand so that every
    # format's rendering of a suppressed finding is pinned too.
    debug = [f for f in result.findings if f.obj is not None and f.obj.name == "debug"]
    next(f for f in debug if f.rule == "ephemeral-storage-unset").suppressed = True
    return result, engine.rules


@pytest.fixture(autouse=True)
def fixed_version(monkeypatch):
    """Reports name kubevet's version; the goldens must not change with each release."""
    monkeypatch.setattr(kubevet, "__version__", "0.0.0")


def render(fmt: str, result: ScanResult, rules, **options) -> str:
    options.setdefault("source_root", SOURCE_ROOT)
    return output.get(fmt).render(result, rules, RenderOptions(**options))


# --- golden files -----------------------------------------------------------------------


def test_every_built_in_format_has_a_golden_file():
    assert set(EXTENSIONS) == set(output.FORMATS)
    for fmt, ext in EXTENSIONS.items():
        assert output.get(fmt).extension == ext
        assert (GOLDEN / f"{fmt}.{ext}").exists() or UPDATE, f"run with KUBEVET_UPDATE_GOLDEN=1 to create {fmt}.{ext}"


def test_shared_findings_cover_what_the_goldens_must_show(scan):
    """If the fixtures or the loader change, the goldens must still show every case."""
    result, _ = scan
    rules = {f.rule for f in result.findings}
    assert {"yaml-syntax", "yaml-duplicate-key", "file-unreadable"} <= rules
    assert {f.severity for f in result.findings} == set(Severity)
    assert any(f.obj and f.obj.namespace for f in result.findings)
    assert any(f.obj and f.obj.namespace is None for f in result.findings)
    assert [f.line for f in result.findings if f.rule == "file-unreadable"] == [0]
    assert sum(f.suppressed for f in result.findings) == 1
    assert any("," in f.file and " " in f.file for f in result.findings)
    assert result.skipped and result.checked
    # an object that every selected rule passes gives passing JUnit cases
    assert any(ref.name == "api" for ref, *_ in result.checked)


@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
def test_golden(fmt, scan):
    got = render(fmt, *scan)
    path = GOLDEN / f"{fmt}.{EXTENSIONS[fmt]}"
    if UPDATE:
        path.write_text(got, encoding="utf-8", newline="\n")
    assert path.exists(), f"no golden file {path.name}: run with KUBEVET_UPDATE_GOLDEN=1"
    want = path.read_text(encoding="utf-8")
    assert got == want, f"{fmt} output changed; if intended, regenerate with KUBEVET_UPDATE_GOLDEN=1"


@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
def test_output_does_not_depend_on_the_order_of_findings(fmt, scan):
    result, rules = scan
    shuffled = copy.copy(result)
    shuffled.findings = list(reversed(result.findings))
    random.Random(7).shuffle(shuffled.findings)
    assert render(fmt, shuffled, rules) == render(fmt, result, rules)


# --- json -------------------------------------------------------------------------------


def test_report_schema_is_a_valid_schema():
    jsonschema.Draft202012Validator.check_schema(REPORT_SCHEMA)


def test_json_report_is_valid_against_its_schema(scan):
    report = json.loads(render("json", *scan))
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    assert report["version"] == 1
    keys = {"rule", "code", "severity", "message", "file", "line", "column", "object", "suppressed"}
    assert all(keys <= set(f) for f in report["findings"])


@pytest.mark.parametrize(
    "breakage",
    [
        lambda r: r["findings"][0].pop("rule"),
        lambda r: r["findings"][0].update(line=0),
        lambda r: r["findings"][0].update(severity="fatal"),
        lambda r: r["findings"][0].update(rule="CPU_LIMIT"),
        lambda r: next(f for f in r["findings"] if f["object"])["object"].pop("namespace"),
        lambda r: r["summary"]["findings"].pop("info"),
        lambda r: r.update(version=2),
    ],
    ids=["no-rule", "line-0", "bad-severity", "rule-not-kebab", "object-without-namespace", "summary", "version"],
)
def test_report_schema_rejects_a_malformed_report(scan, breakage):
    report = json.loads(render("json", *scan))
    breakage(report)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)


def test_json_findings(scan):
    result, rules = scan
    report = json.loads(render("json", result, rules, group=False))
    by_rule = {}
    for f in report["findings"]:
        by_rule.setdefault(f["rule"], []).append(f)
    unreadable = by_rule["file-unreadable"][0]
    assert (unreadable["line"], unreadable["column"], unreadable["object"]) == (None, None, None)
    web = next(f for f in report["findings"] if f["object"] and f["object"]["name"] == "web")
    assert web["object"] == {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "web"}
    assert web["field"].startswith("spec.template.spec.containers[0]")
    debug = [f for f in report["findings"] if f["object"] and f["object"]["name"] == "debug"]
    assert {f["object"]["namespace"] for f in debug} == {None}
    assert [f["rule"] for f in debug if f["suppressed"]] == ["ephemeral-storage-unset"]
    active = [f for f in result.findings if not f.suppressed]
    assert report["summary"]["findings"] == report["summary"]["ruleFindings"] == {
        s: sum(1 for f in active if str(f.severity) == s) for s in ("error", "warning", "info")
    }
    assert report["summary"]["suppressed"] == 1
    assert report["summary"]["inputErrors"] == 2  # the syntax error and the missing file
    assert [r["code"] for r in report["rules"]] == sorted(lookup(n).code for n in SELECT)


# --- sarif ------------------------------------------------------------------------------


def sarif_of(scan, **options) -> dict:
    return json.loads(render("sarif", *scan, **options))


def test_sarif_is_valid_against_the_official_schema(scan):
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif_of(scan))


def test_sarif_regions_are_real_positions(scan):
    result, _ = scan
    log = sarif_of(scan, group=False)
    results = log["runs"][0]["results"]
    assert len(results) == len(result.findings)
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"
    for res, f in zip(results, result.findings):
        physical = res["locations"][0]["physicalLocation"]
        if f.line:
            assert physical["region"] == {"startLine": f.line, "startColumn": f.column}
        else:  # a file-level problem: no region at all, never line 0 or 1
            assert f.rule == "file-unreadable"
            assert "region" not in physical
    assert '"startLine": 0' not in json.dumps(log)


def test_sarif_rules_carry_help_and_index(scan):
    run = sarif_of(scan, group=False)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({res["ruleId"] for res in run["results"]})
    for r in rules:
        rule = lookup(r["id"])
        assert r["name"] == rule.name
        assert r["help"]["text"] == rule.help and r["help"]["text"].endswith(".")
        assert r["help"]["markdown"].startswith(f"# {rule.name} ({rule.code})")
        assert r["helpUri"].endswith(f"docs/rules.md#{rule.code.lower()}-{rule.name}")
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]


def test_sarif_suppressed_finding_is_marked_not_dropped(scan):
    results = sarif_of(scan)["runs"][0]["results"]
    suppressed = [r for r in results if r["suppressions"]]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"] == [{"kind": "inSource"}]
    assert suppressed[0]["properties"]["rule"] == "ephemeral-storage-unset"
    assert "Pod debug" in suppressed[0]["message"]["text"]


def test_sarif_uris_are_relative_and_escaped(scan):
    run = sarif_of(scan)["runs"][0]
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    uris = {loc["uri"] for loc in locations}
    assert "fixtures/odd%20name%2C1.yaml" in uris
    assert "fixtures/missing.yaml" in uris
    assert all(loc["uriBaseId"] == "%SRCROOT%" for loc in locations)


def test_sarif_source_root_is_the_callers_choice(scan):
    assert sarif_of(scan)["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///src/"}}
    assert "originalUriBaseIds" not in sarif_of(scan, source_root=None)["runs"][0]


def test_sarif_points_at_standard_input_without_a_uri():
    f = Finding("m", rule="cpu-limit-missing", code="RES004", file="<stdin>", line=3, column=2)
    log = json.loads(render("sarif", ScanResult(findings=[f]), [lookup("RES004")]))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"description": {"text": "<stdin>"}}


# --- junit ------------------------------------------------------------------------------


def test_junit_has_a_case_per_object_and_rule(scan):
    result, rules = scan
    root = ET.fromstring(render("junit", result, rules))
    cases = {
        (suite.get("name"), case.get("name"), case.get("classname")): case
        for suite in root.iter("testsuite")
        for case in suite.iter("testcase")
    }
    for ref, file, _line, names in result.checked:
        for name in names:
            assert (file, str(ref), name) in cases
    # the clean Deployment passes every rule that judged it
    api = [c for (file, name, _), c in cases.items() if name == "Deployment shop/api"]
    assert api and all(len(c) == 0 for c in api)
    web = cases[("fixtures/apps.yaml", "Deployment shop/web", "memory-limit-missing")]
    assert web.find("failure").get("type") == "RES003 error"
    skipped = cases[("fixtures/apps.yaml", "Pod debug", "ephemeral-storage-unset")]
    assert skipped.find("skipped") is not None and skipped.find("failure") is None
    syntax = [c for (_, _, cls), c in cases.items() if cls == "yaml-syntax"]
    assert len(syntax) == 1 and syntax[0].find("error") is not None
    # counts agree with the elements, per suite and in total
    for element in [root, *root.iter("testsuite")]:
        found = list(element.iter("testcase"))
        assert int(element.get("tests")) == len(found)
        for tag in ("failure", "error", "skipped"):
            assert int(element.get(tag + "s" if tag != "skipped" else tag)) == sum(
                1 for c in found if c.find(tag) is not None
            )


def test_junit_parses_with_junitparser(scan):
    from junitparser import Error, Failure, JUnitXml, Skipped

    xml = JUnitXml.fromstring(render("junit", *scan))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in xml:
        kinds = [type(r) for case in suite for r in case.result]
        assert suite.tests == len(list(suite))
        assert suite.failures == kinds.count(Failure)
        assert suite.errors == kinds.count(Error)
        assert suite.skipped == kinds.count(Skipped)
        totals["tests"] += suite.tests
        totals["failures"] += suite.failures
        totals["errors"] += suite.errors
        totals["skipped"] += suite.skipped
    assert totals["errors"] == 2  # the syntax error and the missing file
    assert totals["skipped"] == 1
    assert totals["failures"] > 0 and totals["tests"] > totals["failures"] + 3


def test_junit_escapes_what_xml_cannot_carry():
    f = Finding("bell \x07 and \x1b[31m", rule="cpu-limit-missing", code="RES004", file="a\x01.yaml", line=1,
                column=1, obj=ObjectRef("v1", "Pod", None, "p"))
    xml = render("junit", ScanResult(findings=[f]), [lookup("RES004")])
    root = ET.fromstring(xml)  # would raise on a raw control character
    assert root.find(".//failure").get("message") == "bell \\x07 and \\x1b[31m"
    assert root.find(".//testsuite").get("name") == "a\\x01.yaml"


# --- github -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("key: a, b", "key: a, b", "key%3A a%2C b"),
        ("%0A", "%250A", "%250A"),  # an escape sequence in the text is not unescaped later
    ],
)
def test_github_escaping(raw, data, prop):
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop


def test_github_commands(scan):
    lines = render("github", *scan, group=False).splitlines()
    result, _ = scan
    assert len(lines) == sum(1 for f in result.findings if not f.suppressed)
    assert "::error file=fixtures/missing.yaml,title=INP003 file-unreadable::no such file or directory" in lines
    assert any(l.startswith("::error file=fixtures/odd name%2C1.yaml,line=15,col=11,title=RES001 ") for l in lines)
    assert {l.split(" ", 1)[0] for l in lines} == {"::error", "::warning", "::notice"}
    assert not any("Pod debug" in l and "ephemeral-storage" in l for l in lines)  # suppressed


def test_github_message_with_newlines_stays_one_command():
    f = Finding("50% done\nsecond line", rule="cpu-limit-missing", code="RES004", severity=Severity.WARNING,
                file="a:b,c.yaml", line=2, column=0)
    out = render("github", ScanResult(findings=[f]), [])
    assert out == "::warning file=a%3Ab%2Cc.yaml,line=2,title=RES004 cpu-limit-missing::50%25 done%0Asecond line\n"


# --- text -------------------------------------------------------------------------------


def test_text_colour_only_when_asked(scan):
    plain = render("text", *scan)
    coloured = render("text", *scan, color=True)
    assert "\x1b" not in plain
    assert "\x1b[31merror  \x1b[0m" in coloured and "\x1b[33mwarning\x1b[0m" in coloured
    assert "\x1b[36minfo   \x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_text_summary_counts_by_severity(scan):
    last = render("text", *scan, group=False).splitlines()
    assert "13 findings (6 errors, 1 warning, 6 info); 6 objects in 3 files" in last
    assert "1 suppressed finding not shown" in last
    grouped = render("text", *scan).splitlines()
    summary = "7 findings (5 errors, 1 warning, 1 info); 3 of them join 9 rule findings by cause (--ungrouped lists each); 6 objects in 3 files"
    assert summary in grouped
    assert "1 suppressed finding not shown" in grouped


def test_text_escapes_control_characters():
    f = Finding("evil \x1b[2J message", rule="cpu-limit-missing", code="RES004", file="x\x1b.yaml", line=1, column=1)
    out = render("text", ScanResult(findings=[f]), [], color=False)
    assert "\x1b" not in out
    assert "evil \\x1b[2J message" in out and "x\\x1b.yaml" in out


# --- internal errors --------------------------------------------------------------------


def test_internal_errors_are_reported_by_every_machine_format():
    crash = "rule cpu-limit-missing (RES004) crashed on a.yaml:1 Pod p: KeyError: 'x'"
    result = ScanResult(crashes=[crash], objects=1, sources=1)
    log = json.loads(render("sarif", result, []))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"] == crash
    report = json.loads(render("json", result, []))
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    assert report["errors"] == [crash]
    root = ET.fromstring(render("junit", result, []))
    assert root.get("errors") == "1" and root.find(".//error").get("message") == crash
    assert render("github", result, []) == f"::error title=kubevet internal error::{crash}\n"


# --- colour decision and writing ---------------------------------------------------------


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("mode", "tty", "env", "want"),
    [
        ("auto", True, {}, True),
        ("auto", False, {}, False),
        ("auto", True, {"NO_COLOR": "1"}, False),
        ("auto", True, {"NO_COLOR": ""}, True),  # no-color.org: only a non-empty value counts
        ("auto", True, {"TERM": "dumb"}, False),
        ("never", True, {}, False),
        ("always", False, {}, True),
        ("always", True, {"NO_COLOR": "1"}, True),  # an explicit flag beats the environment
    ],
)
def test_use_color(mode, tty, env, want):
    stream = FakeTTY() if tty else io.StringIO()
    assert output.use_color(mode, stream, env) is want


def test_plan_rejects_unknown_formats_and_shared_files(tmp_path):
    with pytest.raises(UsageError, match="unknown format 'xml'"):
        output.plan([("xml", None)])
    same = str(tmp_path / "r.json")
    with pytest.raises(UsageError, match="both --format json and --format sarif"):
        output.plan([("json", same), ("sarif", same)])
    assert [(r.format.name, r.path) for r in output.plan([])] == [("text", None)]
    assert output.plan([("json", "-")])[0].path is None


def test_writer_colours_per_destination(tmp_path, scan):
    result, rules = scan
    reports = output.plan([("text", None), ("text", str(tmp_path / "report.txt"))])
    tty = FakeTTY()
    with Writer(reports, stdout=tty, environ={}) as writer:
        writer.write(result, rules)
    assert "\x1b[" in tty.getvalue()
    assert "\x1b[" not in (tmp_path / "report.txt").read_text(encoding="utf-8")


def test_writer_fails_before_the_scan_on_an_unwritable_file(tmp_path):
    reports = output.plan([("json", str(tmp_path / "no-such-dir" / "r.json"))])
    with pytest.raises(UsageError, match="cannot write json report to .*r.json"):
        Writer(reports).__enter__()
