"""docs/diff-gate.md keeps up with the code: the table of checks, the presets, the formats."""

from pathlib import Path

from kubevet.diff.output import FORMATS
from kubevet.diff.risks import CHECKS, checks_markdown
from kubevet.freeze.settings import PRESETS

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "diff-gate.md").read_text(encoding="utf-8")


def test_the_table_of_checks_is_generated_from_the_code():
    assert checks_markdown() in PAGE
    assert f"{len(CHECKS)} named risk checks" in " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())


def test_presets_and_formats_are_documented():
    for name in PRESETS:
        assert name in PAGE
    for fmt in FORMATS:
        assert f"`{fmt}`" in PAGE
