"""Property-based and mutation fuzzing (issue 11, item 2): whatever the bytes, kubevet answers
with an exit code of 0, 1 or 2 and a message, never a traceback, never a crashed rule.

Inputs are real manifests of this repository (examples/ and the rule fixtures), as YAML and
as JSON, mutated as people and tools break them: lines deleted, duplicated, swapped and
re-indented, scalars replaced by values of other types and by hostile ones, bytes cut, NULs
inserted, and the whole re-encoded (UTF-8 with a BOM, UTF-16, Latin-1); kubevet diff gets two mutations of the
same objects, the shared charts get mutated values files. The configuration reader gets
the same treatment with real configurations.

Reproducible and bounded: the profile is derandomized (the same examples on every run and
machine), has no example database, no deadline (a slow machine is not a failure) and a
fixed number of examples; KUBEVET_FUZZ_EXAMPLES raises it for a longer local run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubevet.cli import main
from kubevet.init_config import STARTER
from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Problem, Skipped, Source

EXAMPLES = int(os.environ.get("KUBEVET_FUZZ_EXAMPLES", "0")) or None


def fuzz(n: int):
    """The suite's settings: ``n`` examples (or KUBEVET_FUZZ_EXAMPLES), derandomized."""
    return settings(
        max_examples=EXAMPLES or n,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=True,
    )


def _seeds() -> list[str]:
    files = sorted((ROOT / "examples").rglob("*.yaml"))
    fixtures = sorted((ROOT / "tests" / "rules" / "fixtures").rglob("*.yaml"))
    files += [p for p in fixtures[::7] if p.stat().st_size < 6000]
    return [p.read_text(encoding="utf-8") for p in files]


def _objects(text: str) -> list[dict]:
    try:
        return [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    except yaml.YAMLError:  # a fixture of broken YAML: a seed for the text mutations only
        return []


SEEDS = _seeds()
JSON_SEEDS = []
for _text in SEEDS[:8]:
    _docs = _objects(_text)
    if _docs:
        JSON_SEEDS.append(json.dumps(_docs[0], indent=2, default=str))
        JSON_SEEDS.append(json.dumps({"apiVersion": "v1", "kind": "List", "items": _docs}, default=str))

HOSTILE = [
    "null", "~", "[]", "{}", '""', "''", "0", "-1", "1.5", "1e400", "-5%", "%", "101%", "true", "yes", "0x1F",
    "9" * 5000, '"\\ud800"', '"\\x00\\x1b[31m"', "*nowhere", "&a [*a]", "!!binary AAAA", "!!python/object x",
    "{a: [1, {b: c}]}", "[[[[[[", "{{ .Values.x }}", "'", '"', "- - -", "? x", "|\n  block", ">-", "@", "`",
    "[1, 2, 3]", "{name: 5}", "{matchLabels: 5}", "[{name: x}]", "\t", "a: b: c",
]
HOSTILE_JSON = ["null", "[]", "{}", '""', "0", "-1", "1.5", "1e400", '"-5%"', '"%"', "true", "9" * 5000,
                '"\\ud800"', '"\\u0000"', "[[[[", "{", '{"a": 1, "a": 2}', "NaN", "Infinity", "[1, 2,]", ""]


@st.composite
def mutated(draw, seeds: list[str], scalars: list[str]) -> str:
    """A seed with a few line and scalar mutations."""
    lines = draw(st.sampled_from(seeds)).split("\n")
    for _ in range(draw(st.integers(0, 6))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "scalar", "scalar", "text", "cut"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i][2:] if lines[i].startswith("  ") else lines[i].lstrip()
        elif op == "scalar":
            head, sep, _ = lines[i].partition(": ")
            value = draw(st.sampled_from(scalars))
            lines[i] = f"{head}{sep}{value}" if sep else lines[i].rstrip(",") + (": " + value if ":" not in lines[i] else "")
        elif op == "text":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.text(max_size=8)) + lines[i][at:]
        else:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
    return "\n".join(lines)


PARSED = [docs for docs in map(_objects, SEEDS) if docs]
ODD_STRINGS = ["", "-5%", "%", "101%", "1e400", "100Gi", "0.5", "*", "-1", "http", "TCP", "Always", "default",
               "kube-system", "../../x", "/abs", "a" * 300, "\x00\x1b", "\ud800", "{{ x }}", "0x10", "1_000"]
VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, width=32),
              st.sampled_from(ODD_STRINGS), st.text(max_size=6)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["name", "a", "port", ""]), inner, max_size=3)),
    max_leaves=6,
)


def _paths(value, path=(), out=None) -> list[tuple]:
    out = [] if out is None else out
    if len(out) < 400:
        out.append(path)
        if isinstance(value, dict):
            for k, v in value.items():
                _paths(v, (*path, k), out)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                _paths(v, (*path, i), out)
    return out


@st.composite
def retyped(draw) -> str:
    """Real objects with a few values replaced by values of other types (or deleted, or
    their list items duplicated), written as YAML or JSON: syntax that parses, shapes that
    do not, for the rules to survive."""
    return _retype(draw, draw(st.sampled_from(PARSED)))


def _retype(draw, seed_docs: list) -> str:
    import copy

    docs = copy.deepcopy(seed_docs)
    for _ in range(draw(st.integers(1, 5))):
        d = draw(st.integers(0, len(docs) - 1))
        paths = _paths(docs[d])[1:]
        if not paths:
            continue
        path = draw(st.sampled_from(paths))
        parent = docs[d]
        for key in path[:-1]:
            parent = parent[key]
        op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "duplicate"]))
        if op == "delete":
            del parent[path[-1]]
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = draw(VALUES)
    if draw(st.booleans()):
        return json.dumps(docs[0] if len(docs) == 1 else {"apiVersion": "v1", "kind": "List", "items": docs},
                          indent=draw(st.sampled_from([None, 2])), default=str)
    return yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True)


MANIFESTS = st.one_of(retyped(), retyped(), mutated(SEEDS, HOSTILE), mutated(JSON_SEEDS, HOSTILE_JSON))


@st.composite
def encoded(draw, text: str) -> bytes:
    """The text as bytes, in an encoding people's editors and tools produce, or damaged."""
    how = draw(st.sampled_from(["utf-8"] * 8 + ["utf-8-sig", "utf-16", "utf-16-le", "latin-1", "nul", "cut", "crlf"]))
    if how in ("utf-8-sig", "utf-16", "utf-16-le", "latin-1"):
        return text.encode(how, errors="replace")
    data = text.encode("utf-8", errors="surrogatepass")
    if how == "nul":
        at = draw(st.integers(0, len(data)))
        return data[:at] + b"\x00" + data[at:]
    if how == "cut":
        return data[: draw(st.integers(0, len(data)))]
    if how == "crlf":
        return data.replace(b"\n", b"\r\n")
    return data


def _run(*argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    """kubevet's main() in-process, with stdout and stderr captured (and stdin given)."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


REPEATED = re.compile(r"\b(an? (?:list|map|object|string|integer|number|boolean)) \1\b")


def _sound(code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2), (code, err[-2000:])
    assert "Traceback" not in err and "Traceback" not in out, err[-4000:]
    assert "internal error" not in err, err[-4000:]  # a crashed rule is a bug too
    said_twice = REPEATED.search(out + err)
    assert said_twice is None, said_twice.group(0)  # "got a list a list"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@fuzz(60)
@given(data=MANIFESTS.flatmap(encoded))
def test_the_loader_reads_anything_into_objects_problems_or_skips(data):
    for item in read_source(Source(None, "<fuzz>", data)):
        assert isinstance(item, (K8sObject, Problem, Skipped)), item


@fuzz(200)
@given(
    text=MANIFESTS,
    how=st.data(),
    fmt=st.sampled_from(["text", "json", "sarif", "junit", "github", "gitlab"]),
    suffix=st.sampled_from([".yaml", ".json", ".yml"]),
    flags=st.sampled_from([[], [], ["--namespace-guardrails", "all"], ["--kube-version", "1.20"], ["--ungrouped"],
                           ["--verbose"], ["--fail-on", "info"]]),
)
def test_the_cli_scans_mutated_manifests(workdir, text, how, fmt, suffix, flags):
    path = workdir / f"m{suffix}"
    path.write_bytes(how.draw(encoded(text)))
    code, out, err = _run("scan", "--no-config", "--select", "ALL", "-f", fmt, *flags, str(path))
    _sound(code, out, err)
    if code == 2:
        assert "kubevet: error:" in err, err[-2000:]  # exit 2 says why


CONFIGS = [
    STARTER,
    "extends: strict\nfail-on: warning\nexclude: [vendor/*]\nrules:\n  replicas-too-few: {min-replicas: 3}\n"
    "  secret-in-env: {name-patterns: ['(?i)token']}\n  pod-not-isolated: {directions: [Ingress]}\n",
    "select: [SEC, RES001]\nignore: [SEC008]\nkube-version: 1.30\nworkload-kinds:\n  argoproj.io/Rollout: spec.template\n"
    "exemptions:\n  - reason: platform\n    namespaces: [kube-system]\n    rules: [run-as-root]\n",
    "inline-suppressions: false\nrequire-suppression-reason: true\nnamespace-guardrails: [shop]\n"
    "freeze:\n  timezone: Europe/Berlin\n  windows:\n    - {from: 'fri 16:00', to: 'mon 08:00'}\n",
]
CONFIG_SCALARS = [*HOSTILE, "error", "warning", "ALL", "SEC", "nope", "[nope]", "{nope: 1}", '"1.30"', "1.3", "0.1",
                  "[Sideways]", "'('", "[default, strict]"]
POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers: [{name: c, image: nginx:1.25}]\n"


@fuzz(120)
@given(text=mutated(CONFIGS, CONFIG_SCALARS), how=st.data(), toml=st.booleans())
def test_the_config_reader_accepts_or_names_the_problem(workdir, text, how, toml):
    (workdir / "pod.yaml").write_text(POD)
    if toml:  # the same settings as a pyproject.toml table, mutated as text
        config = workdir / "pyproject.toml"
        config.write_bytes(b"[tool.kubevet]\n" + how.draw(encoded(_as_toml(text))))
    else:
        config = workdir / ".kubevet.yaml"
        config.write_bytes(how.draw(encoded(text)))
    code, out, err = _run("scan", "--config", str(config), str(workdir / "pod.yaml"))
    _sound(code, out, err)
    if code == 2:
        assert err.startswith("kubevet: error: "), err[-2000:]


def _as_toml(text: str) -> str:
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        return text
    if not isinstance(data, dict):
        return text
    lines = []
    for k, v in data.items():
        try:  # TOML's arrays and strings are JSON's; an alias that contains itself is not
            lines.append(f"{k} = {json.dumps(v, default=str)}\n")
        except (ValueError, RecursionError):
            lines.append(f"{k} = []\n")
    return "".join(lines)


@fuzz(40)
@given(text=mutated(JSON_SEEDS, HOSTILE_JSON), how=st.data())
def test_stdin_in_process(text, how):
    code, out, err = _run("scan", "--no-config", "-f", "json", "-", stdin=how.draw(encoded(text)))
    _sound(code, out, err)
    if out.strip():
        json.loads(out)  # the report stays JSON whatever the input held


@pytest.mark.parametrize("seed", range(4))
def test_stdin_of_the_installed_command(seed):
    """A few through the real process: stdin bytes as a pipe gives them, and os._exit's code."""
    text = [SEEDS[0], JSON_SEEDS[0], SEEDS[1].replace("  ", "\t", 3), JSON_SEEDS[1][: len(JSON_SEEDS[1]) // 2]][seed]
    data = [text.encode(), text.encode("utf-16"), text.encode("utf-8-sig"), text.encode() + b"\x00\xff"][seed]
    p = subprocess.run([sys.executable, "-m", "kubevet", "scan", "--no-config", "-"], input=data,
                       capture_output=True, timeout=120)
    err = p.stderr.decode("utf-8", "replace")
    _sound(p.returncode, p.stdout.decode("utf-8", "replace"), err)


@st.composite
def changed(draw) -> tuple[str, str]:
    """Two mutations of the same objects: what kubevet diff compares field by field."""
    docs = draw(st.sampled_from(PARSED))
    return _retype(draw, docs), _retype(draw, docs)


@fuzz(80)
@given(pair=st.one_of(changed(), changed(), st.tuples(MANIFESTS, MANIFESTS)), command=st.sampled_from(["diff", "diff", "rbac"]),
       fmt=st.sampled_from(["text", "json", "markdown", "sarif"]))
def test_diff_and_rbac_read_mutated_manifests(workdir, pair, command, fmt):
    old, new = pair
    (workdir / "old.yaml").write_text(old, encoding="utf-8", errors="surrogatepass")
    (workdir / "new.yaml").write_text(new, encoding="utf-8", errors="surrogatepass")
    if command == "diff":
        argv = ["diff", "-f", fmt, str(workdir / "old.yaml"), str(workdir / "new.yaml")]
    else:
        argv = ["rbac", "--format", "json" if fmt == "json" else "text", str(workdir / "new.yaml")]
    code, out, err = _run(*argv)
    _sound(code, out, err)


CHARTS = ROOT / "tests" / "data" / "charts"
CHART_VALUES = {name: yaml.safe_load((CHARTS / name / "values.yaml").read_text(encoding="utf-8"))
                for name in ("podinfo", "metrics-server", "ingress-nginx")}


@fuzz(25)
@given(chart=st.sampled_from(sorted(CHART_VALUES)), draw=st.data())
def test_real_charts_render_with_mutated_values(workdir, chart, draw):
    """A values file of the wrong shapes: a render error (exit 2) or a scan, never a crash."""
    (workdir / "values.yaml").write_text(_retype(draw.draw, [CHART_VALUES[chart]]), encoding="utf-8", errors="surrogatepass")
    code, out, err = _run("scan", "--no-config", "-f", "json", "--values", str(workdir / "values.yaml"), str(CHARTS / chart))
    _sound(code, out, err)
