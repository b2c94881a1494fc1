"""Every rule survives objects of the wrong shape: fields replaced by values of other types.

The API server would reject such objects (and object-invalid / schema-invalid say so), but
a rule must never crash on them: a crash costs the user the scan (exit 2). The mutations
are random but seeded, so a failure reproduces.
"""

from __future__ import annotations

import copy
import random

import pytest
import yaml
from conftest import ROOT

from kubevet.config import Config
from kubevet.engine import Engine
from kubevet.model import Source

DOCS = [
    d
    for name in ("fixed", "broken")
    for d in yaml.safe_load_all((ROOT / "examples" / name / "shop.yaml").read_text())
    if d
]
VALUES = [None, 0, -1, 1.5, True, "", "x", [], {}, [1, "a"], {"a": 1}, "100%", "-5%", 10**12, [None], {"": None}]


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _mutated(rng: random.Random) -> bytes:
    docs = copy.deepcopy(DOCS)
    for _ in range(rng.randint(1, 6)):
        doc = rng.choice(docs)
        path = rng.choice([p for p in _paths(doc) if p and p[0] not in ("apiVersion", "kind")])
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = copy.deepcopy(rng.choice(VALUES))
    return yaml.safe_dump_all(docs).encode()


def test_a_targeted_malformed_value():
    """containerPort as a map once crashed probe-port-undeclared (unhashable)."""
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - name: c\n      image: x:1\n      ports: [{name: http, containerPort: {a: 1}}]\n"
        "      readinessProbe: {httpGet: {path: /, port: http}}\n"
        "  topologySpreadConstraints: [{topologyKey: {a: 1}, maxSkew: 1, whenUnsatisfiable: DoNotSchedule}]\n"
    )
    result = Engine(Config(select=["ALL"])).scan([Source(None, "t", text.encode())])
    assert result.crashes == []


@pytest.mark.parametrize("seed", range(4))
def test_no_rule_crashes_on_mutated_objects(seed):
    rng = random.Random(seed)
    engine = Engine(Config(select=["ALL"]))
    for i in range(40):
        result = engine.scan([Source(None, f"seed{seed}-{i}", _mutated(rng))])
        assert result.crashes == [], result.crashes


@pytest.mark.parametrize(
    "volumes",
    [
        "  containers: [{name: c, image: 'x:1', command: [sh, /s/run.sh], volumeMounts: [{name: [], mountPath: /s}]}]\n",
        "  containers: [{name: c, image: 'x:1', command: [sh, /s/run.sh], volumeMounts: [{name: s, mountPath: /s}]}]\n"
        "  volumes: [{name: s, configMap: {name: c, items: 5}}, {name: t, projected: {sources: 5}},\n"
        "            {name: u, projected: {sources: [{configMap: {name: c, items: {a: b}}}]}}]\n",
    ],
)
def test_the_script_rules_survive_wrongly_typed_mounts(volumes):
    """Found by tests/fuzz: a mount named by a list, and items or sources that are no list,
    crashed the three SHL rules (unhashable, not iterable)."""
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n" + volumes
    result = Engine(Config(select=["SHL"])).scan([Source(None, "t", text.encode())])
    assert result.crashes == [] and result.objects == 1
