"""Shell completion scripts and the Markdown rule list."""

from __future__ import annotations

import shutil
import subprocess

import pytest


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_name_commands_options_and_rules(run_cli, shell):
    r = run_cli("completion", shell)
    assert r.code == 0
    for word in ("scan", "explain", "fail-on", "cpu-request-missing", "pdb-missing"):
        assert word in r.out, word


def test_the_bash_script_parses_and_completes(run_cli, tmp_path):
    script = tmp_path / "kubevet.bash"
    script.write_text(run_cli("completion", "bash").out)
    subprocess.run(["bash", "-n", str(script)], check=True)
    probe = (
        f"source {script}; COMP_WORDS=(kubevet explain pdb-m); COMP_CWORD=2; _kubevet; "
        "printf '%s\\n' \"${COMPREPLY[@]}\""
    )
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["pdb-missing"]


def test_fish_script_is_valid_when_fish_is_installed_or_has_one_line_per_flag(run_cli):
    text = run_cli("completion", "fish").out
    lines = [line for line in text.splitlines() if line.startswith("complete -c kubevet")]
    assert any("-l fail-on" in line for line in lines)
    if shutil.which("fish"):
        subprocess.run(["fish", "--no-execute", "-c", text], check=True)


def test_rules_markdown_lists_every_rule(run_cli):
    from kubevet.rules import all_rules

    r = run_cli("rules", "--format", "markdown")
    assert r.code == 0
    for rule in all_rules():
        assert f"[{rule.name}]" in r.out
    assert r.out.startswith("# kubevet rules")
