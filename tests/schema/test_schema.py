"""kubevet.schema: target versions, --crd files, start-up weight, the lifecycle table, and
the real corpus (every schema finding there is a known, real mistake)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import lint, real_corpus

from kubevet.config import Config
from kubevet.engine import lint_text
from kubevet.errors import ConfigError
from kubevet.schema import builtin, lifecycle, versions

INGRESS_V1BETA1 = """\
apiVersion: networking.k8s.io/v1beta1
kind: Ingress
metadata: {name: web}
spec:
  backend: {serviceName: web, servicePort: 80}
"""

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: string}
"""

WIDGET = """\
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec:
  size: small
  colour: red
"""


def codes(findings):
    return sorted((f.code, f.line) for f in findings)


def test_versions_range_and_parsing():
    assert versions.shipped()[0] == (1, 25)
    assert versions.parse("") == versions.newest()
    assert versions.parse("v1.30.2") == (1, 30)
    assert versions.parse("1.16") == (1, 16)
    for bad in ("1.15", "2.0", "1.99", "latest"):
        with pytest.raises(ValueError):
            versions.parse(bad)
    assert versions.schema_version((1, 20)) == (1, 25)
    assert versions.schema_version((1, 30)) == (1, 30)
    assert "1.25 schemas" in versions.older_than_schemas((1, 20))
    assert versions.older_than_schemas((1, 30)) is None


def test_kube_version_moves_api_findings():
    # 1.21: deprecated; 1.22 on: removed
    old = lint_text(INGRESS_V1BETA1, Config(select=["API001", "API002"], kube_version="1.21")).findings
    assert [f.code for f in old] == ["API001"]
    assert "removed in 1.22" in old[0].message and "networking.k8s.io/v1" in old[0].message
    new = lint_text(INGRESS_V1BETA1, Config(select=["API001", "API002"], kube_version="1.22")).findings
    assert [f.code for f in new] == ["API002"]


def test_old_targets_use_the_oldest_schemas_and_say_what_they_cannot_check():
    # served by 1.21, gone from the 1.25 schemas: not validated, and said so (SCH002)
    found = lint_text(INGRESS_V1BETA1, Config(select=["SCH001", "SCH002"], kube_version="1.21")).findings
    assert [f.code for f in found] == ["SCH002"]
    assert "oldest schemas" in found[0].message


def test_api_newer_than_the_target_is_invalid():
    text = "apiVersion: resource.k8s.io/v1\nkind: DeviceClass\nmetadata: {name: gpu}\nspec: {}\n"
    assert lint_text(text, Config(select=["SCH001"], kube_version="1.37")).findings == []
    found = lint_text(text, Config(select=["SCH001"], kube_version="1.30")).findings
    assert len(found) == 1 and "served from 1.34" in found[0].message


def test_bad_kube_version_is_a_config_error():
    with pytest.raises(ConfigError):
        lint_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", Config(kube_version="1.9"))


def test_crd_files_validate_custom_resources(tmp_path: Path):
    crd = tmp_path / "crds" / "widget.yaml"
    crd.parent.mkdir()
    crd.write_text(CRD)
    without = lint_text(WIDGET, Config(select=["SCH001", "SCH002"])).findings
    assert [f.code for f in without] == ["SCH002"]
    for given in (str(crd), str(crd.parent)):
        found = lint_text(WIDGET, Config(select=["SCH001", "SCH002"], crd_files=[given])).findings
        assert codes(found) == [("SCH001", 6)]
        assert 'unknown field "spec.colour"' in found[0].message


def test_missing_crd_file_is_a_config_error(tmp_path: Path):
    with pytest.raises(ConfigError):
        lint_text(WIDGET, Config(crd_files=[str(tmp_path / "nope.yaml")]))
    empty = tmp_path / "empty.yaml"
    empty.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    with pytest.raises(ConfigError):
        lint_text(WIDGET, Config(crd_files=[str(empty)]))


def test_crd_later_in_the_scan_still_validates():
    found = lint(WIDGET + "---\n" + CRD, "SCH001")
    assert codes(found) == [("SCH001", 6)]


def test_cli_flags(run_cli, tmp_path: Path):
    manifest = tmp_path / "w.yaml"
    manifest.write_text(WIDGET)
    crd = tmp_path / "crd.yaml"
    crd.write_text(CRD)
    result = run_cli("scan", "--select", "SCH001,SCH002", "--crd", str(crd), str(manifest))
    assert result.code == 1 and "spec.colour" in result.out
    result = run_cli("scan", "--select", "API002", "--kube-version", "1.20", str(manifest))
    assert result.code == 0
    assert "validated for 1.20 with the 1.25 schemas" in result.err
    result = run_cli("scan", "--kube-version", "1.5", str(manifest))
    assert result.code == 2 and "1.16" in result.err


def test_start_up_does_not_import_the_validators():
    code = (
        "import sys; from kubevet.cli import build_parser; from kubevet.rules import all_rules; all_rules(); "
        "print(any(m.split('.')[0] in ('jsonschema_rs', 'cel') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_lifecycle_table_agrees_with_the_shipped_schemas():
    table = lifecycle.table()
    served = builtin.served_in()
    shipped = versions.shipped()
    for (api_version, kind), entry in table.items():
        where = served.get((api_version, kind), ())
        if entry.removed in shipped:
            assert entry.removed not in where, f"{api_version} {kind} still served in its removal release"
        if entry.removed is None:
            assert shipped[-1] in where, f"{api_version} {kind} is not served by the newest release"
        if entry.deprecated and entry.removed:
            assert entry.deprecated < entry.removed
    # every kind that disappeared between shipped releases is in the table
    for (api_version, kind), where in served.items():
        if where[-1] != shipped[-1] and not kind.endswith("List") and kind != "Status":
            assert (api_version, kind) in table, f"{api_version} {kind} removal missing from the table"
    for key in [("extensions/v1beta1", "Ingress"), ("policy/v1beta1", "PodSecurityPolicy"),
                ("batch/v1beta1", "CronJob"), ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema"),
                ("apps/v1beta2", "Deployment"), ("autoscaling/v2beta1", "HorizontalPodAutoscaler")]:
        assert key in table


# Every schema finding on the real corpus (each file scanned on its own), and why it is real.
REAL_FINDINGS = {
    # template placeholders left for envsubst/sed: the API server refuses them as they are
    ("gke-samples.yaml", 6405): "PV capacity FILESTORE_CAPACITY is not a quantity",
    ("gke-samples.yaml", 6422): "PVC request FILESTORE_CAPACITY is not a quantity",
    ("gke-samples.yaml", 20320): "${ACCELERATOR_QUANTITY} is not a quantity",
    ("gke-samples.yaml", 20324): "${ACCELERATOR_QUANTITY} is not a quantity",
    ("gke-samples.yaml", 32760): "caBundle CRT is not base64",
    ("gke-samples.yaml", 37404): "containerPort PORT is not an integer",
    ("gke-samples.yaml", 37416): "Service port PORT is not an integer",
    ("kubernetes-examples.yaml", 4381): "fc.lun '<ADD LUN ID Here>' is not an integer",
    # samples written for another version of the CRD shipped in the same file
    ("gke-samples.yaml", 7650): "InferenceModel lacks spec.modelName and spec.poolRef (x2)",
    ("gke-samples.yaml", 7651): "InferenceModel spec.modelSource is not in the CRD",
    ("gke-samples.yaml", 7655): "InferenceModel spec.resources is not in the CRD",
    ("gke-samples.yaml", 7685): "InferenceModel lacks spec.modelName and spec.poolRef (x2)",
    ("gke-samples.yaml", 7686): "InferenceModel spec.modelSource is not in the CRD",
    ("gke-samples.yaml", 7690): "InferenceModel spec.resources is not in the CRD",
    ("istio-samples.yaml", 9551): "ClusterFederatedTrustDomain spec.className is not in the spire CRD",
    # kustomize patches (strategic-merge fragments), not objects the API server accepts
    ("gke-samples.yaml", 46874): "Deployment patch without containers",
    ("gke-samples.yaml", 46905): "Deployment patch without containers",
    ("gke-samples.yaml", 46932): "Deployment patch without template",
    ("gke-samples.yaml", 46954): "Deployment patch without template",
    # APIs that never existed or are long gone
    ("istio-samples.yaml", 9498): "PodSecurityPolicy never existed in policy/v1",
    ("kubernetes-examples.yaml", 724): "InitializerConfiguration (removed in 1.14)",
    # typos and unknown fields in volume sources
    ("kubernetes-examples.yaml", 3858): "protocol tcp (must be TCP)",
    ("kubernetes-examples.yaml", 4353): "protocol tcp (must be TCP)",
    ("kubernetes-examples.yaml", 5015): "rbd.imageformat is not a field",
    ("kubernetes-examples.yaml", 5016): "rbd.imagefeatures is not a field",
    ("kubernetes-examples.yaml", 5062): "scaleIO.protectionDoamin (typo of protectionDomain)",
    ("kubernetes-examples.yaml", 5142): "storageos.pool is not a field",
    ("kubernetes-examples.yaml", 5168): "storageos.secretName (the field is secretRef)",
}


def test_real_corpus_has_only_known_real_schema_findings():
    from kubevet.engine import Engine
    from kubevet.model import Source

    got = set()
    for path in sorted(real_corpus().glob("*.yaml")):
        result = Engine(Config(select=["SCH001", "SCH004"])).scan([Source(str(path), str(path))])
        assert not result.crashes
        got |= {(path.name, f.line) for f in result.findings}
    assert got == set(REAL_FINDINGS)


def test_the_cel_engine_loads_without_the_cel_command_line():
    # the cel package's __init__ imports its command line (typer, prompt_toolkit): kubevet
    # defers it, and cel.cli still works for a caller that uses it
    code = (
        "import sys\n"
        "from kubevet.schema import cel\n"
        "assert cel.engine() is not None\n"
        "assert 'prompt_toolkit' not in sys.modules and 'typer' not in sys.modules, sorted(sys.modules)\n"
        "import cel as package\n"
        "assert package.cli.app is not None and 'typer' in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
