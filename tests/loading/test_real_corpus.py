"""The loader on 17 real install manifests, against PyYAML and (when installed) kubectl.

kubevet must yield exactly the objects PyYAML's CSafeLoader yields, except where
Kubernetes' own decoding differs from PyYAML's; each of those normalisations is listed in
``_as_kubernetes`` with the Kubernetes behaviour it stands for, and is counted, so that a
new kind of difference fails instead of being normalised away. Object start lines are
checked against PyYAML's own node marks, duplicate keys against a walk of PyYAML's node
tree: two independent implementations of what the reader computes from its ``---`` scan.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess

import pytest
import yaml
from conftest import REAL_FILES, real_corpus
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Problem, Skipped, Source

FILES = REAL_FILES


def test_the_corpus_is_all_there():
    assert len(FILES) == 17


class _PyYAML(yaml.CSafeLoader):
    """CSafeLoader, plus the YAML 1.1 value tag ``=`` that kube-prometheus.yaml holds."""


_PyYAML.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


@functools.lru_cache(maxsize=None)
def kubevet(name: str) -> tuple[list[K8sObject], list[Problem], list[Skipped]]:
    objects, problems, skipped = [], [], []
    for item in read_source(Source(str(real_corpus() / name), name)):
        {K8sObject: objects, Problem: problems, Skipped: skipped}[type(item)].append(item)
    return objects, problems, skipped


def _as_kubernetes(value, counts: dict[str, int]):
    """Apply to a PyYAML value the decoding differences that are Kubernetes semantics."""
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                # would be sigs.k8s.io/yaml's key-to-string conversion; none in this corpus,
                # so none is normalised: a non-string key here is a difference to look at
                counts["non-string key"] += 1
        return {k: _as_kubernetes(v, counts) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_kubernetes(v, counts) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        # encoding/json prints an integral float64 as an integer literal: "100.0" arrives as
        # 100 (test_yaml_typing.py: "1.0" -> 1, checked against kubectl)
        counts["integral float"] += 1
        return int(value)
    return value


def pyyaml_objects(name: str, counts: dict[str, int]) -> list[tuple[dict, int]]:
    """PyYAML's objects of a file, with the line each starts on (from PyYAML's own marks)."""
    data = (real_corpus() / name).read_bytes()
    loader = _PyYAML(data)
    out = []
    try:
        while loader.check_node():
            node = loader.get_node()
            value = loader.construct_document(node)
            if value is None:
                # an empty or comment-only document: kubectl's YAML reader skips it too
                counts["empty document"] += 1
                continue
            value = _as_kubernetes(value, counts)
            items = value.get("items")
            if value["kind"].endswith("List") and isinstance(items, list):
                # kubectl (resource.Builder) expands kind: List and every *List into items
                counts["List expanded"] += 1
                items_node = next(v for k, v in node.value if k.value == "items")
                out.extend((item, n.start_mark.line + 1) for item, n in zip(items, items_node.value))
            else:
                out.append((value, node.start_mark.line + 1))
    finally:
        loader.dispose()
    return out


@pytest.mark.parametrize("name", FILES)
def test_loads_without_syntax_problems(name):
    objects, problems, skipped = kubevet(name)
    assert [p for p in problems if p.rule != "yaml-duplicate-key"] == []
    assert skipped == []
    assert objects


def test_object_count():
    assert sum(len(kubevet(name)[0]) for name in FILES) == 2342


@pytest.mark.parametrize("name", FILES)
def test_objects_are_pyyaml_objects_as_kubernetes_reads_them(name):
    counts = dict(_ZERO)
    expected = pyyaml_objects(name, counts)
    objects = kubevet(name)[0]
    assert len(objects) == len(expected)
    for obj, (want, line) in zip(objects, expected):
        assert obj.data == want, f"{name}:{line}: {obj.kind} {obj.name}"
        # equal values, and equal types (== takes 1 == 1.0 == True)
        assert json.dumps(obj.data, sort_keys=True) == json.dumps(want, sort_keys=True), f"{name}:{line}"
        assert obj.line == line, f"{obj.kind} {obj.name}: kubevet says line {obj.line}, PyYAML {line}"
    # every normalisation this corpus needs, and no more
    assert counts == _ZERO | _NORMALISED.get(name, {})


_ZERO = {"integral float": 0, "empty document": 0, "List expanded": 0, "non-string key": 0}
_NORMALISED = {
    "gke-samples.yaml": {"empty document": 134},
    # spec.http[0].fault.{abort,delay}.percentage.value: 100.0 in a VirtualService
    "istio-samples.yaml": {"integral float": 2, "empty document": 42},
    "kube-prometheus.yaml": {"List expanded": 3},
    "kubernetes-examples.yaml": {"empty document": 5},
    "kyverno-crds.yaml": {"empty document": 22},
    "longhorn.yaml": {"empty document": 1},
    "metrics-server.yaml": {"empty document": 4},
    "rook-ceph.yaml": {"empty document": 2},
}


def _duplicates_in_pyyaml_nodes(name: str) -> list[tuple[int, int, str]]:
    """Duplicate keys found by walking PyYAML's node tree, independently of kubevet."""
    found = []

    def walk(node) -> None:
        if isinstance(node, MappingNode):
            seen = set()
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value != "<<":
                    if key.value in seen:
                        found.append((key.start_mark.line + 1, key.start_mark.column + 1, key.value))
                    seen.add(key.value)
                walk(value)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                walk(item)

    with open(real_corpus() / name, "rb") as fh:
        for root in yaml.compose_all(fh, Loader=_PyYAML):
            walk(root)
    return found


def test_duplicate_keys_reported_at_their_lines():
    reported = {}
    for name in FILES:
        dups = [p for p in kubevet(name)[1] if p.rule == "yaml-duplicate-key"]
        if dups:
            reported[name] = [(p.line, p.column, p.message) for p in dups]
    assert sorted(reported) == ["gke-samples.yaml", "kubernetes-examples.yaml"]
    assert sum(len(v) for v in reported.values()) == 8
    for name, dups in reported.items():
        lines = (real_corpus() / name).read_text(encoding="utf-8").splitlines()
        expected = _duplicates_in_pyyaml_nodes(name)
        assert [(line, column) for line, column, _ in dups] == [(line, column) for line, column, _ in expected]
        for (line, column, message), (_, _, key) in zip(dups, expected):
            assert f"duplicate key {key!r}" in message
            # the finding points at the second occurrence of the key itself
            assert lines[line - 1][column - 1 :].startswith(f"{key}:")


# --- the same files through kubectl --------------------------------------------------------

KUBECTL = shutil.which("kubectl")


def _json_stream(text: str) -> list:
    decoder, pos, out = json.JSONDecoder(), 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return out
        value, pos = decoder.raw_decode(text, pos)
        out.append(value)


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
@pytest.mark.parametrize("name", FILES)
def test_objects_are_what_kubectl_decodes(name):
    """kubectl decodes every object of the file (offline) exactly as kubevet does."""
    proc = subprocess.run(
        [KUBECTL, "label", "--local", "-f", str(real_corpus() / name), "kubevet-corpus-check=x", "-o", "json"],
        capture_output=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "KUBECONFIG": "/dev/null", "HOME": "/nonexistent"},
    )
    assert proc.returncode == 0, proc.stderr.decode()
    theirs = _json_stream(proc.stdout.decode("utf-8"))
    for obj in theirs:
        labels = obj["metadata"]["labels"]
        del labels["kubevet-corpus-check"]
        if not labels:
            del obj["metadata"]["labels"]
    objects = kubevet(name)[0]
    assert len(objects) == len(theirs)
    for obj, want in zip(objects, theirs):
        assert json.dumps(obj.data, sort_keys=True) == json.dumps(want, sort_keys=True), f"{obj.kind} {obj.name}"
