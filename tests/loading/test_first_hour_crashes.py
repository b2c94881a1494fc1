"""The crashes a new user met in the first hour (issue 11): each input is a finding on its
own document, or a clean scan, and the other documents are still scanned; never a
traceback, never a rule crash."""

from __future__ import annotations

import json

import pytest

from kubevet.k8s import paths

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
        },
    },
}
DEPLOYMENT_YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.25"}]
"""


def scan(run_cli, tmp_path, name: str, data: str | bytes, *flags: str):
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    r = run_cli("scan", "--no-config", "-f", "json", *flags, str(path))
    assert "Traceback" not in r.err and "internal error" not in r.err, r
    assert r.code in (0, 1, 2), r
    return r, (json.loads(r.out) if r.out.strip() else None)


def rules_of(report) -> set[str]:
    return {f["rule"] for f in report["findings"]}


@pytest.mark.parametrize("indent", [2, None])
def test_a_single_json_object_as_kubectl_get_prints_it(run_cli, tmp_path, indent):
    text = json.dumps(DEPLOYMENT, indent=indent)
    r, report = scan(run_cli, tmp_path, "deploy.json", text)
    assert r.code == 1 and report["summary"]["objects"] == 1
    pdb = next(f for f in report["findings"] if f["rule"] == "pdb-missing")
    if indent:  # placed at the object's own field, not at line 1
        assert text.splitlines()[pdb["line"] - 1].strip().startswith('"replicas"')
    r = run_cli("scan", "--no-config", "-", stdin=text.encode())
    assert r.code == 1 and "Traceback" not in r.err and "pdb-missing" in r.out


def test_json_lines_one_object_per_line(run_cli, tmp_path):
    other = {**DEPLOYMENT, "metadata": {"name": "api", "namespace": "shop"}}
    r, report = scan(run_cli, tmp_path, "objects.json", json.dumps(DEPLOYMENT) + "\n" + json.dumps(other) + "\n")
    assert r.code == 1 and report["summary"]["objects"] == 2
    assert {f["line"] for f in report["findings"] if f["rule"] == "pdb-missing"} == {1, 2}


@pytest.mark.parametrize(
    "text",
    [
        '{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": []}',
        '{"apiVersion": "v1", "kind": "List", "items": null}',
    ],
)
def test_an_empty_list_is_a_clean_valid_input(run_cli, tmp_path, text):
    r, report = scan(run_cli, tmp_path, "empty.json", text)
    assert r.code == 0, r
    assert report["summary"]["objects"] == 0 and report["findings"] == [] and report["skipped"] == []


def test_null_items_of_a_list_are_skipped_and_the_others_scanned(run_cli, tmp_path):
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": [None, DEPLOYMENT]})
    r, report = scan(run_cli, tmp_path, "list.json", text)
    assert r.code == 1 and report["summary"]["objects"] == 1
    assert any("item 0" in s["reason"] for s in report["skipped"])


def test_json_nested_10000_deep_is_a_finding_and_the_next_document_is_scanned(run_cli, tmp_path):
    deep = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": ' + "[" * 10000 + "]" * 10000 + "}}"
    r, report = scan(run_cli, tmp_path, "deep.json", deep + "\n" + json.dumps(DEPLOYMENT))
    assert r.code == 2
    assert "yaml-limit-exceeded" in rules_of(report) and "pdb-missing" in rules_of(report)
    assert report["summary"]["objects"] == 1


@pytest.mark.parametrize(
    "anchor",
    ["data: &d [*d]", "data: &d {a: b, <<: *d}", "metadata: &m {name: x, labels: {loop: *m}}"],
)
def test_an_anchor_that_contains_itself_is_a_finding_on_its_document(run_cli, tmp_path, anchor):
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\n{anchor}\n---\n" + DEPLOYMENT_YAML
    r, report = scan(run_cli, tmp_path, "anchor.yaml", text)
    assert r.code == 2
    problem = next(f for f in report["findings"] if f["rule"] == "yaml-syntax")
    assert problem["line"] == 4 and "contains it" in problem["message"]
    assert "pdb-missing" in rules_of(report)  # the next document is still scanned


def test_deep_nesting_is_a_schema_finding_not_a_lost_check(run_cli, tmp_path):
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: a}\ndata:\n  a: " + "[" * 400 + "]" * 400 + "\n"
    r, report = scan(run_cli, tmp_path, "deep.yaml", text, "--select", "schema-invalid")
    assert r.code == 1
    (f,) = report["findings"]
    assert f["rule"] == "schema-invalid" and "nested too deeply" in f["message"]


@pytest.mark.parametrize(
    ("replace", "where"),
    [
        (("spec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: \"nginx:1.25\"}]\n", "spec: null\n"), "spec is null"),
        (("  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: \"nginx:1.25\"}]\n", "  template: null\n"), "spec.template is null"),
    ],
)
def test_a_null_spec_or_template_is_reported(run_cli, tmp_path, replace, where):
    text = DEPLOYMENT_YAML.replace(*replace)
    assert replace[1] in text
    r, report = scan(run_cli, tmp_path, "null.yaml", text, "--select", "object-invalid")
    assert r.code == 1
    assert any(f["rule"] == "object-invalid" and f["message"].startswith(where) for f in report["findings"])


def test_integers_of_5000_digits(run_cli, tmp_path):
    digits = "9" * 5000
    r, report = scan(run_cli, tmp_path, "big.yaml", DEPLOYMENT_YAML.replace("replicas: 2", f"replicas: {digits}"))
    # go-yaml cannot parse it as a number (ParseFloat overflows), so it is a string
    (f,) = [f for f in report["findings"] if f["rule"] == "schema-invalid"]
    assert f["field"] == "spec.replicas" and "expected integer" in f["message"] and len(f["message"]) < 200
    text = json.dumps(DEPLOYMENT).replace('"replicas": 2', f'"replicas": {digits}')
    r, report = scan(run_cli, tmp_path, "big.json", text)
    assert r.code == 2 and "out of the range of a float64" in r.err and len(r.err) < 2000


def test_a_huge_quantity_in_a_namespace_with_a_quota(run_cli, tmp_path):
    quota = "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: shop}\nspec:\n  hard: {requests.cpu: \"4\", requests.memory: 8Gi}\n---\n"
    pod = DEPLOYMENT_YAML.replace('image: "nginx:1.25"', 'image: "nginx:1.25", resources: {requests: {cpu: 1e400, memory: 1e400}, limits: {cpu: 1e400, memory: 1e400}}')
    r, report = scan(run_cli, tmp_path, "quota.yaml", quota + pod, "--select", "quota-exceeded,limitrange-violated")
    assert r.code == 1
    assert any(f["rule"] == "quota-exceeded" and "e+400" in f["message"] for f in report["findings"])


WRONG_TYPES = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
    matchExpressions: [{key: app, operator: In, values: 5}]
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: web, image: "nginx:1.25", ports: [{name: http, containerPort: 80, protocol: {}}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: 80}
---
apiVersion: v1
kind: Service
metadata: {name: web2, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http, protocol: {}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: p, namespace: shop}
spec:
  minAvailable: 1
  selector: {matchExpressions: [{key: app, operator: In, values: 5}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i, namespace: shop}
spec:
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: n, namespace: shop}
spec:
  podSelector: {matchExpressions: [{key: app, operator: In, values: 5}]}
  ingress: [{from: [{podSelector: {matchExpressions: [{key: a, operator: In, values: 5}]}}]}]
"""


def test_wrong_types_reaching_cross_object_rules_are_schema_findings(run_cli, tmp_path):
    r, report = scan(run_cli, tmp_path, "types.yaml", WRONG_TYPES, "--select", "ALL")
    assert r.code == 1  # findings, and no rule crashed (scan() checks the "internal error")
    invalid = [f for f in report["findings"] if f["rule"] == "schema-invalid"]
    assert {f["line"] for f in invalid} >= {8, 13, 18, 25}  # values: 5, protocol: {} twice, ports: 80


def test_findings_per_object_are_placed_in_linear_time(monkeypatch):
    """20,000 findings on one list: each item's name counted once, not once per finding."""
    from kubevet.engine import lint_text

    calls = 0
    label = paths._label

    def counting(item, parent):
        nonlocal calls
        calls += 1
        return label(item, parent)

    monkeypatch.setattr(paths, "_label", counting)
    n = 3000
    env = "".join(f"        - {{name: V{i}, value: {i}}}\n" for i in range(n))
    text = DEPLOYMENT_YAML.replace('containers: [{name: web, image: "nginx:1.25"}]', 'containers:\n      - name: web\n        image: "nginx:1.25"\n        env:\n') + env
    text = text.replace("env:\n\n", "env:\n")
    found = [f for f in lint_text(text).findings if "env[" in (f.named_path or "")]
    assert len(found) >= n  # one schema finding per integer value
    assert calls <= 4 * n, calls  # was n * n / 2


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github", "gitlab"])
def test_a_lone_surrogate_is_decoded_as_go_does(run_cli, tmp_path, fmt):
    text = json.dumps(DEPLOYMENT).replace('"name": "web", "namespace"', '"name": "w\\ud800b", "namespace"')
    path = tmp_path / "s.json"
    path.write_text(text)
    r = run_cli("scan", "--no-config", "-f", fmt, str(path))
    assert r.code == 1 and "Traceback" not in r.err, r
    assert "w\ufffdb" in r.out
