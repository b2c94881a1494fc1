"""Opinions are information, facts are warnings: a warning names a failure that can happen.

docs/severities.md gives the reason for every rule rated warning; these tests pin the
ratings that issue 11 changed and the promise that a best-practice namespace is clean.
"""

from __future__ import annotations

from conftest import ROOT, lint

from kubevet.config import Config
from kubevet.engine import Engine
from kubevet.findings import Severity
from kubevet.loading.discover import discover
from kubevet.rules import all_rules, lookup

PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
"""

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  serviceAccountName: web
  serviceAccount: %s
  containers: [{name: web, image: "nginx:1.27"}]
"""


def test_an_unset_field_with_a_safe_default_is_information():
    assert lookup("pdb-policy-missing").severity is Severity.INFO
    assert [f.severity for f in lint(PDB, "pdb-policy-missing")] == [Severity.INFO]
    # no failure follows from a missing CPU limit while the request is set
    assert lookup("cpu-limit-missing").severity is Severity.INFO


def test_the_deprecated_service_account_field_warns_only_when_it_is_ignored():
    same = lint(POD % "web", "deprecated-service-account-field")
    assert [f.severity for f in same] == [Severity.INFO]
    other = lint(POD % "admin", "deprecated-service-account-field")
    assert [f.severity for f in other] == [Severity.WARNING]
    assert "'admin' is ignored" in other[0].message


def test_a_best_practice_namespace_has_no_warning_even_with_every_rule():
    sources, problems = discover([str(ROOT / "examples" / "fixed")])
    result = Engine(Config(select=["ALL"])).scan(sources, problems)
    assert result.objects >= 20 and not result.crashes
    assert [f for f in result.findings if f.severity >= Severity.WARNING] == []


def test_every_warning_rule_has_its_reason_in_the_docs():
    text = (ROOT / "docs" / "severities.md").read_text(encoding="utf-8")
    for r in all_rules():
        if r.severity is Severity.WARNING:
            assert f"`{r.name}`" in text, f"docs/severities.md does not say why {r.name} is a warning"
