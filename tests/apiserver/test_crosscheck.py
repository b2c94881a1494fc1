"""kubevet's offline validation, object by object, against a real kube-apiserver's dry run.

The real corpus (17 projects' install manifests, 2,342 objects, tests/data/corpus) and the
fixtures of the rules that predict a refusal are created with server-side dry run; every
object where kubevet and the API server disagree on "created or not" must be listed in
known-differences.yaml with the reason (docs/control-plane.md explains each). A fix on
either side, or a new disagreement, fails the test until the list is brought up to date.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from apiserver import crosscheck
from conftest import REAL_FILES, ROOT, real_corpus

pytestmark = pytest.mark.apiserver

KNOWN = yaml.safe_load((Path(__file__).parent / "known-differences.yaml").read_text())
FIXTURES = ROOT / "tests" / "rules" / "fixtures"
# the fixtures of the rules whose findings predict a refusal (crosscheck.REJECTING)
FIXTURE_DIRS = ("SCH001-schema-invalid", "SCH003-object-invalid", "AVL008-selector-template-mismatch", "HYG003-label-value-invalid", "API002-api-removed")


@pytest.fixture(scope="module")
def server(kube):
    return crosscheck.Server(kube)


@pytest.fixture(scope="module")
def kube_version(control_plane):
    status, body = control_plane.get("/version")
    version = json.loads(body)
    return f"{version['major']}.{version['minor']}"


def judge(server, paths: list[Path], displays: list[str], kube_version: str) -> list[crosscheck.Case]:
    cases = []
    for path, display in zip(paths, displays):
        cases += crosscheck.load(path, display)
    crosscheck.judge_offline(paths, displays, cases, kube_version)
    try:
        crosscheck.judge_online(server, cases)
    finally:
        crosscheck.delete_crds(server, cases)
    return cases


def describe(case: crosscheck.Case) -> str:
    return f"{case.key}\n    kubevet: {case.kubevet} {case.kubevet_messages[:2]}\n    server: {case.server} {case.server_message[:300]}"


def check_known(cases: list[crosscheck.Case], known: dict) -> None:
    differ = {c.key: c for c in cases if c.comparable and not c.agrees}
    unexpected = [describe(c) for key, c in differ.items() if key not in known]
    gone = [key for key in known if key not in differ]
    assert not unexpected, "kubevet and the API server disagree (fix one, or list it with the reason):\n" + "\n".join(unexpected)
    assert not gone, f"listed as a difference but they agree now: {gone}"


def test_real_corpus_verdicts_match_the_api_server(server, kube_version):
    directory = real_corpus()
    cases = judge(server, [directory / name for name in REAL_FILES], REAL_FILES, kube_version)
    assert len(cases) == 2342
    tally = crosscheck.tally(cases)
    # every class of the comparison is populated: the test compares real verdicts
    assert tally[("accepted", "accepted")] > 1800
    assert tally[("rejected", "rejected")] + tally[("rejected", "unserved")] > 50
    assert tally[("unknown", "unserved")] > 300  # custom resources whose CRDs are not in the corpus
    check_known(cases, KNOWN["corpus"])
    # the objects refused by admission plugins that read the cluster's state, not compared
    forbidden = {c.key for c in cases if c.server == "forbidden"}
    assert forbidden == set(KNOWN["forbidden"])
    # where the server names the field it refuses, kubevet names the same one
    named = [c for c in cases if c.kubevet == "rejected" and c.server == "rejected" and crosscheck.same_field(c) is not None]
    wrong = [describe(c) + f"\n    fields: {c.kubevet_fields} vs {c.server_fields}" for c in named if not crosscheck.same_field(c)]
    assert named and not wrong, "\n".join(wrong)


@pytest.mark.parametrize("rule_dir", FIXTURE_DIRS)
def test_rule_fixtures_verdicts_match_the_api_server(server, kube_version, rule_dir):
    paths = sorted((FIXTURES / rule_dir).glob("*.yaml"))
    paths = [p for p in paths if p.name != "config.yaml"]
    cases = judge(server, paths, [f"{rule_dir}/{p.name}" for p in paths], kube_version)
    assert cases
    check_known(cases, KNOWN["fixtures"].get(rule_dir) or {})
    # the fixtures that fire make the server refuse too (the kubevet side is the rule tests')
    assert any(c.server != "accepted" for c in cases if c.file.split("/")[1].startswith("fail."))
