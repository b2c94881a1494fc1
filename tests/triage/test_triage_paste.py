"""A paste reads as the original, and JSON as YAML: every events table (namespaced, -o wide,
-A, -A -o wide built here) with its columns collapsed to single spaces or turned into tabs,
and every describe output with its indentation lost (and collapsed too) or its runs of
spaces turned into tabs, gives exactly the signals of the original: same line, reason,
object, count, message, times, node and fields."""

from __future__ import annotations

import re

import pytest
from triage_helpers import AT, DATA, ROOT

from kubevet.triage.parsers import detect


def collapse(text: str) -> str:
    return "\n".join(re.sub(r" +", " ", line) for line in text.splitlines()) + "\n"


def tabs(text: str) -> str:
    """A paste through a tool that turns runs of spaces into tabs (a spreadsheet, some chats)."""
    return "\n".join(re.sub(r"  +", "\t", line) for line in text.splitlines()) + "\n"


def dedent(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines()) + "\n"


def read(text: str):
    parts = detect.parse(text, "in.txt", AT)
    signals = [(s.loc.line, s.source, s.reason, s.obj and (s.obj.kind, s.obj.namespace, s.obj.name), s.count,
                s.message, s.first, s.last, s.host, s.component, sorted((k, str(v)) for k, v in s.fields.items()))
               for p in parts for s in p.signals]
    return [p.kind for p in parts], signals, [u.loc.line for p in parts for u in p.unparsed]


def all_namespaces_wide() -> str:
    """`kubectl get events -A -o wide`: the wide table with a NAMESPACE column in front."""
    lines = (DATA / "events-wide.txt").read_text().splitlines()
    rows = [f"{'web' if i % 2 else 'kube-system':<12}{line}" for i, line in enumerate(lines[1:])]
    return "\n".join([f"{'NAMESPACE':<12}{lines[0]}", *rows]) + "\n"


TABLES = {
    "namespaced": (DATA / "events-namespaced.txt").read_text(),
    "wide": (DATA / "events-wide.txt").read_text(),
    "all-namespaces-sorted": (ROOT / "examples/incident/events.txt").read_text(),
    "all-namespaces-wide": all_namespaces_wide(),
}
DESCRIBES = {
    "node": (ROOT / "examples/incident/describe-node.txt").read_text(),
    "pod": (ROOT / "examples/incident/describe-catalog.txt").read_text(),
    "workloads": (DATA / "describe-workloads.txt").read_text(),
}


@pytest.mark.parametrize("name", sorted(TABLES))
@pytest.mark.parametrize("paste", [collapse, tabs], ids=["collapsed", "tabs"])
def test_a_collapsed_events_table_reads_as_the_aligned_one(name, paste):
    aligned = read(TABLES[name])
    assert aligned[0] == ["events-table"] and aligned[1] and aligned[2] == []
    assert read(paste(TABLES[name])) == aligned


def test_the_namespace_column_is_read_in_the_wide_table():
    kinds, signals, _ = read(collapse(all_namespaces_wide()))
    namespaces = {s[3][1] for s in signals if s[3] and s[3][0] == "Pod"}
    assert namespaces == {"web", "kube-system"}
    probe = next(s for s in signals if s[2] == "Unhealthy" and s[5].startswith("Readiness"))
    assert (probe[8], probe[9], probe[4]) == ("worker-1", "kubelet", 27)  # SOURCE "kubelet, worker-1" split right


@pytest.mark.parametrize("name", sorted(DESCRIBES))
@pytest.mark.parametrize("paste", [dedent, lambda t: collapse(dedent(t)), tabs],
                         ids=["lost-indentation", "and-collapsed", "tabs"])
def test_a_describe_without_its_indentation_reads_as_the_original(name, paste):
    original = read(DESCRIBES[name])
    assert original[1] and original[2] == []
    assert read(paste(DESCRIBES[name])) == original


def _same_but_lines(text: str):
    parts = detect.parse(text, "in.txt", AT)
    return sorted((s.source, s.reason, s.obj and (s.obj.kind, s.obj.namespace, s.obj.name), s.count, s.message,
                   s.first, s.last, s.host, s.component,
                   str(sorted((k, str(v)) for k, v in s.fields.items() if not k.endswith("_line"))))
                  for p in parts for s in p.signals), [u.loc.line for p in parts for u in p.unparsed]


@pytest.mark.parametrize("name", ["pods.json", "nodes.yaml", "events-v1.json", "events-events.k8s.io.yaml"])
def test_json_and_yaml_of_the_same_output_read_alike(name):
    """`-o json` and `-o yaml` of the same objects give the same signals (but their lines)."""
    import json

    import yaml

    text = (DATA / name).read_text()
    data = yaml.safe_load(text)
    other = yaml.safe_dump(data) if name.endswith(".json") else json.dumps(data, indent=4)
    signals, unparsed = _same_but_lines(text)
    assert signals and unparsed == []
    assert _same_but_lines(other) == (signals, [])
