"""Output hygiene (issue 11, items 4 and 8): a bad character is reported at its own line,
duplicated literal blocks at their own lines, messages say each thing once, and
rolling-update amounts Kubernetes refuses are reported."""

from __future__ import annotations

import json
import re

import pytest

DEPLOYMENT = """\
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


def scan(run_cli, tmp_path, data: bytes, *flags: str):
    path = tmp_path / "m.yaml"
    path.write_bytes(data)
    r = run_cli("scan", "--no-config", "-f", "json", *flags, str(path))
    assert "Traceback" not in r.err, r
    return r, json.loads(r.out)


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x7f"])
def test_a_bad_control_character_is_reported_at_its_line(run_cli, tmp_path, char):
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n" + DEPLOYMENT + f'  note: "ab{char}"\n'
    r, report = scan(run_cli, tmp_path, text.encode())
    assert r.code == 2
    (f,) = [f for f in report["findings"] if f["rule"] == "file-unreadable"]
    assert (f["line"], f["column"]) == (15, 12), f  # not line 1, nor the document's first line
    assert f"m.yaml:15: unacceptable character #x{ord(char):04x}" in r.err


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [("replicas", "[1]", "got a list"), ("replicas", "{a: 1}", "got an object"), ("paused", '"yes"', 'got a string "yes"')],
)
def test_type_messages_say_the_type_once(run_cli, tmp_path, field, value, shown):
    """"got a list", never "got a list a list"."""
    text = DEPLOYMENT.replace("  replicas: 2\n", f"  replicas: 2\n  {field}: {value}\n" if field != "replicas" else f"  replicas: {value}\n")
    r, report = scan(run_cli, tmp_path, text.encode(), "--select", "schema-invalid")
    (f,) = report["findings"]
    assert f["message"].endswith(shown), f
    assert not re.search(r"\b(\w+ \w+) \1\b", f["message"]), f


@pytest.mark.parametrize(
    ("surge", "unavailable", "bad"),
    [('"-5%"', "1", "maxSurge"), ("1", '"%"', "maxUnavailable"), ("-1", "1", "maxSurge"), ("1", '"101%"', "maxUnavailable")],
)
def test_rolling_update_amounts_kubernetes_refuses(run_cli, tmp_path, surge, unavailable, bad):
    strategy = f"  strategy: {{type: RollingUpdate, rollingUpdate: {{maxSurge: {surge}, maxUnavailable: {unavailable}}}}}\n"
    text = DEPLOYMENT.replace("  replicas: 2\n", "  replicas: 2\n" + strategy)
    r, report = scan(run_cli, tmp_path, text.encode(), "--select", "object-invalid")
    assert r.code == 1, r
    (f,) = report["findings"]
    assert f["field"] == f"spec.strategy.rollingUpdate.{bad}" and f["line"] == 6, f
    r, report = scan(run_cli, tmp_path, DEPLOYMENT.replace("  replicas: 2\n", "  replicas: 2\n" + strategy.replace(surge, '"25%"', 1).replace(unavailable, "0", 1)).encode(), "--select", "object-invalid")
    assert r.code == 0 and report["findings"] == []  # 25% and 0 are fine


PROBED = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: web
          image: nginx:1.25
          livenessProbe:
            httpGet: {{path: /healthz, port: 8080}}
        - name: sidecar
          image: nginx:1.25
          livenessProbe:
            httpGet: {{path: /healthz, port: 8080}}
"""


def test_duplicated_literal_blocks_are_placed_at_their_own_lines(run_cli, tmp_path):
    """Identical probe text twice in an object and in two objects of one file: each finding
    at its own object's and container's lines (parsed positions, never a text search)."""
    text = PROBED.format(name="a") + "---\n" + PROBED.format(name="b")
    r, report = scan(run_cli, tmp_path, text.encode(), "--select", "liveness-probe-aggressive", "--ungrouped")
    placed = sorted((f["object"]["name"], f["field"], f["line"]) for f in report["findings"])
    assert placed == [
        ("a", "spec.template.spec.containers[0].livenessProbe", 13),
        ("a", "spec.template.spec.containers[1].livenessProbe", 17),
        ("b", "spec.template.spec.containers[0].livenessProbe", 32),
        ("b", "spec.template.spec.containers[1].livenessProbe", 36),
    ], placed
    lines = text.splitlines()
    assert all(lines[line - 1].strip() == "livenessProbe:" for *_, line in placed)
