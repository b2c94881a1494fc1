"""What fixtures cannot show for the identity, image and hygiene rules: options, parsing
helpers and findings that span files."""

from __future__ import annotations

import pytest
from conftest import lint

from kubevet.config import Config
from kubevet.engine import Engine
from kubevet.model import Source
from kubevet.rules.identity._secrets import secret_shape, sensitive_name, words
from kubevet.rules.images._common import ImageRef, parse_image

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: {image}
      env:
        - name: {name}
          value: {value}
"""


@pytest.mark.parametrize(
    ("image", "ref"),
    [
        ("nginx", ImageRef("nginx", None, None)),
        ("nginx:1.27", ImageRef("nginx", "1.27", None)),
        ("localhost:5000/app", ImageRef("localhost:5000/app", None, None)),
        ("localhost:5000/app:v1", ImageRef("localhost:5000/app", "v1", None)),
        ("ghcr.io/a/b@sha256:abc", ImageRef("ghcr.io/a/b", None, "sha256:abc")),
        ("ghcr.io/a/b:1@sha256:abc", ImageRef("ghcr.io/a/b", "1", "sha256:abc")),
    ],
)
def test_parse_image(image, ref):
    assert parse_image(image) == ref


def test_mutable_tags_option():
    text = POD.format(image="example/web:main", name="A", value="b")
    assert not lint(text, "IMG001")
    findings = lint(text, "IMG001", options={"image-tag-mutable": {"mutable-tags": "latest,main"}})
    assert [f.line for f in findings] == [8]


@pytest.mark.parametrize(
    ("name", "normalized"),
    [("dbPassword", "DB_PASSWORD"), ("db-password", "DB_PASSWORD"), ("APIKey", "API_KEY"), ("s3.secretKey", "S3_SECRET_KEY")],
)
def test_words(name, normalized):
    assert words(name) == normalized


def test_name_patterns_option_replaces_the_defaults():
    text = POD.format(image="example/web:1.0", name="DB_PASSWORD", value="hunter2")
    assert len(lint(text, "IDN004")) == 1
    options = {"secret-in-env": {"name-patterns": ["PIN"]}}
    assert not lint(text, "IDN004", options=options)
    pin = POD.format(image="example/web:1.0", name="CARD_PIN", value="a1b2c3")
    assert len(lint(pin, "IDN004", options=options)) == 1


def test_value_shapes_ignore_the_name_patterns():
    text = POD.format(image="example/web:1.0", name="NOTES", value="https://bot:hunter2@chat.example.com")
    assert len(lint(text, "IDN004", options={"secret-in-env": {"name-patterns": []}})) == 1


def test_key_patterns_option():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  pin: a1b2c3\n"
    assert not lint(text, "IDN005")
    assert len(lint(text, "IDN005", options={"secret-in-configmap": {"key-patterns": ["PIN"]}})) == 1


def test_secret_reference_names_are_not_credentials():
    patterns = ["[A-Z0-9]*SECRET", "[A-Z0-9]*TOKEN"]
    assert not sensitive_name("API_TOKEN_SECRET_KEY", patterns)
    assert sensitive_name("MINIO_SECRET_KEY", patterns)
    assert secret_shape("-----BEGIN PUBLIC KEY-----") is None


def test_object_duplicate_across_files_names_the_first_definition():
    first = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n"
    second = b"---\n# again\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\n"
    sources = [Source(None, "a.yaml", first), Source(None, "b.yaml", second)]
    findings = Engine(Config(select=["HYG002"])).scan(sources).findings
    assert [(f.file, f.line) for f in findings] == [("b.yaml", 6)]
    assert "a.yaml:1" in findings[0].message


SHAPE_SAMPLES = {
    "a private key": "-----BEGIN RSA PRIVATE KEY-----",
    "an AWS access key ID": "AKIAABCDEFGHIJKLMNOP",
    "a GitHub token": "ghp_" + "a1" * 18,
    "a GitLab token": "glpat-" + "x" * 20,
    "a Slack token": "xoxb-1234567890-abc",
    "a Slack webhook URL": "https://hooks.slack.com/services/TABCDEF1/BABCDEF1/" + "a" * 16,
    "a Google API key": "AIza" + "b" * 35,
    "a Stripe secret key": "sk_live_" + "c" * 20,
    "a JSON Web Token": "eyJhbGciOiJI.eyJzdWIiOiIx.c2lnbmF0dXJl",
    "a URL with a password": "amqp://app:hunter2@rabbitmq",
}


def test_every_value_shape_is_found_anywhere_in_a_large_value():
    # the shapes are looked for only in values holding one of their literal texts: each
    # shape must still be found, at the start, the end or the middle of a big value
    from kubevet.rules.identity._secrets import _ANY_SHAPE, _SHAPES

    assert set(SHAPE_SAMPLES) == {name for name, _ in _SHAPES} | {"a URL with a password"}
    filler = '{"panels": [{"title": "cpu", "expr": "rate(x[5m])"}]}\n' * 2000
    for name, sample in SHAPE_SAMPLES.items():
        for value in (sample, filler + sample, sample + filler, filler + sample + " " + filler):
            assert secret_shape(value) == name, (name, value[:80])
    assert secret_shape(filler) is None
    # the literal pre-check never hides a match of the full pattern
    for value in [*SHAPE_SAMPLES.values(), filler, "ASIA" + "Z" * 16, "PRIVATE KEY", "eyJ", "xox-"]:
        m = _ANY_SHAPE.search(value)
        assert (secret_shape(value) is not None) >= (m is not None), value
