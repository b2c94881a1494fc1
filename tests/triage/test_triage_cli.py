"""kubevet triage as a user runs it: formats, exit codes, --at, --manifests, stdin, bad input."""

from __future__ import annotations

import json

import jsonschema
from triage_helpers import DATA, ROOT

INCIDENT = [str(ROOT / "examples/incident" / n)
            for n in ("events.txt", "describe-catalog.txt", "describe-node.txt", "node-3.log")]
AT = "2026-12-03T04:10:00Z"


def test_text_report_starts_with_the_root_cause(run_cli):
    r = run_cli("triage", *INCIDENT, "--at", AT)
    assert r.code == 1
    first = r.out.splitlines()[0]
    assert first.startswith("Probable root cause: ") and "node-3" in first and "kubelet" in first
    assert "which led to: node-not-ready" in r.out.splitlines()[1]
    assert "Timeline (UTC; ages read against 2026-12-03 04:10:00):" in r.out
    assert "lines not understood" not in r.out


def test_json_report_matches_its_schema(run_cli):
    r = run_cli("triage", *INCIDENT, "--at", AT, "--format", "json", "--manifests", str(ROOT / "examples/broken"))
    assert r.code == 1
    report = json.loads(r.out)
    schema = json.loads((ROOT / "docs/triage.schema.json").read_text())
    jsonschema.validate(report, schema)
    assert report["exitCode"] == 1 and report["at"] == "2026-12-03T04:10:00+00:00"
    names = [d["name"] for d in report["diagnoses"]]
    root = report["diagnoses"][names.index("node-oom")]
    assert root["id"] in report["rootCauses"]
    assert {r["code"] for r in root["rules"]} >= {"RES003", "RES002"}
    times = [e["time"] for e in report["timeline"] if e["time"]]
    assert times == sorted(times)


def test_manifest_links_name_the_object_line_and_finding(run_cli):
    r = run_cli("triage", *INCIDENT, "--at", AT, "-f", "json", "--manifests", str(ROOT / "examples/broken"))
    report = json.loads(r.out)
    by = {d["name"]: d for d in report["diagnoses"]}
    broken = str(ROOT / "examples/broken/shop.yaml")
    oom = by["node-oom"]["manifests"][0]
    assert (oom["object"], oom["file"], oom["line"]) == ("Deployment shop/catalog", broken, 7)
    assert oom["fix"]["line"] == 23 and oom["fix"]["field"].startswith("spec.template.spec.containers[name=catalog]"
                                                                       ".resources")
    assert {(f["code"], f["line"]) for f in oom["findings"]} >= {("RES003", 23), ("RES002", 23)}
    probes = by["probes-identical"]["manifests"][0]
    assert probes["fix"]["line"] == 30 and ("PRB003", 31) in {(f["code"], f["line"]) for f in probes["findings"]}
    mass = by["mass-deletion"]["manifests"]
    assert [m["object"] for m in mass] == ["CronJob shop/cleanup"]
    assert mass[0]["fix"]["field"].endswith("containers[name=cleanup].command")
    assert {("RBC001", 87), ("SHL001", 112), ("SHL003", 112)} <= {(f["code"], f["line"]) for f in mass[0]["findings"]}


def test_markdown_postmortem(run_cli, tmp_path):
    out = tmp_path / "postmortem.md"
    r = run_cli("triage", *INCIDENT, "--at", AT, "-f", "markdown", "-o", str(out),
                "--manifests", str(ROOT / "examples/broken"))
    assert r.code == 1 and r.out == ""
    md = out.read_text()
    for heading in ("# Postmortem draft", "## Summary", "## Timeline", "## Root causes",
                    "## Contributing factors and effects", "## Action items"):
        assert f"\n{heading}\n" in f"\n{md}", heading
    assert "`RES003` memory-limit-missing" in md and "examples/broken/shop.yaml:23" in md


def test_relative_ages_follow_at(run_cli):
    early = json.loads(run_cli("triage", str(DATA / "events-wide.txt"), "--at", AT, "-f", "json").out)
    late = json.loads(run_cli("triage", str(DATA / "events-wide.txt"), "--at", "2026-12-03T05:10:00Z", "-f",
                              "json").out)
    assert early["timeline"][0]["time"] == "2026-12-03T03:58:00+00:00"
    assert late["timeline"][0]["time"] == "2026-12-03T04:58:00+00:00"


def test_stdin(run_cli):
    r = run_cli("triage", "-", "--at", AT, stdin=(DATA / "events-v1.json").read_bytes())
    assert r.code == 1 and "crash-loop" in r.out and "<stdin>" not in r.err


def test_no_readable_input_exits_2(run_cli, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("call the on-call\nit is down again\n")
    binary = tmp_path / "core"
    binary.write_bytes(b"\x7fELF\0\0\0\x01")
    r = run_cli("triage", str(junk), str(binary), str(tmp_path / "missing.txt"))
    assert r.code == 2 and "Traceback" not in r.err
    assert "missing.txt: cannot read" in r.err and "a binary file" in r.err
    assert f"{junk}:1: call the on-call" in r.out  # shown with its line, never dropped


def test_bad_at_is_a_usage_error(run_cli):
    r = run_cli("triage", str(DATA / "events-wide.txt"), "--at", "yesterday-ish")
    assert r.code == 2 and "--at 'yesterday-ish' is not a time" in r.err


def test_namespace_option_names_events_listed_without_one(run_cli):
    r = json.loads(run_cli("triage", str(DATA / "events-wide.txt"), "--at", AT, "-n", "web", "-f", "json").out)
    pods = {o["namespace"] for d in r["diagnoses"] for o in d["objects"] if o["kind"] == "Pod"}
    assert pods == {"web"}


def test_manifests_from_a_helm_chart_link_to_the_template(run_cli, tmp_path):
    chart = tmp_path / "shop"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("replicas: 3\n")
    (chart / "templates" / "catalog.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: catalog\n  namespace: shop\nspec:\n"
        "  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: catalog}\n  template:\n"
        "    metadata:\n      labels: {app: catalog}\n    spec:\n      containers:\n        - name: catalog\n"
        "          image: registry.example.com/shop/catalog:1.0.0\n")
    r = json.loads(run_cli("triage", *INCIDENT, "--at", AT, "-f", "json", "--manifests", str(chart)).out)
    oom = next(d for d in r["diagnoses"] if d["name"] == "node-oom")
    link = oom["manifests"][0]
    assert link["object"] == "Deployment shop/catalog"
    assert {(f["code"], f["file"].rsplit("/", 2)[-2:] == ["templates", "catalog.yaml"]) for f in link["findings"]} \
        >= {("RES003", True)}


def test_manifests_that_cannot_be_read_are_reported(run_cli, tmp_path):
    r = json.loads(run_cli("triage", *INCIDENT, "--at", AT, "-f", "json", "--manifests",
                           str(tmp_path / "nowhere")).out)
    assert any("nowhere" in e for e in r["manifestErrors"])
    assert all(d["manifests"] == [] for d in r["diagnoses"])


def test_without_at_each_file_is_read_against_its_own_modification_time(run_cli, tmp_path):
    """Two saves of `kubectl get events`, twenty minutes apart: each one's ages are read
    against its file time, and both land on one timeline."""
    import os
    from datetime import datetime, timezone

    early, late = tmp_path / "first.txt", tmp_path / "second.txt"
    early.write_text("LAST SEEN   TYPE      REASON    OBJECT        MESSAGE\n"
                     "5m          Warning   BackOff   pod/web-0     Back-off restarting failed container web in pod "
                     "web-0_shop(1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9)\n")
    late.write_text("LAST SEEN   TYPE      REASON         OBJECT          MESSAGE\n"
                    "5m          Warning   NodeNotReady   node/worker-1   Node is not ready\n")
    for path, saved in ((early, datetime(2026, 12, 3, 4, 10, tzinfo=timezone.utc)),
                        (late, datetime(2026, 12, 3, 4, 30, tzinfo=timezone.utc))):
        os.utime(path, (saved.timestamp(), saved.timestamp()))
    report = json.loads(run_cli("triage", str(late), str(early), "-f", "json").out)
    assert [(e["file"], e["time"]) for e in report["timeline"]] == [
        (str(early), "2026-12-03T04:05:00+00:00"), (str(late), "2026-12-03T04:25:00+00:00")]  # one timeline, in order
    assert report["at"] == "2026-12-03T04:30:00+00:00"  # the newest input


def test_control_characters_of_events_are_escaped(run_cli, tmp_path):
    """An event message (written by whatever runs in the cluster) cannot drive the terminal."""
    events = (DATA / "events-wide.txt").read_text(encoding="utf-8")
    hostile = events.replace("HTTP probe failed with statuscode: 500", "HTTP probe failed \x1b]0;owned\x07\x1b[2J: 500")
    assert hostile != events
    path = tmp_path / "events.txt"
    path.write_text(hostile, encoding="utf-8")
    for fmt in ("text", "markdown"):
        r = run_cli("triage", str(path), "--at", AT, "-f", fmt)
        assert r.code in (0, 1), r
        assert "\x1b" not in r.out and "\x07" not in r.out, fmt
        assert "\\x1b]0;owned\\x07" in r.out, fmt
