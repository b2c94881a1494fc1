"""Agreement with peer linters on their own test fixtures (tests/data/conformance).

Each file under mappings/ maps peer checks to the kubevet rules with the same intent:

    polaris:
      cpuRequestsMissing: {rules: [cpu-request-missing]}
    kube-linter:
      unset-cpu-requirements: {rules: [cpu-request-missing], options: {rule-name: {key: value}}}
    unmapped:
      polaris: {pullPolicyNotAlways: "why kubevet has no such rule"}
    known_differences:
      - {tool: polaris, file: tagNotSpecified/pass/1.yaml, reason: "..."}
      - {tool: kube-linter, file: x/fail/1.yaml, object: name, reason: "..."}

A Polaris verdict is per file (fail: the mapped rules report something in the file); a
kube-linter verdict is per object. Only the mapped rules run. Every disagreement must be
a listed known difference with its reason, and agreement must stay at 95% or more.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from conftest import CONFORMANCE

from kubevet.config import Config
from kubevet.engine import Engine
from kubevet.model import Source
from kubevet.rules import lookup

MAPPINGS = Path(__file__).parent / "mappings"
TOOLS = ("polaris", "kube-linter")


@lru_cache(maxsize=1)
def mapping() -> dict:
    merged: dict = {"polaris": {}, "kube-linter": {}, "unmapped": {"polaris": {}, "kube-linter": {}}, "known_differences": []}
    for f in sorted(MAPPINGS.glob("*.yaml")):
        data = yaml.safe_load(f.read_text()) or {}
        for tool in TOOLS:
            for check, entry in (data.get(tool) or {}).items():
                assert check not in merged[tool], f"{tool} {check} mapped twice ({f.name})"
                merged[tool][check] = entry
            for check, reason in ((data.get("unmapped") or {}).get(tool) or {}).items():
                merged["unmapped"][tool][check] = reason
        merged["known_differences"].extend(data.get("known_differences") or [])
    return merged


def index(tool: str) -> list[dict]:
    return json.loads((CONFORMANCE / tool / "index.json").read_text())


def _scan(tool: str, entry: dict, file: str):
    rules = [lookup(r).name for r in entry["rules"]]
    options = {lookup(k).name: dict(v) for k, v in (entry.get("options") or {}).items()}
    config = Config(select=rules, options=options)
    path = CONFORMANCE / tool / file
    return Engine(config).scan([Source(str(path), str(path))]).findings


def verdicts():
    """(tool, file, object-name or None, expected, got) for every mapped fixture unit."""
    out = []
    m = mapping()
    for tool in TOOLS:
        for item in index(tool):
            entry = m[tool].get(item["check"])
            if entry is None:
                continue
            findings = _scan(tool, entry, item["file"])
            if tool == "polaris":
                out.append((tool, item["file"], None, item["expect"], "fail" if findings else "pass"))
                continue
            for obj in item["objects"]:
                hit = any(
                    f.obj is not None
                    and f.obj.kind == obj["kind"]
                    and f.obj.name == obj.get("name")
                    and (obj.get("namespace") in (None, f.obj.namespace))
                    for f in findings
                )
                out.append((tool, item["file"], obj.get("name"), obj["expect"], "fail" if hit else "pass"))
    return out


@lru_cache(maxsize=1)
def _verdicts():
    return verdicts()


def _known() -> dict[tuple, str]:
    return {(k["tool"], k["file"], k.get("object")): k["reason"] for k in mapping()["known_differences"]}


def test_mapped_rules_exist():
    for tool in TOOLS:
        for check, entry in mapping()[tool].items():
            for name in entry["rules"]:
                lookup(name)  # raises KeyError for an unknown rule


def test_every_disagreement_is_a_known_difference():
    known = _known()
    unexplained = [v for v in _verdicts() if v[3] != v[4] and (v[0], v[1], v[2]) not in known]
    assert not unexplained, "\n".join(f"{t} {f} {o or ''}: expected {e}, kubevet says {g}" for t, f, o, e, g in unexplained)


def test_known_differences_are_still_different_and_explained():
    observed = {(t, f, o) for t, f, o, e, g in _verdicts() if e != g}
    for key, reason in _known().items():
        assert reason and len(reason) > 20, f"{key}: give a reason"
        assert key in observed, f"{key} is listed as a known difference but kubevet now agrees"


def test_agreement_is_at_least_95_percent():
    results = _verdicts()
    assert results
    agree = sum(1 for v in results if v[3] == v[4])
    assert agree / len(results) >= 0.95, f"{agree}/{len(results)}"


@pytest.mark.parametrize("tool", TOOLS)
def test_every_peer_check_is_mapped_or_explained(tool):
    m = mapping()
    checks = {item["check"] for item in index(tool)}
    missing = sorted(c for c in checks if c not in m[tool] and c not in m["unmapped"][tool])
    assert not missing, f"{tool} checks with neither a mapping nor a reason: {missing}"
    for check, reason in m["unmapped"][tool].items():
        assert isinstance(reason, str) and len(reason) > 20, f"{tool} {check}: give a reason"
