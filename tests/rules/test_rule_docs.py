"""Every rule's documented Example triggers it and its Fix does not; docs/rules.md is current."""

from __future__ import annotations

import pytest
from conftest import ROOT

from kubevet.config import Config
from kubevet.docs import rules_markdown
from kubevet.engine import lint_text
from kubevet.rules import all_rules
from kubevet.rules._base import yaml_blocks

RULES = all_rules()


def _scan(block: tuple[str, str], rule):
    encoding, text = block
    return lint_text(text.encode(encoding), Config(select=[rule.code])).findings


def _chart_blocks(section: str) -> list[tuple[str, str]]:
    """```yaml path=FILE blocks: the files of a chart (rules about rendering)."""
    import re

    return re.findall(r"```ya?ml[^\n]*\bpath=(\S+)[^\n]*\n(.*?)```", section, re.S)


def _scan_chart(files: list[tuple[str, str]], rule, tmp_path):
    from kubevet.engine import Engine
    from kubevet.loading.discover import discover

    for name, text in files:
        path = tmp_path / "chart" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    sources, problems = discover([str(tmp_path / "chart")])
    return Engine(Config(select=[rule.code])).scan(sources, problems).findings


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_example_triggers_the_rule(rule, tmp_path):
    chart = _chart_blocks(rule.section("Example"))
    if chart:
        findings = _scan_chart(chart, rule, tmp_path)
        assert {f.code for f in findings} == {rule.code}, "the Example chart produced no finding"
        return
    blocks = yaml_blocks(rule.section("Example"))
    assert blocks, f"{rule.name}: the Example has no yaml block"
    for block in blocks:
        findings = _scan(block, rule)
        assert findings, f"{rule.name}: the Example produced no finding"
        assert {f.code for f in findings} == {rule.code}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_fix_is_clean(rule, tmp_path):
    chart = _chart_blocks(rule.section("Fix"))
    if chart:
        findings = _scan_chart(chart, rule, tmp_path)
        assert not findings, [f"{f.line}: {f.message}" for f in findings]
        return
    blocks = yaml_blocks(rule.section("Fix"))
    assert blocks, f"{rule.name}: the Fix has no yaml block"
    for block in blocks:
        findings = _scan(block, rule)
        assert not findings, [f"{f.line}: {f.message}" for f in findings]


def test_rules_md_is_generated_and_current():
    path = ROOT / "docs" / "rules.md"
    assert path.exists(), "run python scripts/gen_docs.py"
    assert path.read_text(encoding="utf-8") == rules_markdown(), "docs/rules.md is stale: run python scripts/gen_docs.py"
