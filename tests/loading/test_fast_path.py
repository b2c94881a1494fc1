"""The C fast path (kubevet._yamlfast) and the pure-Python decoder agree exactly.

Both must give the same values (types included), the same position trees and the same
duplicate keys for every YAML and JSON file the repository holds (test fixtures, the
examples, the corpus copies under tests/), and whole scans must give the same findings.
The C path gives up on what it does not handle (tags, anchors, merge keys, keys that are
not strings, errors); the cases below check that it does, and that the answer is then the
pure path's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REAL_FILES, real_corpus

from kubevet.loading import yaml_decode
from kubevet.loading.yaml_decode import _plain_number, decode_pure

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    p
    for top in ("tests", "examples")
    for p in (ROOT / top).rglob("*")
    if p.suffix in (".yaml", ".yml", ".json") and p.is_file() and "templates" not in p.parts
)


def _fast():
    # the test command builds the extension (libyaml-dev and gcc are on the machine, and
    # scripts/install-test-tools.sh installs libyaml-dev when it is missing): a missing
    # extension here is a build failure to fix, not a reason to skip
    try:
        from kubevet import _yamlfast
    except ImportError:
        pytest.fail("kubevet._yamlfast is not built: run `pip install -e .` again (setup.py builds it; needs gcc and libyaml-dev)")
    return _yamlfast


def _typed(value):
    """The value with every scalar's type made visible (1 == 1.0 == True in Python)."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


def _pure(data: bytes):
    try:
        values, duplicates = decode_pure(data)
    except Exception as exc:  # noqa: BLE001 - the C path must then give up
        return type(exc)
    return [(_typed(v), p) for v, p in values], duplicates


def _documents(data: bytes) -> list[bytes]:
    from kubevet.loading.reader import _markers

    starts = [0] + [pos for pos, _ in _markers(data, 1, len(data))]
    return [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)])]


def test_the_extension_is_built():
    assert _fast().load(b"a: 1\n", _plain_number) == ([({"a": 1}, (0, 0, {"a": (0, 0, None)}))], [])


def test_files_exist():
    assert len(FILES) > 200, FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_values_positions_and_duplicates(path: Path):
    _compare(path)


@pytest.mark.parametrize("name", REAL_FILES)
def test_same_on_the_real_corpus(name: str):
    _compare(real_corpus() / name)


def _compare(path: Path) -> None:
    load = _fast().load
    data = path.read_bytes()
    for part in [data, *_documents(data)] if not path.suffix == ".json" else [data]:
        fast = load(part, _plain_number)
        pure = _pure(part)
        if fast is None:
            continue  # handed to the pure path (checked below that it only does so when it must)
        assert pure is not Exception and not isinstance(pure, type), f"C path accepted what the pure path refuses: {pure}"
        values, duplicates = fast
        assert [(_typed(v), p) for v, p in values] == pure[0]
        assert duplicates == pure[1]


GIVE_UP = {
    "tag": b"a: !!str 5\n",
    "local tag": b"a: !thing 5\n",
    "non-specific tag": b"a: ! 5\n",
    "anchor and alias": b"a: &x [1]\nb: *x\n",
    "merge key": b"base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n",
    "boolean key": b"true: 1\n",
    "number key": b"80: http\n",
    "null key": b": 1\n",
    "nan": b"a: .nan\n",
    "syntax error": b"a: [1\n",
    "tab indentation": b"a:\n\tb: 1\n",
    "invalid utf-8": b"a: \xff\n",
}


@pytest.mark.parametrize("name", sorted(GIVE_UP))
def test_rare_input_is_left_to_the_pure_path(name: str):
    assert _fast().load(GIVE_UP[name], _plain_number) is None
    # and decode() then answers as the pure path does
    try:
        expected = decode_pure(GIVE_UP[name])
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(type(exc)):
            yaml_decode.decode(GIVE_UP[name])
    else:
        assert yaml_decode.decode(GIVE_UP[name]) == expected


SCALARS = [
    "0", "-0", "+5", "7", "010", "0x1F", "0o17", "0b101", "08", "1_000", "123456789012345678",
    "1234567890123456789", "9223372036854775807", "9223372036854775808", "18446744073709551616",
    "1e3", "1.0", "1.5", ".5", "-.5", "1.", "+1e-3", "1:20", "2024-01-02", "-", "+", "-1-2",
    "y", "Y", "yes", "No", "on", "OFF", "~", "null", "NULL", "nginx", "true", "True", "tRUE",
    "0.0.0.0", "1.2.3", "0xZZ", "e5", "abc", "-e5", "+.inf", "-.Inf", ".nan", "'010'", '"yes"',
]


@pytest.mark.parametrize("text", SCALARS)
def test_scalar_typing_matches(text: str):
    data = f"v: {text}\n".encode()
    fast = _fast().load(data, _plain_number)
    pure = _pure(data)
    if fast is None:
        # only what is an error (a lone "-" starts a block sequence) or cannot be JSON
        assert isinstance(pure, type) or text in (".nan", "+.inf", "-.Inf"), f"{text!r} left to the pure path"
        return
    assert _typed(fast[0][0][0]) == pure[0][0][0]


def _scan_json(paths: list[str], pure: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "KUBEVET_PURE_PYTHON"}
    if pure:
        env["KUBEVET_PURE_PYTHON"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "kubevet", "scan", *paths, "--no-config", "-f", "json", "--exit-zero", "--allow-no-objects"],
        capture_output=True, env=env, cwd=ROOT, check=False,
    )
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return json.loads(proc.stdout)


def test_scans_give_the_same_findings():
    real = real_corpus()
    paths = ["examples", "tests/rules/fixtures", *(str(real / n) for n in REAL_FILES[2:6])]
    fast, pure = _scan_json(paths, False), _scan_json(paths, True)
    assert fast["summary"]["objects"] > 100
    assert fast == pure
