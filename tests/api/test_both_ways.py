"""Every rule fixture judged both ways gives the same findings.

1. The whole file read and scanned (what ``kubevet scan`` does), and the same objects
   judged from memory with ``api.scan_objects``.
2. Object by object, as the admission webhook judges: each object judged alone with
   ``api.scan_objects`` against an ``api.ClusterState`` that holds every other object of
   the file, and the same object scanned from bytes with the others as ``--context``
   sources, read afresh. The state is built once per file and changed in place
   (``remove`` the judged object, ``add`` it back) rather than rebuilt.

Judging an object against context differs from scanning it with the rest by design (a
quota from ``--context`` is not reported on, a namespace only the context defines is
not "the scan's"), so (2) compares with a full scan that has the same context.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from kubevet import api
from kubevet.engine import Engine
from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Source

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "rules"))
from test_fixtures import _cases, run_fixture  # noqa: E402

from kubevet.config import Config  # noqa: E402
from kubevet.rules import lookup  # noqa: E402


def _config(directory: Path) -> Config:
    import yaml

    code = directory.name.split("-", 1)[0]
    options = {}
    config_file = directory / "config.yaml"
    if config_file.exists():
        options = yaml.safe_load(config_file.read_text()).get("options", {})
    name = lookup(code).name
    return Config(select=[code], options={name: dict(options)} if options else {})


def _key(f) -> tuple:
    return (f.identity, f.severity, f.message)


def _objects(path: Path) -> list[K8sObject]:
    return [item for item in read_source(Source(str(path), str(path))) if isinstance(item, K8sObject)]


@pytest.mark.parametrize(("directory", "path"), list(_cases()))
def test_objects_from_memory_equal_the_file_scan(directory: Path, path: Path):
    full = run_fixture(directory, path)
    objects = _objects(path)
    placed = [api.Placed(o.data, str(path), o.line) for o in objects]
    memory = api.scan_objects(placed, config=_config(directory))
    assert not memory.crashes, memory.crashes
    assert sorted(_key(f) for f in memory.findings) == sorted(_key(f) for f in full if f.obj is not None)


def _json_list(objects: list[K8sObject]) -> bytes:
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": [o.data for o in objects]}).encode()


@pytest.mark.parametrize(("directory", "path"), list(_cases()))
def test_one_object_against_a_state_equals_a_scan_with_context(directory: Path, path: Path):
    objects = _objects(path)
    config = _config(directory)
    engine = Engine(config)
    state = api.ClusterState(config, [o.data for o in objects])  # duplicates: the last one stays
    for i, obj in enumerate(objects):
        others = [o for j, o in enumerate(objects) if j != i]
        had = state.remove(obj)
        twins = [o for o in others if _same(o, obj)]
        for twin in twins:  # an object defined twice: the state holds one of them
            state.replace(twin.data)
        alone = api.scan_objects([api.Placed(obj.data, "judged.json", 1)], state=state)
        assert not alone.crashes, alone.crashes
        scanned = engine.scan(  # the same, read from bytes: every index rebuilt
            [Source(None, "judged.json", json.dumps(obj.data).encode())],
            context=[Source(None, "context.json", _json_list(others))] if others else [],
        )
        assert not scanned.input_errors
        assert sorted(_key(f) for f in alone.findings) == sorted(_key(f) for f in scanned.findings), f"{obj.ref}"
        if had:
            state.replace(obj.data)
    assert len(state) == len({api._key(o) for o in objects})


def _same(a: K8sObject, b: K8sObject) -> bool:
    return (a.group, a.kind, a.namespace, a.name) == (b.group, b.kind, b.namespace, b.name)
