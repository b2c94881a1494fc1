"""Regenerate docs/rules.md from the rules; tests fail when the checked-in copy is stale."""

from pathlib import Path

from kubevet.docs import rules_markdown

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    target = ROOT / "docs" / "rules.md"
    target.parent.mkdir(exist_ok=True)
    target.write_text(rules_markdown(), encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")
