"""Exported policies judged by Kubernetes itself: ``kubevet policy`` output applied to a real
kube-apiserver, then every fixture and conformance case of each exported rule created with a
server-side dry run; the API server's verdict (denied, warned, admitted) must equal
kubevet's Python verdict.

Each rule's bindings are narrowed to a namespace of its own (one more namespaceSelector
term), so the policies judge only these tests' objects and one rule's cases see one
policy. A policy the API server refuses to create, whose expressions fail to type-check,
or that errs at run time (a denial without the rule's message: a CEL cost or evaluation
error under failurePolicy Fail) fails the test.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from kubevet import api
from kubevet.config import Config
from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Source
from kubevet.policy import catalog, export
from kubevet.rules import lookup

pytestmark = pytest.mark.apiserver

TESTS = Path(__file__).resolve().parent.parent
FIXTURES = TESTS / "rules" / "fixtures"
MAPPINGS = TESTS / "conformance" / "mappings"
CONFORMANCE = TESTS / "data" / "conformance"
LABEL = "kubevet-e2e-policy"
EXPORTED = [lookup(name) for name in catalog.CATALOG]
# what a client can see of a binding's actions: Deny refuses, Warn answers a Warning header;
# Audit alone (info rules) only writes the audit log, so those are applied (they must
# compile) but their verdicts are not visible
VISIBLE = {"error": "denied", "warning": "warned"}


# the cases of tests/policy/test_policy_equivalence.py (the CEL engine proof), here judged
# by the API server instead
def objects_of(path: Path) -> list[dict]:
    return [item.data for item in read_source(Source(str(path), str(path))) if isinstance(item, K8sObject)]


@lru_cache(maxsize=1)
def conformance_files() -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for mapping in sorted(MAPPINGS.glob("*.yaml")):
        data = yaml.safe_load(mapping.read_text()) or {}
        for tool in ("polaris", "kube-linter"):
            index = yaml.safe_load((CONFORMANCE / tool / "index.json").read_text())
            for check, entry in (data.get(tool) or {}).items():
                if len(entry["rules"]) != 1 or entry.get("options"):
                    continue
                name = lookup(entry["rules"][0]).name
                out.setdefault(name, []).extend(CONFORMANCE / tool / i["file"] for i in index if i["check"] == check)
    return out


def cases(rule) -> list[tuple[str, dict]]:
    (directory,) = [d for d in FIXTURES.iterdir() if d.name == f"{rule.code}-{rule.name}"]
    files = sorted(directory.glob("*.yaml")) + conformance_files().get(rule.name, [])
    return [(str(p.relative_to(TESTS)), obj) for p in files for obj in objects_of(p)]


def python_refuses(rule, obj: dict) -> bool:
    result = api.scan_objects([obj], config=Config(select=[rule.code]))
    assert not result.crashes, result.crashes
    return any(f.rule == rule.name and not f.suppressed for f in result.findings)


class Client:
    """Dry-run creates through the official client's ApiClient, with the Warning headers."""

    def __init__(self, kube) -> None:
        self.api = kube.client
        self.plurals: dict[str, dict] = {}

    def send(self, method: str, path: str, body=None, query=None):
        request = self.api.param_serialize(method, path, query_params=query or [], body=body,
                                           header_params={"Accept": "application/json", "Content-Type": "application/json"},
                                           auth_settings=["BearerToken"])
        response = self.api.call_api(*request, _request_timeout=60)
        response.read()
        warnings = response.getheaders().getlist("Warning") if hasattr(response.getheaders(), "getlist") else []
        try:
            body = json.loads(response.data or b"{}")
        except ValueError:
            body = {}
        return response.status, body, warnings

    def path(self, obj: dict, namespace: str) -> str | None:
        api_version, kind = str(obj.get("apiVersion")), str(obj.get("kind"))
        if api_version not in self.plurals:
            base = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
            status, listing, _ = self.send("GET", base)
            self.plurals[api_version] = {r["kind"]: r for r in listing.get("resources", []) if "/" not in r["name"]} if status == 200 else {}
        found = self.plurals[api_version].get(kind)
        if found is None:
            return None
        base = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
        return f"{base}/namespaces/{namespace}/{found['name']}" if found["namespaced"] else f"{base}/{found['name']}"

    def verdict(self, obj: dict, namespace: str, code: str) -> tuple[str, str]:
        """denied / warned / admitted by the policy of rule ``code``; or invalid / other, when
        the object never reached the policy (validation, another admission plugin)."""
        path = self.path(obj, namespace)
        if path is None:
            return "other", "not served"
        status, body, warnings = self.send("POST", path, obj, [("dryRun", "All")])
        message = str(body.get("message", ""))
        if status in (200, 201):
            ours = [w for w in warnings if "ValidatingAdmissionPolicy" in w]
            return ("warned", ours[0]) if ours else ("admitted", "")
        if status == 403 and "ValidatingAdmissionPolicy" in message:
            return "denied", message
        if status in (400, 422):
            return "invalid", message
        return "other", message


def scoped(objects: list[dict], namespace: str) -> list[dict]:
    """The exported objects, each binding narrowed to ``namespace`` (by its label)."""
    for obj in objects:
        if obj["kind"] == "ValidatingAdmissionPolicyBinding":
            selector = obj["spec"].setdefault("matchResources", {}).setdefault("namespaceSelector", {})
            selector.setdefault("matchExpressions", []).append({"key": LABEL, "operator": "In", "values": [namespace]})
    return objects


@pytest.fixture(scope="module")
def policies(control_plane, kube):
    """Every exported rule's policy and bindings applied for real, each bound to its own namespace."""
    client = Client(kube)
    namespaces, applied = {}, []
    for rule in EXPORTED:
        ns = f"policy-{rule.code.lower()}"
        for body, path in (({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {LABEL: ns}}}, "/api/v1/namespaces"),
                           ({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}, f"/api/v1/namespaces/{ns}/serviceaccounts")):
            assert client.send("POST", path, body)[0] in (201, 409)
        namespaces[rule.code] = ns
        for obj in scoped(export.build(Config(select=[rule.code]), [rule]), ns):
            path = client.path(obj, "") or ""
            status, body, _ = client.send("POST", path, obj)
            assert status == 201, f"the API server refused {obj['kind']} {obj['metadata']['name']}: {body.get('message')}"
            applied.append((path, obj["metadata"]["name"]))
    yield client, namespaces
    for path, name in applied:
        client.send("DELETE", f"{path}/{name}")


def test_the_api_server_compiles_every_exported_policy(policies):
    """Creating a policy compiles its CEL and checks its estimated cost against the
    per-expression budget (a refusal there fails the fixture); what is stored is what was sent."""
    client, namespaces = policies
    for rule in EXPORTED:
        (sent,) = [o for o in export.build(Config(select=[rule.code]), [rule]) if o["kind"] == "ValidatingAdmissionPolicy"]
        status, stored, _ = client.send("GET", f"/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/{sent['metadata']['name']}")
        assert status == 200
        assert stored["spec"]["validations"] == sent["spec"]["validations"]
        assert stored["spec"]["failurePolicy"] == "Fail"


@pytest.mark.parametrize("rule", EXPORTED, ids=lambda r: f"{r.code}-{r.name}")
def test_server_verdict_equals_python_verdict(policies, rule):
    client, namespaces = policies
    ns = namespaces[rule.code]
    expected_action = VISIBLE.get(str(rule.severity))
    judged, refused, refused_anyway, disagreements, errors, skipped = 0, 0, 0, [], [], 0
    items = cases(rule)
    assert items
    first = True
    for where, obj in items:
        obj = json.loads(json.dumps(obj))
        if isinstance(obj.get("metadata"), dict) and "namespace" in obj["metadata"]:
            obj["metadata"]["namespace"] = ns
        want = python_refuses(rule, obj)
        got, message = client.verdict(obj, ns, rule.code)
        if first and want and expected_action:  # until the API server has loaded the policy
            deadline = time.monotonic() + 30
            while got == "admitted" and time.monotonic() < deadline:
                time.sleep(0.25)
                got, message = client.verdict(obj, ns, rule.code)
            first = False
        if got in ("invalid", "other"):
            refused_anyway += want and got == "invalid"
            skipped += 1  # never reached the policy: invalid for the server, or another plugin
            continue
        if got != "admitted" and rule.code not in message:
            errors.append(f"{where}: {got} without the rule's message: {message[:300]}")
        if expected_action is None:
            assert got == "admitted", f"{where}: an Audit-only binding changed the answer: {got} {message}"
            continue
        judged += 1
        refused += want
        if (got == expected_action) != want:
            meta = obj.get("metadata") or {}
            disagreements.append(f"{where}: {obj.get('kind')} {meta.get('name')}: python {'refuses' if want else 'admits'}, "
                                 f"server {got} {message[:200]}")
    assert not errors, "\n".join(errors)
    assert not disagreements, "\n".join(disagreements)
    if expected_action is not None:
        # peer fixtures are often fragments the API server refuses as invalid (no image, no
        # selector): those never reach admission. What remains must show both verdicts.
        # proc-mount-unmasked: the 1.36 API server itself refuses procMount Unmasked
        # without hostUsers: false, which the rule allows: every object it reports is invalid
        assert refused or refused_anyway, f"{rule.name}: no case the rule refuses reached the API server"
        assert judged > refused, f"{rule.name}: {judged} judged ({refused} refused), {skipped} never reached the policy"
