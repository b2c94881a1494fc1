"""The field-level diff: lists matched by merge key, noise kept apart, Secrets never shown."""

import json

import diffkit
import pytest

kubevet, write = diffkit.kubevet, diffkit.write  # fixtures

from kubevet.diff.fields import MISSING, diff


def _pod(containers, volumes=()):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": containers, "volumes": list(volumes)}}


def test_inserting_a_container_is_one_change():
    web = {"name": "web", "image": "web:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
    side = {"name": "proxy", "image": "envoy:1.30"}
    real, noise = diff(_pod([web]), _pod([side, web]))
    assert [(c.dotted, c.op) for c in real] == [("spec.containers[name=proxy]", "added")]
    assert noise == []


def test_env_ports_volumes_volume_mounts_by_key():
    old = _pod([{"name": "web", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                 "ports": [{"containerPort": 8080, "name": "http"}, {"containerPort": 9090, "name": "metrics"}],
                 "volumeMounts": [{"name": "cfg", "mountPath": "/etc/web"}]}],
               [{"name": "cfg", "configMap": {"name": "web"}}, {"name": "tmp", "emptyDir": {}}])
    new = _pod([{"name": "web", "env": [{"name": "B", "value": "3"}, {"name": "A", "value": "1"}],
                 "ports": [{"containerPort": 9090, "name": "metrics"}, {"containerPort": 8080, "name": "web"}],
                 "volumeMounts": [{"name": "cfg2", "mountPath": "/etc/web"}]}],
               [{"name": "tmp", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "web-v2"}}])
    real, _ = diff(old, new)
    got = {(c.dotted, c.op, c.old if c.old is not MISSING else None, c.new if c.new is not MISSING else None) for c in real}
    assert got == {
        ("spec.containers[name=web].env[name=B].value", "changed", "2", "3"),
        ("spec.containers[name=web].ports[containerPort=8080].name", "changed", "http", "web"),
        ("spec.containers[name=web].volumeMounts[mountPath=/etc/web].name", "changed", "cfg", "cfg2"),
        ("spec.volumes[name=cfg].configMap.name", "changed", "web", "web-v2"),
    }
    # the NEW side path (with indexes) points at the field in NEW's data
    change = next(c for c in real if c.dotted.startswith("spec.volumes"))
    assert change.new_path == ("spec", "volumes", 1, "configMap", "name")


def test_a_removed_item_and_atomic_lists():
    old = _pod([{"name": "web", "args": ["--a", "--b"]}, {"name": "old"}])
    new = _pod([{"name": "web", "args": ["--b", "--a"]}])
    real, _ = diff(old, new)
    assert [(c.dotted, c.op) for c in real] == [("spec.containers[name=web].args", "changed"), ("spec.containers[name=old]", "removed")]


def test_noise_is_ignored_but_listed():
    old = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "web", "uid": "1", "resourceVersion": "10", "generation": 3,
                        "labels": {"helm.sh/chart": "web-1.0.0", "app.kubernetes.io/version": "1.0.0", "tier": "front"},
                        "managedFields": [{"manager": "helm"}]},
           "spec": {"template": {"metadata": {"annotations": {"checksum/config": "aaa"}}, "spec": {"containers": []}}},
           "status": {"replicas": 3}}
    new = json.loads(json.dumps(old))
    new["metadata"].update(uid="2", resourceVersion="99", generation=4)
    new["metadata"]["labels"].update({"helm.sh/chart": "web-1.1.0", "app.kubernetes.io/version": "1.1.0"})
    new["metadata"]["managedFields"] = [{"manager": "kubectl"}]
    new["spec"]["template"]["metadata"]["annotations"]["checksum/config"] = "bbb"
    new["status"] = {"replicas": 1}
    real, noise = diff(old, new)
    assert real == []
    assert {c.dotted for c in noise} == {
        "metadata.uid", "metadata.resourceVersion", "metadata.generation", "metadata.labels.helm.sh/chart",
        "metadata.labels.app.kubernetes.io/version", "metadata.managedFields", "status.replicas",
        "spec.template.metadata.annotations.checksum/config",
    }
    new["metadata"]["labels"]["tier"] = "back"
    real, _ = diff(old, new)
    assert [c.dotted for c in real] == ["metadata.labels.tier"]


def test_webhook_ca_bundle_is_noise():
    old = {"kind": "ValidatingWebhookConfiguration", "webhooks": [{"name": "v.example.com", "clientConfig": {"caBundle": "AAA"}}]}
    new = {"kind": "ValidatingWebhookConfiguration", "webhooks": [{"name": "v.example.com", "clientConfig": {"caBundle": "BBB"}}]}
    real, noise = diff(old, new)
    assert real == [] and [c.dotted for c in noise] == ["webhooks[name=v.example.com].clientConfig.caBundle"]


SECRET_OLD = """\
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
type: Opaque
data:
  password: b2xkLXMzY3JldC12YWx1ZQ==
  user: YWRtaW4=
stringData:
  token: old-plain-token-1234
"""
SECRET_NEW = """\
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
type: Opaque
data:
  password: bmV3LXMzY3JldC12YWx1ZQ==
  user: YWRtaW4=
  apikey: c2VjcmV0LWFwaS1rZXk=
stringData:
  token: new-plain-token-5678
"""


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif"])
def test_secret_values_never_printed(kubevet, write, tmp_path, fmt):
    old = write(tmp_path / "old" / "s.yaml", SECRET_OLD)
    new = write(tmp_path / "new" / "s.yaml", SECRET_NEW + "---\n" + SECRET_NEW.replace("name: db", "name: added").replace("namespace: shop", "namespace: shop\n  annotations: {a: b}"))
    code, out, err = kubevet("diff", old, new, "-f", fmt)
    assert code == 0, err
    for value in ("b2xkLXMzY3JldC12YWx1ZQ==", "bmV3LXMzY3JldC12YWx1ZQ==", "c2VjcmV0LWFwaS1rZXk=", "old-plain-token-1234",
                  "new-plain-token-5678", "new-s3cret-value", "secret-api-key"):
        assert value not in out, (fmt, value)
    if fmt == "json":
        report = json.loads(out)
        changes = {c["path"]: c for o in report["objects"] for c in o["changes"]}
        assert changes["data.password"] == {"path": "data.password", "op": "changed", "redacted": True}
        assert changes["data.apikey"]["op"] == "added" and changes["data.apikey"]["redacted"]
        assert "data.user" not in changes
    if fmt == "text":
        assert "data.password: changed (value hidden: Secret)" in out
