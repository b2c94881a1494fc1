"""kubevet serve judging real HTTPS AdmissionReviews: verdicts, warnings, UPDATE, dryRun,
sub-resources, modes, context, deletion guard, operations endpoints and logs.

The configuration selects a handful of rules so that every response can be asserted whole.
"""

from __future__ import annotations

import copy

import pytest
import serve_helpers
from serve_helpers import admission_review

start = serve_helpers.start  # the fixture that runs kubevet serve

CONFIG = """\
select: [cpu-request-missing, cpu-limit-missing, privileged-container, pdb-missing]
rules:
  cpu-limit-missing: {severity: warning}  # info by default, and info findings are not sent
serve:
  namespaces:
    sandbox: "off"
    legacy-*: warn
  deletion-guard:
    kinds: [PersistentVolumeClaim, Namespace, Secret, CustomResourceDefinition]
    namespaces: [shop, prod]
    users: [ops-admin]
    groups: [platform-admins]
"""

CONTEXT = """\
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
  labels:
    kubevet.io/mode: warn
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: api, namespace: shop}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: api}}
"""

PRIV = "SEC001 privileged-container: spec.template.spec.containers[name=app].securityContext.privileged: container 'app' runs privileged"
FIX_CPU = "Request the CPU the container needs at its usual load (measure it, e.g. with `kubectl top`)."


def deployment(name="web", namespace="shop", cpu_request=True, cpu_limit=True, replicas=1, app=None, privileged=False):
    resources = {}
    if cpu_request:
        resources.setdefault("requests", {})["cpu"] = "100m"
    if cpu_limit:
        resources.setdefault("limits", {})["cpu"] = "500m"
    container = {"name": "app", "image": "registry.example/app:1.2.3"}
    if resources:
        container["resources"] = resources
    if privileged:
        container["securityContext"] = {"privileged": True}
    labels = {"app": app or name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "uid": "a1b2", "resourceVersion": "1"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


@pytest.fixture
def server(start):
    return start(["--config", ".kubevet.yaml", "--context", "context"], files={".kubevet.yaml": CONFIG, "context/guardrails.yaml": CONTEXT})


def response(uid, allowed=True, **extra):
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": {"uid": uid, "allowed": allowed, **extra}}


def test_clean_create_is_allowed(server):
    review = admission_review("CREATE", deployment())
    assert server.review(review) == response(review["request"]["uid"])


def test_error_denies_with_code_path_message_and_fix_and_warning_is_returned(server):
    review = admission_review("CREATE", deployment(cpu_request=False, cpu_limit=False))
    uid = review["request"]["uid"]
    message = (
        "kubevet denied Deployment shop/web: RES001 cpu-request-missing at "
        "spec.template.spec.containers[name=app]: container 'app' has no CPU request "
        f"(fix: {FIX_CPU})"
    )
    assert server.review(review) == response(
        uid,
        False,
        status={"code": 403, "reason": "Forbidden", "message": message},
        warnings=["RES004 cpu-limit-missing: spec.template.spec.containers[name=app]: container 'app' has no CPU limit"],
    )


def test_warnings_alone_allow(server):
    review = admission_review("CREATE", deployment(cpu_limit=False))
    assert server.review(review) == response(
        review["request"]["uid"],
        warnings=["RES004 cpu-limit-missing: spec.template.spec.containers[name=app].resources: container 'app' has no CPU limit"],
    )


def test_object_without_namespace_lands_in_the_request_namespace(server):
    """On CREATE the object often names no namespace; the request's decides (here the one
    whose PodDisruptionBudget in the context covers app=api)."""
    obj = deployment(replicas=3, app="api")
    del obj["metadata"]["namespace"]
    review = admission_review("CREATE", obj, namespace="shop")
    assert server.review(review) == response(review["request"]["uid"])
    review = admission_review("CREATE", obj, namespace="other")
    out = server.review(review)["response"]
    assert out["allowed"] is False
    assert out["status"]["message"].startswith(
        "kubevet denied Deployment other/web: AVL001 pdb-missing at spec.replicas: it runs 3 replicas, "
        "but no PodDisruptionBudget in namespace 'other' selects its pods"
    )


def test_update_keeps_existing_findings_as_warnings_and_denies_new_ones(server):
    old = deployment(privileged=True)
    new = copy.deepcopy(old)
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "frontend"  # an unrelated change
    review = admission_review("UPDATE", new, old)
    assert server.review(review) == response(review["request"]["uid"], warnings=[f"{PRIV} (already there before this change)"])
    worse = copy.deepcopy(new)
    del worse["spec"]["template"]["spec"]["containers"][0]["resources"]
    review = admission_review("UPDATE", worse, old)
    message = (
        "kubevet denied Deployment shop/web: RES001 cpu-request-missing at "
        f"spec.template.spec.containers[name=app]: container 'app' has no CPU request (fix: {FIX_CPU})"
    )
    assert server.review(review) == response(
        review["request"]["uid"], False,
        status={"code": 403, "reason": "Forbidden", "message": message},
        warnings=[
            f"{PRIV} (already there before this change)",
            "RES004 cpu-limit-missing: spec.template.spec.containers[name=app]: container 'app' has no CPU limit",
        ],
    )


def test_update_existing_findings_deny_when_configured(start):
    config = CONFIG.replace("serve:\n", "serve:\n  existing-findings: deny\n")
    server = start(["--config", "c.yaml"], files={"c.yaml": config})
    old = deployment(privileged=True)
    review = admission_review("UPDATE", copy.deepcopy(old), old)
    out = server.review(review)["response"]
    assert out["allowed"] is False and out["status"]["code"] == 403
    assert out["status"]["message"].startswith("kubevet denied Deployment shop/web: SEC001 privileged-container at")


def test_dry_run_is_judged_but_not_counted_as_enforcement(server):
    bad = deployment(privileged=True)
    review = admission_review("CREATE", bad, dry_run=True)
    out = server.review(review)["response"]
    assert out["allowed"] is False and out["uid"] == review["request"]["uid"]
    assert server.metric("kubevet_admission_denials_total") == 0
    assert server.metric("kubevet_admission_requests_total", dry_run="true", verdict="denied") == 1
    server.review(admission_review("CREATE", bad))
    assert server.metric("kubevet_admission_denials_total", kind="Deployment", reason="findings") == 1
    lines = server.log_lines()
    assert [line["dryRun"] for line in lines] == [True, False]


def test_subresources_and_kinds_without_rules_are_allowed_at_once(server):
    bad = deployment(privileged=True)
    for sub in ("status", "scale"):
        review = admission_review("UPDATE", bad, bad, sub_resource=sub)
        assert server.review(review) == response(review["request"]["uid"])
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "shop"}, "data": {"a": "b"}}
    review = admission_review("CREATE", cm)
    assert server.review(review) == response(review["request"]["uid"])
    assert [line["reason"] for line in server.log_lines()] == ["subresource", "subresource", "no-rules"]


def test_pods_of_a_controller_get_warnings_not_denials(server):
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d4", "uid": "u", "controller": True}]},
        "spec": {"containers": [{"name": "app", "image": "registry.example/app:1.2.3", "resources": {"limits": {"cpu": "1"}},
                                 "securityContext": {"privileged": True}}]},
    }
    review = admission_review("CREATE", pod)
    assert server.review(review) == response(
        review["request"]["uid"],
        warnings=["SEC001 privileged-container: spec.containers[name=app].securityContext.privileged: container 'app' runs privileged"],
    )
    del pod["metadata"]["ownerReferences"]
    assert server.review(admission_review("CREATE", pod))["response"]["allowed"] is False


@pytest.mark.parametrize(
    "namespace, expected_mode",
    [("shop", "enforce"), ("legacy-billing", "warn"), ("team-a", "warn"), ("sandbox", "off")],
)
def test_modes_per_namespace_from_config_and_namespace_label(server, namespace, expected_mode):
    review = admission_review("CREATE", deployment(namespace=namespace, privileged=True))
    uid = review["request"]["uid"]
    out = server.review(review)
    if expected_mode == "enforce":
        assert out["response"]["allowed"] is False
    elif expected_mode == "warn":
        assert out == response(uid, warnings=[PRIV])
    else:
        assert out == response(uid)
    assert server.log_lines()[-1]["mode"] == expected_mode


def test_context_is_reloaded_when_its_files_change(server):
    review = lambda: admission_review("CREATE", deployment(name="cart", replicas=2))  # noqa: E731
    assert server.review(review())["response"]["allowed"] is False  # no PDB selects app=cart
    pdb = "\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: cart, namespace: shop}\n" \
          "spec: {maxUnavailable: 1, selector: {matchLabels: {app: cart}}}\n"
    path = server.dir / "context" / "guardrails.yaml"
    path.write_text(path.read_text() + pdb)
    deadline_reviews = 400  # polled, bounded: the server checks every 0.2 s
    for _ in range(deadline_reviews):
        if server.review(review())["response"]["allowed"]:
            break
        import time

        time.sleep(0.05)
    else:
        raise AssertionError("the context was not reloaded:\n" + server.logs())
    assert server.metric("kubevet_reloads_total", what="context", outcome="reloaded") >= 1


def pvc(name="data", namespace="shop", annotations=None):
    meta = {"name": name, "namespace": namespace}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta,
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}


def test_deletion_guard(server):
    refused = admission_review("DELETE", None, pvc(), user="cleanup-job")
    uid = refused["request"]["uid"]
    assert server.review(refused) == response(uid, False, status={
        "code": 403, "reason": "Forbidden",
        "message": "kubevet deletion guard: deleting PersistentVolumeClaim shop/data is refused; annotate it "
                   "kubevet.io/allow-delete=true first (kubectl annotate) if the deletion is intended",
    })
    cases = [
        admission_review("DELETE", None, pvc(annotations={"kubevet.io/allow-delete": "true"}), user="cleanup-job"),
        admission_review("DELETE", None, pvc(), user="ops-admin"),
        admission_review("DELETE", None, pvc(), user="someone", groups=["system:authenticated", "platform-admins"]),
        admission_review("DELETE", None, pvc(namespace="dev"), user="cleanup-job"),  # not a guarded namespace
        admission_review("DELETE", None, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "shop"}}),
    ]
    for review in cases:
        assert server.review(review) == response(review["request"]["uid"])
    ns = admission_review("DELETE", None, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}, user="cleanup-job")
    assert server.review(ns)["response"]["status"]["message"].startswith("kubevet deletion guard: deleting Namespace prod is refused")
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "widgets.example.com"}}
    assert server.review(admission_review("DELETE", None, crd))["response"]["allowed"] is False
    # every delete is logged with its user; guarded ones with the decision
    lines = [line for line in server.log_lines() if line["operation"] == "DELETE"]
    assert [(line["user"], line["verdict"], line["audit"].get("allowedBy")) for line in lines] == [
        ("cleanup-job", "denied", None),
        ("cleanup-job", "allowed", "annotation kubevet.io/allow-delete"),
        ("ops-admin", "allowed", "user ops-admin"),
        ("someone", "allowed", "group platform-admins"),
        ("cleanup-job", "allowed", None),
        ("jane", "allowed", None),
        ("cleanup-job", "denied", None),
        ("jane", "denied", None),
    ]
    assert [line["audit"]["guarded"] for line in lines] == [True, True, True, True, False, False, True, True]
    assert server.metric("kubevet_deletion_guard_total", kind="PersistentVolumeClaim", decision="refused") == 1
    assert server.metric("kubevet_deletion_guard_total", kind="PersistentVolumeClaim", decision="allowed") == 3


def test_operations_endpoints_and_json_logs(server):
    assert server.get("/healthz") == (200, "ok\n")
    assert server.get("/readyz") == (200, "ready\n")
    server.review(admission_review("CREATE", deployment(cpu_request=False, cpu_limit=False)))
    server.review(admission_review("CREATE", deployment()))
    status, text = server.get("/metrics")
    assert status == 200
    for name in ("kubevet_admission_requests_total", "kubevet_admission_duration_seconds_bucket",
                 "kubevet_rule_hits_total", "kubevet_admission_denials_total"):
        assert name in text
    assert server.metric("kubevet_admission_requests_total", kind="Deployment", verdict="denied", mode="enforce") == 1
    assert server.metric("kubevet_admission_requests_total", kind="Deployment", verdict="allowed", mode="enforce") == 1
    assert server.metric("kubevet_rule_hits_total", rule="cpu-limit-missing", severity="warning") == 1
    assert server.metric("kubevet_admission_duration_seconds_count", operation="CREATE") == 2
    denied, allowed = server.log_lines()
    assert set(denied) >= {"time", "level", "uid", "operation", "kind", "namespace", "name", "user", "mode",
                           "verdict", "findings", "durationMs", "dryRun"}
    assert (denied["kind"], denied["namespace"], denied["name"], denied["user"], denied["verdict"]) == (
        "Deployment", "shop", "web", "jane", "denied")
    assert [f["code"] for f in denied["findings"]] == ["RES001", "RES004"]
    assert allowed["verdict"] == "allowed" and allowed["findings"] == []


def test_many_warnings_are_kept_within_the_api_servers_limits(server):
    obj = deployment(cpu_limit=False)
    containers = obj["spec"]["template"]["spec"]["containers"]
    base = containers[0]
    containers[:] = [{**base, "name": f"sidecar-with-a-rather-long-name-number-{i:03d}"} for i in range(60)]
    out = server.review(admission_review("CREATE", obj))["response"]
    warnings = out["warnings"]
    assert out["allowed"] is True
    assert all(len(w) <= 256 for w in warnings)
    assert sum(len(w) for w in warnings) <= 4096
    shown = len(warnings) - 1
    assert warnings[-1] == f"kubevet: {60 - shown} more warnings not shown (kubevet scan lists them all)"
    assert warnings[0].startswith("RES004 cpu-limit-missing: spec.template.spec.containers[name=sidecar-with-a-rather-long-name-number-000]")


def test_default_mode_from_config_and_the_admitted_namespaces_own_label(start):
    """serve.mode sets the mode of namespaces nothing else names; a Namespace being admitted
    is judged in the mode its own label gives (the context does not know it yet)."""
    config = CONFIG.replace("serve:\n", "serve:\n  mode: warn\n").replace("select: [", "select: [label-value-invalid, ")
    server = start(["--config", "c.yaml"], files={"c.yaml": config})
    review = admission_review("CREATE", deployment(namespace="anywhere", privileged=True))
    assert server.review(review) == response(review["request"]["uid"], warnings=[PRIV])
    namespace = {"apiVersion": "v1", "kind": "Namespace",
                 "metadata": {"name": "fresh", "labels": {"kubevet.io/mode": "enforce", "team": "-bad-"}}}
    review = admission_review("CREATE", namespace)
    out = server.review(review)["response"]
    assert out["allowed"] is False, out
    assert out["status"]["message"].startswith("kubevet denied Namespace fresh: HYG003 label-value-invalid at metadata.labels.team: ")
    namespace["metadata"]["labels"]["kubevet.io/mode"] = "off"
    review = admission_review("CREATE", namespace)
    assert server.review(review) == response(review["request"]["uid"])
    assert [line["mode"] for line in server.log_lines()] == ["warn", "enforce", "off"]


def test_a_new_namespace_is_admitted_with_what_it_cannot_hold_yet_as_warnings(start):
    """Creating a Namespace cannot satisfy the rules about what is in it (its quota,
    LimitRange and default-deny policy come after it): warnings, not a denial, even in
    enforce mode; its own mistakes still deny. Once it exists, an UPDATE finds them
    already there."""
    server = start(["--no-config"])
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}
    review = admission_review("CREATE", namespace)
    later = " (not denied: a new namespace cannot hold it yet; create it next)"
    out = server.review(review)
    assert out["response"]["allowed"] is True, out
    # the two directions without a default-deny policy are one cause (kubevet.groups)
    assert sorted(w.split(":")[0] for w in out["response"]["warnings"]) == [
        "GRP005 network-isolation-missing (NET001)", "NSG001 namespace-quota-missing", "NSG002 namespace-limitrange-missing"]
    assert all(w.endswith(later) for w in out["response"]["warnings"])
    assert out["response"]["warnings"][0].startswith(
        "GRP005 network-isolation-missing (NET001): metadata.name: namespace 'demo' is not isolated: "
        "no default-deny NetworkPolicy (Egress and Ingress)")
    labelled = {**namespace, "metadata": {"name": "demo", "labels": {"team": "shop"}}}
    out = server.review(admission_review("UPDATE", labelled, namespace))["response"]
    assert out["allowed"] is True and all(w.endswith("(already there before this change)") for w in out["warnings"])
    # a Namespace's own mistake is not about what it holds
    bad = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo2", "labels": {"team": "-bad-"}}}
    assert server.review(admission_review("CREATE", bad))["response"]["allowed"] is False


def test_the_fixed_namespace_is_admitted_whole_with_its_manifests_as_context(start):
    """With the application's manifests in --context too, each object admitted stands in for
    its copy there: examples/fixed, sent object by object as kubectl apply sends it, is
    admitted whole (a quota is not counted against twice); a change that breaks the quota
    is still denied."""
    import yaml
    from conftest import ROOT

    text = (ROOT / "examples" / "fixed" / "shop.yaml").read_text()
    server = start(["--no-config", "--context", "context"], files={"context/shop.yaml": text})
    docs = [d for d in yaml.safe_load_all(text) if d]
    for obj in docs:
        out = server.review(admission_review("CREATE", obj))["response"]
        assert out["allowed"] is True, (obj["kind"], obj["metadata"]["name"], out)
    catalog = next(d for d in docs if d["kind"] == "Deployment")
    bigger = copy.deepcopy(catalog)
    bigger["spec"]["replicas"] = 12
    out = server.review(admission_review("UPDATE", bigger, catalog))["response"]
    assert out["allowed"] is False
    assert out["status"]["message"].startswith("kubevet denied Deployment shop/catalog: NSG003 quota-exceeded at ")
    # the context is as it was: the same object admitted again is judged the same
    assert server.review(admission_review("CREATE", catalog))["response"]["allowed"] is True


def test_suppression_annotations_and_exemptions_count_as_in_a_scan(start):
    """A kubevet.io/ignore annotation on the object, or an exemption of .kubevet.yaml, takes
    the finding out of the verdict exactly as it takes it out of a scan."""
    config = CONFIG + """exemptions:
  - reason: "the node agents of the platform team"
    namespaces: ["platform-*"]
    kinds: [Deployment]
    rules: [privileged-container]
"""
    server = start(["--config", "c.yaml"], files={"c.yaml": config})
    ignored = deployment(privileged=True)
    ignored["metadata"]["annotations"] = {"kubevet.io/ignore": "privileged-container",
                                          "kubevet.io/ignore-reason": "a CNI agent"}
    review = admission_review("CREATE", ignored)
    assert server.review(review) == response(review["request"]["uid"])
    review = admission_review("CREATE", deployment(namespace="platform-net", privileged=True))
    assert server.review(review) == response(review["request"]["uid"])
    # the same object elsewhere, or without the annotation, is denied
    assert server.review(admission_review("CREATE", deployment(namespace="shop", privileged=True)))["response"]["allowed"] is False
    review = admission_review("CREATE", deployment(namespace="platform-net", privileged=True, cpu_request=False, cpu_limit=False))
    out = server.review(review)["response"]
    assert out["allowed"] is False and "RES001 cpu-request-missing" in out["status"]["message"]
    assert "privileged" not in out["status"]["message"]  # exempt from that rule only


def test_a_denial_names_each_cause_once(start):
    """The incident's container (no resources, no securityContext) is refused with one line
    per cause, as kubevet scan reports it, each with its fix; the log keeps every rule's."""
    server = start(["--no-config"])
    bare = deployment(cpu_request=False, cpu_limit=False)
    out = server.review(admission_review("CREATE", bare))["response"]
    assert out["allowed"] is False
    message = out["status"]["message"]
    assert message.startswith("kubevet denied Deployment shop/web: ")
    assert "GRP001 resources-unset (RES001, RES002, RES003) at spec.template.spec.containers[name=app]: " \
           "container 'app' has incomplete resources: " \
           "no CPU request, no memory request, no memory limit" in message
    assert "GRP002 security-context-unset (" in message
    assert "(fix: Give the container a `resources:` block" in message
    assert "cpu-request-missing" not in message
    assert message.count("resources-unset") == 1
