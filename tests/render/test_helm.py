"""Helm charts are rendered as `helm template` would, and findings land on their templates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import CHARTS as CORPUS

from kubevet.loading.helm import HelmOptions, align, render_chart

HERE = Path(__file__).resolve().parent
CHARTS = HERE / "charts"
APP = CHARTS / "app"
CORPUS_CHARTS = sorted(p.name for p in CORPUS.iterdir() if (p / "Chart.yaml").is_file())


def scan_json(run_cli, *args: str, stdin: bytes | None = None, ungrouped: bool = True):
    """The JSON report; one finding per rule unless ``ungrouped`` is False (docs/grouping.md)."""
    result = run_cli("scan", "--format", "json", "--exit-zero", *(["--ungrouped"] if ungrouped else []), *args, stdin=stdin)
    assert "Traceback" not in result.err, result.err
    return result, json.loads(result.out)


@pytest.fixture
def fake_helm(tmp_path):
    """A `helm` executable that renders with Helm's library (no helm binary is installable
    here from a registry): a shell wrapper around tests/render/fake_helm.py."""
    log = tmp_path / "helm-calls.jsonl"
    wrapper = tmp_path / "bin" / "helm"
    wrapper.parent.mkdir()
    wrapper.write_text(
        f'#!/bin/sh\nFAKE_HELM_LOG="{log}" exec "{sys.executable}" "{HERE / "fake_helm.py"}" "$@"\n', encoding="utf-8"
    )
    wrapper.chmod(0o755)
    return wrapper, log


# --------------------------------------------------------------------------- real charts


@pytest.mark.parametrize("ungrouped", [True, False], ids=["per-rule", "per-cause"])
@pytest.mark.parametrize("name", CORPUS_CHARTS)
def test_real_chart_renders_and_findings_point_at_its_templates(run_cli, name, ungrouped):
    chart = CORPUS / name
    args = [str(chart), "--include-crds"]
    if (chart / "ci").is_dir():
        args += ["--values-matrix", "ci"]
    result, report = scan_json(run_cli, *args, ungrouped=ungrouped)
    assert result.code == 0, result.err
    assert report["summary"]["inputErrors"] == 0, result.err
    assert report["summary"]["objects"] > 0
    assert not report["errors"]
    for f in report["findings"]:
        assert f["file"].startswith(str(chart) + "/"), f
        assert os.path.isfile(f["file"]), f["file"]  # a template (or crds/ file) of the chart
        rendered = f["extra"]["rendered"]
        assert rendered["kind"] == "helm" and rendered["line"] > 0
        if f["line"]:
            assert rendered["match"] in ("exact", "pattern", "enclosing")
            assert f["line"] <= len(Path(f["file"]).read_text().splitlines())


def test_podinfo_with_its_prod_values(run_cli):
    chart = CORPUS / "podinfo"
    _, default = scan_json(run_cli, str(chart))
    _, prod = scan_json(run_cli, str(chart), "--values", str(chart / "values-prod.yaml"))
    assert prod["summary"]["inputErrors"] == 0
    assert prod["summary"]["objects"] > default["summary"]["objects"]  # prod turns on hpa, pdb...
    # .Values.resources renders the container's resources: the finding names the key
    res = [f for f in default["findings"] if f["rule"] == "cpu-limit-missing"]
    assert res and res[0]["extra"]["valuesKey"]["key"] == "resources"
    assert res[0]["file"] == f"{chart}/templates/deployment.yaml"
    text = (chart / "templates/deployment.yaml").read_text().splitlines()
    assert text[res[0]["line"] - 1].strip() == "resources:"


# --------------------------------------------------------------------------- our charts


def test_subchart_is_rendered_once_and_findings_name_template_files(run_cli):
    _, report = scan_json(run_cli, str(APP))
    files = {f["file"] for f in report["findings"]}
    assert f"{APP}/templates/deployment.yaml" in files
    assert f"{APP}/charts/cache/templates/deployment.yaml" in files
    privileged = [f for f in report["findings"] if f["rule"] == "privileged-container"]
    assert len(privileged) == 1  # once, though the subchart is also a chart directory
    f = privileged[0]
    lines = (APP / "charts/cache/templates/deployment.yaml").read_text().splitlines()
    assert lines[f["line"] - 1].strip() == "privileged: true"
    assert f["extra"]["rendered"]["match"] == "exact"
    assert "charts/cache/templates/deployment.yaml" in f["origin"]


def test_values_key_of_an_offending_value(run_cli):
    _, report = scan_json(run_cli, str(APP))
    by_rule = {f["rule"]: f for f in report["findings"] if f["file"].endswith("app/templates/deployment.yaml")}
    f = by_rule["memory-limit-missing"]
    assert f["extra"]["valuesKey"] == {"key": "resources", "file": f"{APP}/values.yaml"}
    assert "value of .Values.resources" in f["origin"]
    assert (APP / "templates/deployment.yaml").read_text().splitlines()[f["line"] - 1].strip() == "resources:"
    # an image reference is built from two values: no single key is named
    image = [f for f in report["findings"] if f["field"] and f["field"].endswith(".image")]
    assert all("valuesKey" not in f["extra"] for f in image)


def test_test_hooks_and_crds_are_options(run_cli):
    _, plain = scan_json(run_cli, str(APP))
    kinds = {f["object"]["kind"] for f in plain["findings"] if f["object"]}
    assert "Pod" not in kinds and "CustomResourceDefinition" not in kinds
    _, full = scan_json(run_cli, str(APP), "--include-tests", "--include-crds")
    assert full["summary"]["objects"] == plain["summary"]["objects"] + 2
    pods = [f for f in full["findings"] if f["object"] and f["object"]["kind"] == "Pod"]
    assert pods and all(f["file"] == f"{APP}/templates/tests/test-connection.yaml" for f in pods)


def _capabilities(sources) -> str:
    data = b"".join(s.data for s in sources).decode()
    start = data.index("# Source: app/templates/capabilities.yaml")
    return data[start : data.index("---", start) if "---" in data[start:] else None]


def test_kube_version_and_api_versions_reach_the_templates():
    sources, problems = render_chart(str(APP), HelmOptions())
    assert not problems
    assert 'hasWidgets: "false"' in _capabilities(sources)
    sources, _ = render_chart(str(APP), HelmOptions(kube_version="1.29", api_versions=["example.com/v1/Widget"]))
    text = _capabilities(sources)
    assert 'kubeVersion: "v1.29.0"' in text and 'hasWidgets: "true"' in text


def test_release_name_namespace_and_set(run_cli):
    options = HelmOptions(release_name="shop", namespace="team-a", set=["replicaCount=3"], set_string=["image.tag=1.26"])
    sources, problems = render_chart(str(APP), options)
    assert not problems
    data = sources[0].data.decode()
    assert "name: shop-app-capabilities\n  namespace: team-a" in data
    assert "replicas: 3" in data and 'image: "nginx:1.26"' in data
    _, report = scan_json(run_cli, str(APP), "--set", "replicaCount=1", "--set", "cache.enabled=false")
    (f,) = [f for f in report["findings"] if f["rule"] == "replicas-too-few"]
    assert f["extra"]["valuesKey"] == {"key": "replicaCount", "file": "--set replicaCount=1"}
    assert not any("cache" in f["file"] for f in report["findings"])  # the condition turned it off


def test_values_files_merge_in_order(tmp_path):
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text("replicaCount: 2\nimage:\n  tag: a\n")
    b.write_text("image:\n  tag: b\n")
    sources, problems = render_chart(str(APP), HelmOptions(values=[str(a), str(b)]))
    assert not problems
    data = sources[0].data.decode()
    assert "replicas: 2" in data and "image: \"nginx:b\"" in data


def test_values_matrix_labels_renders_and_merges_common_findings(run_cli):
    _, report = scan_json(run_cli, str(APP), "--values-matrix", "ci")
    assert report["summary"]["inputErrors"] == 0
    renders = {"ci/default-values.yaml", "ci/limits-values.yaml"}
    everywhere = [f for f in report["findings"] if f["extra"].get("everyRender")]
    assert everywhere and all(set(f["extra"]["renders"]) == renders for f in everywhere)
    assert all("every render (2)" in f["origin"] for f in everywhere)
    # the memory limit is set by one values file only: its finding belongs to the other
    memory = [f for f in report["findings"] if f["rule"] == "memory-limit-missing" and "app/templates" in f["file"]]
    assert len(memory) == 1
    assert memory[0]["extra"]["renders"] == ["ci/default-values.yaml"]
    assert memory[0]["extra"]["everyRender"] is False
    assert "[values: ci/default-values.yaml]" in memory[0]["origin"]
    keys = [(f["rule"], f["file"], f["line"], f["object"]["name"] if f["object"] else None) for f in report["findings"]]
    assert len(keys) == len(set(keys))  # no finding twice


def test_values_matrix_text_report(run_cli):
    result = run_cli("scan", str(APP), "--values-matrix", str(APP / "ci" / "*.yaml"), "--exit-zero")
    assert result.code == 0
    assert "[every render (2): ci/default-values.yaml, ci/limits-values.yaml]" in result.out


def test_packaged_chart(run_cli, tmp_path):
    archive = tmp_path / "app-0.1.0.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(APP, arcname="app")
    _, report = scan_json(run_cli, str(archive))
    assert report["summary"]["inputErrors"] == 0
    files = {f["file"] for f in report["findings"]}
    assert f"{archive}/templates/deployment.yaml" in files
    assert f"{archive}/charts/cache/templates/deployment.yaml" in files
    f = next(f for f in report["findings"] if f["rule"] == "memory-limit-missing" and "/templates/deployment" in f["file"] and "cache" not in f["file"])
    assert f["line"] == 24 and f["extra"]["rendered"]["match"] == "exact"  # read from the archive


def test_corrupt_archive_is_a_render_error(run_cli, tmp_path):
    bad = tmp_path / "bad-1.0.0.tgz"
    bad.write_bytes(b"\x1f\x8b not really gzip")
    result, report = scan_json(run_cli, str(bad), str(APP))
    assert result.code == 2
    assert [f["rule"] for f in report["findings"] if f["file"] == str(bad)] == ["render-error"]


def test_render_errors_are_findings_and_the_other_charts_are_scanned(run_cli):
    result, report = scan_json(run_cli, str(CHARTS))
    assert result.code == 2
    errors = {f["file"]: f for f in report["findings"] if f["rule"] == "render-error"}
    broken = errors[f"{CHARTS}/broken/templates/configmap.yaml"]
    assert broken["line"] == 6 and "nosuchfunction" in broken["message"]
    required = errors[f"{CHARTS}/required/templates/secret.yaml"]
    assert (required["line"], required["column"]) == (7, 15) and "set .Values.password" in required["message"]
    missing = errors[f"{CHARTS}/missingdep/Chart.yaml"]
    assert "postgresql" in missing["message"] and missing["line"] == 5
    assert len(errors) == 3
    assert any(f["file"].startswith(f"{CHARTS}/app/") for f in report["findings"] if f["rule"] != "render-error")
    assert "could not be read or parsed" in result.err


def test_bad_values_file_and_bad_set(run_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("replicaCount: 2\nimage:\n  tag: [b\n")
    result, report = scan_json(run_cli, str(APP), "--values", str(bad))
    assert result.code == 2
    (f,) = [f for f in report["findings"] if f["rule"] == "render-error"]
    assert f["file"] == str(bad) and f["line"] == 3
    result, report = scan_json(run_cli, str(APP), "--set", "novalue")
    assert result.code == 2
    assert any("--set 'novalue'" in f["message"] for f in report["findings"])


def test_no_helm_is_an_error_with_an_install_hint(run_cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "helm_python", None)  # import helm_python fails
    result = run_cli("scan", str(APP))
    assert result.code == 2
    assert "pip install 'kubevet[helm]'" in result.err and "--helm-binary" in result.err
    assert "Traceback" not in result.err


def test_helm_is_imported_only_when_a_chart_is_scanned(tmp_path):
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: a\n")
    code = (
        "import sys\nfrom kubevet.cli import main\n"
        f"main(['scan', '--exit-zero', {str(manifest)!r}])\n"
        "print('HELM', 'helm_python' in sys.modules)\n"
    )
    code = code.replace("'helm_python' in sys.modules", "sorted(m for m in sys.modules if m.startswith(('helm_python', 'kubevet.loading.helm', 'kubevet.loading.kustomize')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HELM []" in out


def test_schema_violation_is_a_render_error_at_the_schema(run_cli, tmp_path):
    chart = tmp_path / "app"
    shutil.copytree(APP, chart)
    (chart / "values.schema.json").write_text('{"type": "object", "properties": {"replicaCount": {"type": "integer"}}}')
    result, report = scan_json(run_cli, str(chart), "--set-string", "replicaCount=many")
    assert result.code == 2
    (f,) = [f for f in report["findings"] if f["rule"] == "render-error"]
    assert f["file"] == f"{chart}/values.schema.json" and "replicaCount" in f["message"]


def test_values_key_from_a_values_file_and_a_matrix_without_files(run_cli, tmp_path):
    override = tmp_path / "override.yaml"
    override.write_text("resources: {}\n")
    _, report = scan_json(run_cli, str(APP), "--values", str(override), "--values-matrix", "nothing-here")
    f = next(f for f in report["findings"] if f["rule"] == "memory-limit-missing" and "/app/templates/" in f["file"])
    assert f["extra"]["valuesKey"] == {"key": "resources", "file": str(override)}
    assert f["origin"].endswith("[values: values.yaml]")  # no matrix file: the chart's defaults, said so


# --------------------------------------------------------------------------- helm binary


def test_helm_binary_renders_the_same(run_cli, fake_helm):
    helm, log = fake_helm
    _, library = scan_json(run_cli, str(APP))
    _, binary = scan_json(run_cli, str(APP), "--helm-binary", str(helm))
    key = lambda f: (f["rule"], f["file"], f["line"], f["column"], f["message"])  # noqa: E731
    assert sorted(map(key, binary["findings"])) == sorted(map(key, library["findings"]))
    call = json.loads(log.read_text().splitlines()[-1])
    assert call[:3] == ["template", "release-name", str(APP)] and "--skip-tests" in call


def test_helm_binary_gets_the_options(run_cli, fake_helm, tmp_path):
    helm, log = fake_helm
    values = tmp_path / "v.yaml"
    values.write_text("replicaCount: 4\n")
    scan_json(
        run_cli, str(APP), "--helm-binary", str(helm), "--values", str(values), "--set", "a=b",
        "--kube-version", "1.29", "--api-versions", "example.com/v1/Widget", "--include-crds", "--include-tests",
        "--namespace", "ns", "--release-name", "rel",
    )
    call = json.loads(log.read_text().splitlines()[-1])
    assert call[:3] == ["template", "rel", str(APP)]
    joined = " ".join(call)
    for part in ("--namespace ns", f"--values {values}", "--set a=b", "--kube-version v1.29.0",
                 "--api-versions example.com/v1/Widget", "--include-crds"):
        assert part in joined
    assert "--skip-tests" not in call


def test_helm_binary_errors_are_render_errors(run_cli, fake_helm):
    helm, _ = fake_helm
    result, report = scan_json(run_cli, str(CHARTS / "broken"), str(CHARTS / "required"), "--helm-binary", str(helm))
    assert result.code == 2
    where = sorted((f["file"], f["line"]) for f in report["findings"] if f["rule"] == "render-error")
    assert where == [(f"{CHARTS}/broken/templates/configmap.yaml", 6), (f"{CHARTS}/required/templates/secret.yaml", 7)]


def test_missing_helm_binary(run_cli, tmp_path):
    result = run_cli("scan", str(APP), "--helm-binary", str(tmp_path / "nohelm"))
    assert result.code == 2 and "--helm-binary" in result.err


# --------------------------------------------------------------------------- stdin


def _helm_template_output(fake_helm) -> bytes:
    helm, _ = fake_helm
    return subprocess.run([str(helm), "template", "release-name", str(APP), "--skip-tests"], capture_output=True, check=True).stdout


def test_stdin_helm_template_maps_to_templates(run_cli, fake_helm, monkeypatch):
    data = _helm_template_output(fake_helm)
    monkeypatch.chdir(CHARTS)  # `helm template app | kubevet scan -` from the charts' directory
    _, report = scan_json(run_cli, "-", stdin=data)
    f = next(f for f in report["findings"] if f["rule"] == "privileged-container")
    assert f["file"] == "app/charts/cache/templates/deployment.yaml"
    assert Path(f["file"]).read_text().splitlines()[f["line"] - 1].strip() == "privileged: true"


def test_stdin_helm_template_without_the_chart_names_templates_in_origin(run_cli, fake_helm, monkeypatch, tmp_path):
    data = _helm_template_output(fake_helm)
    monkeypatch.chdir(tmp_path)
    _, report = scan_json(run_cli, "-", stdin=data)
    f = next(f for f in report["findings"] if f["rule"] == "privileged-container")
    assert f["file"] == "<stdin>"
    assert data.decode().splitlines()[f["line"] - 1].strip() == "privileged: true"
    assert f["origin"].startswith("app/charts/cache/templates/deployment.yaml: rendered document 1")


# --------------------------------------------------------------------------- discovery


def test_exclude_applies_to_charts_and_files(run_cli, tmp_path):
    result, report = scan_json(run_cli, str(CHARTS), "--exclude", "broken", "--exclude", "required", "--exclude", f"{CHARTS}/missingdep")
    assert result.code == 0 and report["summary"]["inputErrors"] == 0
    (tmp_path / "loose.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: default\n")
    shutil.copytree(APP, tmp_path / "app")
    _, report = scan_json(run_cli, str(tmp_path), "--exclude", "*.yaml")
    files = {f["file"] for f in report["findings"]}
    assert files and all(f.startswith(f"{tmp_path}/app/") for f in files)  # loose.yaml left out
    _, report = scan_json(run_cli, str(tmp_path), "--exclude", "app")
    assert {f["file"] for f in report["findings"]} == {f"{tmp_path}/loose.yaml"}


def test_chart_templates_are_never_read_as_yaml(run_cli, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(APP, repo / "deploy" / "app")
    (repo / "manifests").mkdir()
    (repo / "manifests" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: loose\n  namespace: default\n")
    result, report = scan_json(run_cli, str(repo))
    assert report["summary"]["inputErrors"] == 0, result.err  # templates would not parse
    files = {f["file"] for f in report["findings"]}
    assert f"{repo}/manifests/cm.yaml" in files
    assert not any("/ci/" in f or f.endswith("values.yaml") for f in files)


def test_jobs_give_the_same_result(run_cli):
    _, one = scan_json(run_cli, str(APP), "--values-matrix", "ci", "--jobs", "1")
    _, two = scan_json(run_cli, str(APP), "--values-matrix", "ci", "--jobs", "2")
    assert one["findings"] == two["findings"]


def test_sarif_and_github_point_at_templates(run_cli):
    result = run_cli("scan", str(APP), "--format", "sarif", "--exit-zero")
    log = json.loads(result.out)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert any(u.endswith("app/templates/deployment.yaml") for u in uris)
    result = run_cli("scan", str(APP), "--format", "github", "--exit-zero")
    assert "templates/deployment.yaml,line=24" in result.out


# --------------------------------------------------------------------------- alignment


def test_align_prefers_the_part_of_the_template_a_document_comes_from():
    template = [
        "# first", "apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: {{ .Release.Name }}-a",
        "---", "# second", "apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: {{ .Release.Name }}-b",
    ]
    rendered = ["# second", "apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: rel-b"]
    mapped = align(template, rendered)
    assert mapped[1] == (7, "exact") and mapped[4] == (10, "pattern")


def test_align_does_not_guess_between_identical_lines():
    template = ["a:", "  {{- if .x }}", "  x: 1", "  {{- end }}", "b:", "  x: 1"]
    rendered = ["c:", "  x: 1"]
    assert 1 not in align(template, rendered)


def test_each_matrix_render_equals_a_fresh_render_with_that_file(tmp_path):
    """Helm's render removes a dependency whose condition is false from the loaded chart:
    a chart reused across the matrix rendered every later file without its subchart."""
    chart = tmp_path / "app"
    shutil.copytree(APP, chart)
    matrix = tmp_path / "matrix"
    matrix.mkdir()
    (matrix / "a-no-cache.yaml").write_text("cache: {enabled: false}\n", encoding="utf-8")
    (matrix / "b-defaults.yaml").write_text("replicaCount: 2\n", encoding="utf-8")
    (matrix / "c-more.yaml").write_text("replicaCount: 3\n", encoding="utf-8")
    sources, problems = render_chart(str(chart), HelmOptions(values_matrix=[str(matrix)]))
    assert not problems and len(sources) == 3
    for source, name in zip(sources, ("a-no-cache", "b-defaults", "c-more")):
        fresh, fresh_problems = render_chart(str(chart), HelmOptions(values=[str(matrix / f"{name}.yaml")]))
        assert not fresh_problems
        assert source.data == fresh[0].data, name
    assert b"charts/cache/templates/deployment.yaml" not in sources[0].data
    assert b"charts/cache/templates/deployment.yaml" in sources[1].data


def test_default_namespace_only_where_the_chart_writes_it(run_cli, tmp_path):
    """Rendered without --namespace, .Release.Namespace is "default"; that is the
    installer's choice, not the chart's: only a literal `namespace: default` is reported."""
    chart = tmp_path / "ns"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: ns\nversion: 0.1.0\n", encoding="utf-8")
    (chart / "templates" / "_helpers.tpl").write_text(
        '{{- define "ns.namespace" -}}{{ default .Release.Namespace .Values.namespaceOverride }}{{- end -}}\n',
        encoding="utf-8",
    )
    (chart / "templates" / "cms.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-release\n  namespace: {{ .Release.Namespace }}\n"
        "data:\n  url: http://web.{{ .Release.Namespace }}.svc\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-helper\n"
        '  namespace: {{ include "ns.namespace" . | quote }}\n'
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hard-coded\n  namespace: default\n"
        "  annotations: {note: {{ .Release.Namespace }}}\n",
        encoding="utf-8",
    )
    _, report = scan_json(run_cli, str(chart), "--select", "default-namespace")
    assert [(f["object"]["name"], f["object"]["namespace"]) for f in report["findings"]] == [("hard-coded", "default")]
    assert report["findings"][0]["line"] == 19  # the template's `namespace: default`
    # the render is what `helm template` prints: the release namespace is "default" everywhere
    sources, _ = render_chart(str(chart), HelmOptions())
    assert b"kvrelns" not in sources[0].data
    assert sources[0].data.count(b"default") == 5
    # a namespace given on the command line is the installer's too
    _, named = scan_json(run_cli, str(chart), "--select", "default-namespace", "--namespace", "default")
    assert [f["object"]["name"] for f in named["findings"]] == ["hard-coded"]


def _chart(root: Path, name: str, templates: dict[str, str]) -> Path:
    chart = root / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n", encoding="utf-8")
    for file, text in templates.items():
        (chart / "templates" / file).write_text(text, encoding="utf-8")
    return chart


POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: {namespace}
spec:
  podSelector:
    matchLabels: {{app: web}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels: {{app.kubernetes.io/name: prometheus}}
"""


def test_peers_in_a_shared_release_namespace_are_unknowable(run_cli, tmp_path):
    """A chart's policy lets the Prometheus of another release scrape it: pods the chart
    does not render are not "nothing"."""
    chart = _chart(tmp_path, "web", {"policy.yaml": POLICY.format(namespace="{{ .Release.Namespace }}")})
    _, report = scan_json(run_cli, str(chart), "--select", "networkpolicy-peer-selects-nothing")
    assert report["findings"] == []
    _, named = scan_json(run_cli, str(chart), "--namespace", "shop-prod", "--select", "networkpolicy-peer-selects-nothing")
    assert named["findings"] == []
    # the same policy as a plain manifest of a namespace the scan owns is judged
    plain = tmp_path / "plain.yaml"
    plain.write_text(POLICY.format(namespace="shop"), encoding="utf-8")
    _, judged = scan_json(run_cli, str(plain), "--select", "networkpolicy-peer-selects-nothing")
    assert [f["rule"] for f in judged["findings"]] == ["networkpolicy-peer-selects-nothing"]


def test_a_chart_that_branches_on_the_namespace_renders_with_it(tmp_path):
    chart = _chart(tmp_path, "branchy", {
        "cm.yaml": '{{- if eq .Release.Namespace "default" }}\napiVersion: v1\nkind: ConfigMap\n'
                   "metadata:\n  name: only-in-default\n  namespace: {{ .Release.Namespace }}\n{{- end }}\n",
    })
    sources, problems = render_chart(str(chart), HelmOptions())
    assert not problems and b"only-in-default" in sources[0].data


def test_a_block_the_template_holds_twice_is_not_placed_at_the_first(run_cli, tmp_path):
    """Two containers with the same literal probe; the first's is switched off. The
    second container's findings must not land on the first container's lines."""
    template = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: {{ .Values.main }}
      image: {{ .Values.image }}
      {{- if .Values.mainProbe }}
      livenessProbe:
        httpGet: {path: /healthz, port: 8080}
      {{- end }}
    - name: {{ .Values.sidecar }}
      image: {{ .Values.image }}
      livenessProbe:
        httpGet: {path: /healthz, port: 8080}
"""
    chart = _chart(tmp_path, "twice", {"pod.yaml": template})
    (chart / "values.yaml").write_text("main: web\nimage: nginx:1.27\nmainProbe: false\nsidecar: proxy\n", encoding="utf-8")
    _, report = scan_json(run_cli, str(chart), "--select", "liveness-probe-aggressive")
    lines = [f["line"] for f in report["findings"]]
    # never the main container's lines (7-12); the enclosing `containers:` when the
    # sidecar's own lines cannot be told from the main container's
    assert lines and not any(7 <= line <= 12 for line in lines), lines
    assert {f["extra"]["rendered"]["match"] for f in report["findings"]} <= {"exact", "enclosing"}
    assert all("proxy" in f["message"] for f in report["findings"])
