"""One test for every rule fixture under tests/rules/fixtures/<CODE>-<name>/.

``fail.*.yaml`` files mark each line where the rule must report with ``# expect: CODE``;
the rule must report exactly those lines. ``pass.*.yaml`` files must give no finding.
A ``config.yaml`` beside them sets the rule's options (``options: {key: value}``).
Only the fixture's own rule runs, so the files need not be clean for other rules.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from kubevet.config import Config
from kubevet.engine import Engine
from kubevet.model import Source

FIXTURES = Path(__file__).parent / "fixtures"
_EXPECT = re.compile(r"#\s*expect:\s*([A-Z]{3}[0-9]{3}(?:\s*,\s*[A-Z]{3}[0-9]{3})*)")


def _cases():
    for d in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for f in sorted(d.glob("*.yaml")):
            if f.name.startswith(("pass.", "fail.")):
                yield pytest.param(d, f, id=f"{d.name}/{f.name}")


def expected(path: Path) -> set[tuple[int, str]]:
    marks = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = _EXPECT.search(line)
        if m:
            for code in m.group(1).split(","):
                marks.add((n, code.strip()))
    return marks


def run_fixture(directory: Path, path: Path):
    code = directory.name.split("-", 1)[0]
    options = {}
    config_file = directory / "config.yaml"
    if config_file.exists():
        options = yaml.safe_load(config_file.read_text()).get("options", {})
    from kubevet.rules import lookup

    name = lookup(code).name
    config = Config(select=[code], options={name: dict(options)} if options else {})
    return Engine(config).scan([Source(str(path), str(path))]).findings


@pytest.mark.parametrize(("directory", "path"), list(_cases()))
def test_fixture(directory: Path, path: Path):
    findings = run_fixture(directory, path)
    got = {(f.line, f.code) for f in findings}
    if path.name.startswith("pass."):
        assert not findings, [f"{f.line}: {f.code} {f.message}" for f in findings]
    else:
        want = expected(path)
        assert want, f"{path} has no '# expect:' marker"
        assert got == want, "\n".join(f"{f.line}:{f.column} {f.code} {f.message}" for f in findings)
