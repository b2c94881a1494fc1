"""The README's set-up commands are what CI runs, and its examples behave as it says."""

from __future__ import annotations

import re

from conftest import ROOT


def setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)


def test_ci_runs_exactly_the_readme_test_command():
    install_and_run, tests = setup_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci == tests
    assert "pytest" in tests and "kubevet scan examples" in install_and_run


def test_the_examples_behave_as_the_readme_says(run_cli):
    assert run_cli("scan", "--no-config", str(ROOT / "examples" / "fixed")).code == 0
    broken = run_cli("scan", "--no-config", str(ROOT / "examples" / "broken"))
    assert broken.code == 1
    for rule in ("resources-unset", "probes-unsafe", "pdb-missing", "cluster-admin-bound",
                 "network-isolation-missing", "namespace-quota-missing"):
        assert rule in broken.out, rule
    each = run_cli("scan", "--no-config", "--ungrouped", str(ROOT / "examples" / "broken"))
    for rule in ("cpu-request-missing", "memory-limit-missing", "probes-identical", "namespace-default-deny-missing"):
        assert rule in each.out and rule not in broken.out, rule


def test_the_suite_reads_nothing_outside_the_clone():
    """A contributor's clone runs the suite alone: no test reaches for a directory beside the
    repository (as the shared corpus once was); third-party data lives in tests/data with its sources."""
    reaching_out = re.compile(r"""\.\./shared|/work/|ROOT\.parent|parents\[\d\]\.parent|["']shared["']""")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if reaching_out.search(line) and "reaching_out = " not in line
    ]
    assert not offenders, "\n".join(offenders)


def test_the_carried_corpus_is_upstream_byte_for_byte():
    import hashlib

    from conftest import DATA, REAL_FILES, real_corpus

    sums = dict(
        reversed(line.split()) for line in (DATA / "corpus/real/SHA256SUMS").read_text(encoding="utf-8").splitlines()
    )
    assert sorted(sums) == REAL_FILES and len(REAL_FILES) == 17
    for name in REAL_FILES:
        assert hashlib.sha256((real_corpus() / name).read_bytes()).hexdigest() == sums[name], name
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for entry in sorted(p.name for p in DATA.iterdir() if p.is_dir()):
        assert f"`{entry}/" in readme, f"tests/data/{entry} has no source note in tests/data/README.md"
