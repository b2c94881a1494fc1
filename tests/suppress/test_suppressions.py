"""kubevet.io/ignore annotations and configured exemptions."""

from __future__ import annotations

import json

from conftest import lint

from kubevet.config import Config
from kubevet.engine import lint_text
from kubevet.suppress import Exemption

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
{object_annotations}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata:
      labels: {{app: web}}
      annotations:
{template_annotations}
    spec:
      containers:
        - name: web
          image: nginx:1.27
        - name: proxy
          image: envoy:1.29.0
"""


def manifest(object_annotations: dict | None = None, template_annotations: dict | None = None) -> str:
    def render(annotations, indent):
        items = annotations or {"example.com/unrelated": "x"}
        return "\n".join(f"{' ' * indent}{k}: {json.dumps(v)}" for k, v in items.items())

    return DEPLOYMENT.format(
        object_annotations=render(object_annotations, 4),
        template_annotations=render(template_annotations, 8),
    )


def by_rule(findings):
    out: dict[str, list[bool]] = {}
    for f in findings:
        out.setdefault(f.rule, []).append(f.suppressed)
    return out


def test_object_annotation_suppresses_named_rules_by_name_or_code():
    text = manifest({"kubevet.io/ignore": "cpu-limit-missing, RES003", "kubevet.io/ignore-reason": "accepted"})
    findings = lint(text, "RES001", "RES003", "RES004")
    got = by_rule(findings)
    assert got["cpu-limit-missing"] == [True, True]
    assert got["memory-limit-missing"] == [True, True]
    assert got["cpu-request-missing"] == [False, False]
    f = next(f for f in findings if f.rule == "cpu-limit-missing")
    assert f.suppression == {"kind": "inSource", "reason": "accepted"}


def test_template_annotation_and_per_container_annotation():
    text = manifest(
        template_annotations={
            "kubevet.io/ignore.proxy": "cpu-request-missing",
            "kubevet.io/ignore-reason": "sidecar sized by the mesh",
        }
    )
    findings = lint(text, "RES001")
    suppressed = {f.message.split("'")[1]: f.suppressed for f in findings}
    assert suppressed == {"web": False, "proxy": True}


def test_all_suppresses_everything_and_unused_all_is_reported():
    used = lint(manifest({"kubevet.io/ignore": "all", "kubevet.io/ignore-reason": "legacy"}), "RES", "SUP002")
    assert used and all(f.suppressed for f in used)
    clean = lint("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    kubevet.io/ignore: all\n", "RES", "SUP002")
    assert [(f.rule, f.line) for f in clean] == [("suppression-unused", 6)]


def test_unused_and_unknown_names_are_reported_at_the_annotation():
    text = manifest({"kubevet.io/ignore": "cpu-limit-missing,probes-identical,nosuchrule", "kubevet.io/ignore-reason": "x"})
    findings = [f for f in lint(text, "RES004", "PRB003", "SUP002") if f.rule == "suppression-unused"]
    messages = sorted(f.message for f in findings)
    assert messages == [
        "kubevet.io/ignore names unknown rule 'nosuchrule'",
        "kubevet.io/ignore suppresses probes-identical but nothing was found here",
    ]
    assert {f.line for f in findings} == {7}
    # a rule that did not run finds nothing: its suppression is unused, and says why
    (idle,) = [f for f in lint(text, "RES004", "SUP002") if "probes-identical" in f.message]
    assert "(not enabled: probes-identical)" in idle.message


def test_reason_missing_only_when_required():
    text = manifest({"kubevet.io/ignore": "cpu-limit-missing"})
    assert not [f for f in lint(text, "RES004") if f.rule == "suppression-reason-missing"]
    (f,) = [f for f in lint(text, "RES004", "SUP001") if f.rule == "suppression-reason-missing"]
    assert f.line == 7 and f.obj.name == "web"


def test_no_inline_suppressions_for_audits(run_cli, tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text(manifest({"kubevet.io/ignore": "all", "kubevet.io/ignore-reason": "x"}))
    assert run_cli("scan", str(path), "--no-config", "--select", "RES001").code == 0
    assert run_cli("scan", str(path), "--no-config", "--select", "RES001", "--no-inline-suppressions").code == 1


def test_suppressed_findings_do_not_fail_but_stay_in_json(run_cli, tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text(manifest({"kubevet.io/ignore": "cpu-request-missing", "kubevet.io/ignore-reason": "why not"}))
    r = run_cli("scan", str(path), "--no-config", "--select", "RES001", "-f", "json")
    assert r.code == 0
    findings = json.loads(r.out)["findings"]
    assert len(findings) == 2 and all(f["suppressed"] for f in findings)
    assert findings[0]["suppression"] == {"kind": "inSource", "reason": "why not"}


def test_cluster_rule_findings_are_suppressed_too():
    text = manifest(
        template_annotations={"kubevet.io/ignore.proxy": "readiness-probe-missing"}
    ).replace("image: envoy:1.29.0", "image: envoy:1.29.0\n          ports: [{containerPort: 9901}]")
    (f,) = lint(text, "PRB001")
    assert f.suppressed


def test_exemptions_match_namespace_kind_name_and_rule():
    text = manifest()
    config = Config(
        select=["RES001", "RES003"],
        exemptions=[Exemption(reason="platform", rules=frozenset({"cpu-request-missing"}), namespaces=("sh*",), kinds=("Deployment",), names=("w?b",))],
    )
    got = by_rule(lint_text(text, config).findings)
    assert got == {"cpu-request-missing": [True, True], "memory-limit-missing": [False, False]}
    other_ns = Config(select=["RES001"], exemptions=[Exemption(reason="x", namespaces=("kube-system",))])
    assert not any(f.suppressed for f in lint_text(text, other_ns).findings)


def test_exemption_from_a_configuration_file(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.yaml").write_text(manifest())
    (tmp_path / ".kubevet.yaml").write_text(
        "select: [RES001]\nexemptions:\n  - reason: legacy app\n    names: [web]\n"
    )
    r = run_cli("scan", "d.yaml", "-f", "sarif")
    assert r.code == 0
    results = json.loads(r.out)["runs"][0]["results"]
    assert results and all(res["suppressions"] == [{"kind": "external", "justification": "legacy app"}] for res in results)
