"""The Dockerfile and .dockerignore, tested without a Docker engine (there is none here).

What can be checked without building: the Dockerfile parses with Docker's own parser
(the ``dockerfile`` package wraps BuildKit's), its COPY sources are in the build context
that .dockerignore leaves, the checks hadolint would make for this kind of file, and the
two stages' commands, run here on a copy of that build context: the build stage's
``pip wheel`` and, when a Python 3.12 is at hand, the image stage's install of that wheel
with binary wheels only, ending with the entrypoint's ``kubevet --version``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib
from conftest import ROOT

dockerfile = pytest.importorskip("dockerfile")

COMMANDS = dockerfile.parse_file(str(ROOT / "Dockerfile"))


def args_defaults() -> dict[str, str]:
    out = {}
    for c in COMMANDS:
        if c.cmd == "ARG" and "=" in c.value[0]:
            name, _, default = c.value[0].partition("=")
            out[name] = default.strip('"')
    return out


def stages() -> list[list]:
    """The commands of each stage (FROM starts one)."""
    out: list[list] = []
    for c in COMMANDS:
        if c.cmd == "FROM":
            out.append([c])
        elif out:
            out[-1].append(c)
    return out


def context_files(root: Path = ROOT) -> list[str]:
    """The files of the build context, after .dockerignore, as Docker decides: patterns in
    order, the last that matches a path or one of its parent directories wins, ``!``
    re-includes; ``*`` stays within a path component, ``**`` spans any number."""
    rules = []
    for line in (root / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        rules.append((negate, re.compile(_regex(pattern))))
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", ".venv")]
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
            parts = rel.split("/")
            prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
            excluded = False
            for negate, regex in rules:
                if any(regex.fullmatch(p) for p in prefixes):
                    excluded = not negate
            if not excluded:
                files.append(rel)
    return sorted(files)


def _regex(pattern: str) -> str:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return out


# --- the file ----------------------------------------------------------------------------


def test_the_base_image_is_python_3_12_slim_in_both_stages():
    defaults = args_defaults()
    bases = [s[0].value[0] for s in stages()]
    assert bases == ["${PYTHON_IMAGE}", "${PYTHON_IMAGE}"]
    assert defaults["PYTHON_IMAGE"] == "python:3.12-slim"  # tagged, not latest (DL3006, DL3007)


def test_the_image_runs_the_console_script_as_a_non_root_user():
    final = stages()[-1]
    (entrypoint,) = [c for c in final if c.cmd == "ENTRYPOINT"]
    assert entrypoint.json and entrypoint.value == ("kubevet",)  # exec form (DL3025)
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["kubevet"] == "kubevet.cli:run"
    (cmd,) = [c for c in final if c.cmd == "CMD"]
    assert cmd.json and cmd.value == ("--help",)
    users = [c.value[0] for c in final if c.cmd == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")  # DL3002
    assert users[-1].split(":")[0].isdigit()  # numeric, so that runAsNonRoot can verify it
    uid = users[-1].split(":")[0]
    assert any(f"--uid {uid}" in c.value[0] for c in final if c.cmd == "RUN")


def test_hadolint_style_basics():
    names = [s[0].value[2] for s in stages() if len(s[0].value) == 3 and s[0].value[1].upper() == "AS"]
    for c in COMMANDS:
        assert c.cmd not in ("ADD", "MAINTAINER"), c.original  # DL3020, DL4000
        if c.cmd == "WORKDIR":
            assert c.value[0].startswith("/"), c.original  # DL3000
        if c.cmd == "COPY":
            source = [f for f in c.flags if f.startswith("--from=")]
            if source:
                assert source[0].split("=", 1)[1] in names, c.original  # a stage defined above
        if c.cmd == "RUN":
            run = c.value[0]
            assert not re.search(r"(^|[;&|]\s*)cd\s", run), c.original  # DL3003: WORKDIR, not cd
            assert "apt-get" not in run and "sudo" not in run, c.original  # no build tools installed
            for pip in re.findall(r"pip3? (?:install|wheel)[^;&|]*", run):
                assert "--no-cache-dir" in pip, c.original  # DL3042
            if "|" in run.replace("||", ""):
                assert "pipefail" in run, c.original  # DL4006
    final = stages()[-1]
    assert not any(c.cmd == "COPY" and not c.flags for c in final), "the image gets only the built wheel"


def test_copy_sources_are_in_the_build_context():
    files = context_files()
    for c in COMMANDS:
        if c.cmd != "COPY" or c.flags:
            continue
        for source in c.value[:-1]:
            assert any(f == source or f.startswith(source.rstrip("/") + "/") for f in files), source


def test_the_build_context_is_small():
    files = context_files()
    assert "pyproject.toml" in files and "README.md" in files
    assert "src/kubevet/cli.py" in files and "src/kubevet/data/schemas/v1.30.json.gz" in files
    assert not [f for f in files if f.startswith(("tests/", ".git/", ".venv/", "benchmarks/", "examples/"))]
    assert not [f for f in files if "__pycache__" in f or ".egg-info" in f]


# --- the stages' commands, run here ------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The build stage: its COPY instructions on the filtered context, then its RUN."""
    context = tmp_path_factory.mktemp("context")
    for rel in context_files():
        (context / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, context / rel)
    build = stages()[0]
    workdir = tmp_path_factory.mktemp("build-src")
    for c in build:
        if c.cmd == "COPY":  # as Docker copies: a directory's contents, a file into a dir/
            *sources, dest = c.value
            for source in sources:
                src = context / source
                if src.is_dir():
                    shutil.copytree(src, workdir / dest, dirs_exist_ok=True)
                elif dest.endswith("/"):
                    (workdir / dest).mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, workdir / dest / src.name)
                else:
                    shutil.copy2(src, workdir / dest)
    (run,) = [c.value[0] for c in build if c.cmd == "RUN"]
    wheels = tmp_path_factory.mktemp("wheels")
    argv = shlex.split(run.replace("/wheels", str(wheels)))
    assert argv[:2] == ["pip", "wheel"]
    subprocess.run([sys.executable, "-m", *argv], cwd=workdir, check=True, capture_output=True, timeout=600)
    (built,) = wheels.glob("kubevet-*.whl")
    return built


def test_the_build_stage_makes_a_complete_wheel(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "kubevet/cli.py" in names and "kubevet/data/schemas/v1.30.json.gz" in names
    assert "kubevet/presets/default.yaml" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "kubevet = kubevet.cli:run" in text and "kubectl-vet = kubevet.cli:run_kubectl" in text


def python312() -> str | None:
    """A Python 3.12 interpreter, on PATH or installed by pyenv, or None."""
    candidates = [shutil.which("python3.12")]
    candidates += [str(p) for p in sorted(Path.home().glob(".pyenv/versions/3.12*/bin/python3.12"))]
    for candidate in filter(None, candidates):
        r = subprocess.run([candidate, "-c", "import sys, venv; print(sys.version_info[:2])"], capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.strip() == "(3, 12)":
            return candidate
    return None


def test_the_image_stage_installs_binary_wheels_only_and_runs(wheel, tmp_path):
    """The image stage's RUN, in a fresh virtualenv standing in for python:3.12-slim (a
    Python 3.12 when one is at hand, else the running interpreter)."""
    python = python312() or sys.executable
    venv = tmp_path / "image"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True)
    (run,) = [c.value[0] for c in stages()[-1] if c.cmd == "RUN"]
    pip_install = re.search(r"pip install ([^;]*);", run).group(1)
    flags = [w for w in shlex.split(pip_install) if w.startswith("--")]
    assert flags == ["--no-cache-dir", "--only-binary=:all:"]
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--only-binary=:all:", str(wheel)],
        check=True, capture_output=True, env=env, timeout=600,
    )
    version = subprocess.run([str(venv / "bin" / "kubevet"), "--version"], capture_output=True, text=True, check=True)
    from kubevet import __version__

    assert version.stdout.strip() == f"kubevet {__version__}"
    manifest = tmp_path / "pod.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox:1.36, securityContext: {privileged: true}}]\n")
    scan = subprocess.run([str(venv / "bin" / "kubevet"), "scan", "--select", "privileged-container", str(manifest)], capture_output=True, text=True)
    assert scan.returncode == 1 and "privileged-container" in scan.stdout
