"""Every risk check on a pair of real-looking manifests (tests/diff/pairs/<check>/{old,new}.yaml)."""

import os

import diffkit
import pytest

kubevet, diff_json = diffkit.kubevet, diffkit.diff_json  # fixtures

from kubevet.diff.risks import CHECKS, CLASSES

PAIRS = os.path.join(os.path.dirname(__file__), "pairs")

# pair -> the (check, severity, line in new.yaml or old.yaml) it must report, besides the
# rollout-restart that a pod template change brings
EXPECT = {
    "selector-changed": {("selector-changed", "error", 11)},
    "statefulset-immutable-field": {
        ("statefulset-immutable-field", "error", 7),  # serviceName
        ("statefulset-immutable-field", "error", 9),  # podManagementPolicy
        ("statefulset-immutable-field", "error", 25),  # volumeClaimTemplates
    },
    "job-template-changed": {("job-template-changed", "error", 8)},
    "service-cluster-ip-changed": {("service-cluster-ip-changed", "error", 8)},
    "pvc-immutable-field": {("pvc-immutable-field", "error", 8), ("pvc-immutable-field", "error", 11)},
    "data-removed": {("data-removed", "error", 1)},  # on OLD: NEW has no such object
    "pdb-removed": {("pdb-removed", "warning", 1)},
    "pdb-loosened": {("pdb-loosened", "warning", 7)},
    "replicas-reduced": {("replicas-reduced", "warning", 10)},
    "max-unavailable-raised": {("max-unavailable-raised", "warning", 18)},
    "strategy-recreate": {("strategy-recreate", "warning", 15)},
    "workload-kind-changed": {("workload-kind-changed", "warning", 2)},
    "probe-removed": {("probe-removed", "warning", 28)},
    "liveness-stricter": {("liveness-stricter", "warning", 41)},
    "resources-removed": {("resources-removed", "error", 43), ("resources-removed", "warning", 43)},
    "memory-limit-lowered": {("memory-limit-lowered", "error", 45)},
    "quota-exceeded": {("quota-exceeded", "error", 7)},
    "rbac-widened": {("rbac-widened", "error", 22)},
    "security-context-weakened": {("security-context-weakened", "error", 47), ("security-context-weakened", "error", 48)},
    "host-access-added": {("host-access-added", "error", 27), ("host-access-added", "error", 30)},
    "network-policy-opened": {("network-policy-opened", "warning", 10)},
    "service-exposed": {("service-exposed", "warning", 7)},
    "rollout-restart": {("rollout-restart", "info", 19)},
}


def test_every_check_has_a_pair_and_docs():
    assert {c.name for c in CHECKS} == set(EXPECT)
    for c in CHECKS:
        assert c.risk_class in CLASSES
        assert c.doc and c.hint.endswith("."), c.name


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_pair(diff_json, name):
    old, new = os.path.join(PAIRS, name, "old.yaml"), os.path.join(PAIRS, name, "new.yaml")
    code, report = diff_json(old, new, "--no-findings")
    found = {(r["check"], r["severity"], r["line"]) for r in report["risks"] if r["check"] != "rollout-restart" or name == "rollout-restart"}
    assert found == EXPECT[name]
    for r in report["risks"]:
        assert r["file"] == (new if r["side"] == "new" else old)
        assert r["hint"]
    blocking = any(s == "error" for _, s, _ in EXPECT[name])
    assert code == (1 if blocking else 0)
    # a side against itself: nothing changed, nothing risky
    code, same = diff_json(new, new, "--no-findings")
    assert (code, same["risks"], same["objects"]) == (0, [], [])


def test_evidence_old_and_new(diff_json):
    _, report = diff_json(os.path.join(PAIRS, "memory-limit-lowered", "old.yaml"), os.path.join(PAIRS, "memory-limit-lowered", "new.yaml"), "--no-findings")
    risk = next(r for r in report["risks"] if r["check"] == "memory-limit-lowered")
    assert risk["evidence"] == {"old": "1Gi", "new": "256Mi"}
    assert risk["class"] == "capacity"
    restart = next(r for r in report["risks"] if r["check"] == "rollout-restart")
    assert "restarts 3 pods" in restart["message"]


def test_fail_on_warning_blocks_warnings(diff_json):
    pair = os.path.join(PAIRS, "replicas-reduced")
    assert diff_json(f"{pair}/old.yaml", f"{pair}/new.yaml", "--no-findings")[0] == 0
    assert diff_json(f"{pair}/old.yaml", f"{pair}/new.yaml", "--no-findings", "--fail-on", "warning")[0] == 1


def test_liveness_now_equal_to_readiness(diff_json, tmp_path):
    old = open(os.path.join(PAIRS, "rollout-restart", "old.yaml")).read()
    new = old.replace("""          livenessProbe:
            httpGet: {path: /livez, port: http}
            timeoutSeconds: 3
            failureThreshold: 6
""", """          livenessProbe:
            httpGet: {path: /readyz, port: http}
            periodSeconds: 5
""")
    (tmp_path / "old.yaml").write_text(old)
    (tmp_path / "new.yaml").write_text(new)
    _, report = diff_json(tmp_path / "old.yaml", tmp_path / "new.yaml", "--no-findings")
    messages = [r["message"] for r in report["risks"] if r["check"] == "liveness-stricter"]
    assert any("same as its readiness probe" in m for m in messages)
    assert any("failureThreshold 6 -> 3" in m for m in messages)
