"""The registry: unique identities, well-formed docs, a pass and a fail fixture for every rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubevet.rules import all_rules, lookup
from kubevet.rules._base import DOC_SECTIONS, doc_sections

FIXTURES = Path(__file__).parent / "fixtures"
RULES = all_rules()


def test_codes_and_names_are_unique_and_sorted():
    codes = [r.code for r in RULES]
    names = [r.name for r in RULES]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)


def test_lookup_accepts_name_and_code():
    r = RULES[0]
    assert lookup(r.name) is r
    assert lookup(r.code) is r
    assert lookup(r.code.lower()) is r
    with pytest.raises(KeyError):
        lookup("no-such-rule")


def test_category_prefix_is_shared():
    prefixes: dict[str, set[str]] = {}
    for r in RULES:
        prefixes.setdefault(r.category, set()).add(r.code[:3])
    assert all(len(p) == 1 for p in prefixes.values()), prefixes


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_docs_have_every_section(rule):
    sections = doc_sections(rule.doc)
    assert list(sections) == list(DOC_SECTIONS), f"{rule.name}: sections {list(sections)}"
    for name, text in sections.items():
        assert text.strip(), f"{rule.name}: empty section {name}"
    assert rule.title.endswith("."), f"{rule.name}: the title line must be a sentence"
    assert rule.help.endswith("."), f"{rule.name}: the first paragraph of Fix must end with a period"
    for opt in rule.options:
        assert f"`{opt.name}`" in sections["Options"], f"{rule.name}: option {opt.name} undocumented"


@pytest.mark.parametrize(
    "rule", [r for r in RULES if r.scope != "input"], ids=lambda r: r.name
)
def test_every_rule_has_pass_and_fail_fixtures(rule):
    d = FIXTURES / f"{rule.code}-{rule.name}"
    assert d.is_dir(), f"missing fixture directory {d.name}"
    assert list(d.glob("pass.*.yaml")), f"{d.name}: no pass fixture"
    assert list(d.glob("fail.*.yaml")), f"{d.name}: no fail fixture"


def test_no_fixture_directory_without_a_rule():
    known = {f"{r.code}-{r.name}" for r in RULES}
    stray = [d.name for d in FIXTURES.iterdir() if d.is_dir() and d.name not in known]
    assert not stray
