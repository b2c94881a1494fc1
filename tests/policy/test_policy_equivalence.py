"""The proof that an exported policy means what its Python rule means.

For every exported rule, its ValidatingAdmissionPolicy is evaluated with a real CEL engine
(kubevet.policy.evaluate, on the Rust cel crate) on every object of the rule's fixtures
(tests/rules/fixtures/<CODE>-<name>/) and of the peer conformance cases mapped to that rule
alone (tests/conformance/mappings, files under tests/data/conformance), and the verdict
must equal the Python rule's: the object is refused exactly when the rule reports it.
Objects of API versions no 1.30+ API server serves (batch/v1beta1 ...) never reach
admission and are left out.
A rule in the catalog with no fixture that fails is an error: its proof would be empty.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from kubevet import api
from kubevet.config import Config
from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Source
from kubevet.policy import catalog, evaluate, export
from kubevet.rules import lookup

TESTS = Path(__file__).resolve().parent.parent
FIXTURES = TESTS / "rules" / "fixtures"
MAPPINGS = TESTS / "conformance" / "mappings"
CONFORMANCE = TESTS / "data" / "conformance"


def objects_of(path: Path) -> list[dict]:
    return [item.data for item in read_source(Source(str(path), str(path))) if isinstance(item, K8sObject)]


def fixture_files(rule) -> list[Path]:
    (directory,) = [d for d in FIXTURES.iterdir() if d.name == f"{rule.code}-{rule.name}"]
    assert not (directory / "config.yaml").exists(), "exported rules are proven with their default options"
    return sorted(directory.glob("*.yaml"))


@lru_cache(maxsize=1)
def conformance_files() -> dict[str, list[Path]]:
    """Rule name -> the peer fixture files of the checks mapped to that rule alone, with its defaults."""
    out: dict[str, list[Path]] = {}
    for mapping in sorted(MAPPINGS.glob("*.yaml")):
        data = yaml.safe_load(mapping.read_text()) or {}
        for tool in ("polaris", "kube-linter"):
            index = yaml.safe_load((CONFORMANCE / tool / "index.json").read_text())
            for check, entry in (data.get(tool) or {}).items():
                if len(entry["rules"]) != 1 or entry.get("options"):
                    continue
                name = lookup(entry["rules"][0]).name
                for item in index:
                    if item["check"] == check:
                        out.setdefault(name, []).append(CONFORMANCE / tool / item["file"])
    return out


def served_by_1_30(obj: dict) -> bool:
    """Whether an API server of 1.30 (the first with v1 policies) or later serves the object's
    API version: one it stopped serving (batch/v1beta1 CronJob) never reaches admission."""
    from kubevet.schema.lifecycle import lookup as lifecycle

    found = lifecycle(str(obj.get("apiVersion")), str(obj.get("kind")))
    return found is None or not found.removed_at((1, 30))


def python_refuses(rule, obj: dict, config: Config) -> bool:
    result = api.scan_objects([obj], config=config)
    assert not result.crashes, result.crashes
    return any(f.rule == rule.name and not f.suppressed for f in result.findings)


EXPORTED = [lookup(name) for name in catalog.CATALOG]


@pytest.mark.parametrize("rule", EXPORTED, ids=lambda r: f"{r.code}-{r.name}")
def test_cel_verdict_equals_python_verdict(rule):
    config = Config(select=[rule.code])
    (policy,) = [o for o in export.build(config, [rule]) if o["kind"] == "ValidatingAdmissionPolicy"]
    files = fixture_files(rule) + conformance_files().get(rule.name, [])
    refused = judged = 0
    disagreements = []
    for path in files:
        for obj in objects_of(path):
            if not served_by_1_30(obj):
                continue
            want = python_refuses(rule, obj, config)
            outcome = evaluate.admit(policy, obj)
            judged += 1
            refused += want
            if (not outcome.allowed) != want:
                meta = obj.get("metadata") or {}
                disagreements.append(f"{path.relative_to(TESTS)}: {obj.get('kind')} {meta.get('name')}: "
                                     f"python {'refuses' if want else 'admits'}, CEL {outcome}")
    assert not disagreements, "\n".join(disagreements)
    assert refused > 0 and judged > refused, f"{rule.name}: the fixtures must refuse some objects and admit others"


def test_every_object_rule_is_exported_or_says_why_not():
    for r, ok, why in export.listing():
        assert ok or why, r.name
        if ok:
            assert r.name in catalog.CATALOG


def pod(name, namespace="default", annotations=None, template_annotations=None, containers=None):
    meta = {"name": name, "namespace": namespace}
    if annotations:
        meta["annotations"] = annotations
    template_meta = {"labels": {"app": name}}
    if template_annotations:
        template_meta["annotations"] = template_annotations
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
        "spec": {"selector": {"matchLabels": {"app": name}}, "template": {"metadata": template_meta, "spec": {
            "containers": containers or [{"name": "app", "image": "x:1", "securityContext": {"privileged": True}},
                                         {"name": "side", "image": "y:1"}]}}},
    }


def test_suppression_annotations_and_exemptions_become_match_conditions(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "select: [privileged-container]\n"
        "exemptions:\n"
        "  - reason: the legacy agents are being replaced\n"
        "    rules: [privileged-container]\n"
        "    namespaces: ['legacy-*', 'ops?']\n"
        "    kinds: [Deployment]\n"
        "    names: ['agent-*']\n"
    )
    config = api.load_config(tmp_path / "c.yaml")
    rule = lookup("privileged-container")
    (policy,) = [o for o in export.build(config, [rule]) if o["kind"] == "ValidatingAdmissionPolicy"]
    cases = [
        pod("web"),
        pod("agent-1", "legacy-x"),
        pod("agent-1", "ops1"),
        pod("agent-1", "ops12"),
        pod("web", "legacy-x"),
        pod("web", annotations={"kubevet.io/ignore": "SEC001", "kubevet.io/ignore-reason": "r"}),
        pod("web", template_annotations={"kubevet.io/ignore": "cpu-request-missing, privileged-container"}),
        pod("web", annotations={"kubevet.io/ignore": "all"}),
        pod("web", annotations={"kubevet.io/ignore.app": "privileged-container"}),
        pod("web", annotations={"kubevet.io/ignore.side": "privileged-container"}),
        pod("web", annotations={"kubevet.io/ignore": "host-network"}),
    ]
    verdicts = []
    for obj in cases:
        want = python_refuses(rule, obj, config)
        got = not evaluate.admit(policy, obj).allowed
        assert got == want, obj["metadata"]
        verdicts.append(got)
    assert verdicts == [True, False, False, True, True, False, False, False, False, True, True]
    message = evaluate.admit(policy, pod("web")).messages
    assert message == ["SEC001 privileged-container: container(s) app runs privileged (fix: "
                       f"{rule.help})"]
