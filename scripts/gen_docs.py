"""Regenerate docs/rules.md and docs/config.schema.json; tests fail when they are stale."""

import json
from pathlib import Path

from kubevet.config_file import schema
from kubevet.docs import rules_markdown

ROOT = Path(__file__).resolve().parent.parent


def config_schema_text() -> str:
    return json.dumps(schema(), indent=2) + "\n"


if __name__ == "__main__":
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "rules.md").write_text(rules_markdown(), encoding="utf-8")
    (docs / "config.schema.json").write_text(config_schema_text(), encoding="utf-8")
    print("wrote docs/rules.md and docs/config.schema.json")
