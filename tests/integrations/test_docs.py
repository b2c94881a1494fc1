"""The copy-paste examples of docs/integrations.md and the README's Integrations section
match the code: every kubevet command parses, every hook id, action input and report file
named exists."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml
from conftest import ROOT

from kubevet import baseline
from kubevet.cli import build_parser
from kubevet.errors import UsageError
from kubevet.k8s import paths

DOCS = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
README_INTEGRATIONS = README[README.index("## Integrations") : README.index("\n## ", README.index("## Integrations") + 5)]
HOOKS = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def blocks(text: str, lang: str | None = None) -> list[str]:
    found = re.findall(r"```(\w*)\n(.*?)```", text, re.S)
    return [body for kind, body in found if lang is None or kind == lang]


def kubevet_commands(text: str) -> list[list[str]]:
    """Every kubevet (or kubectl vet) command line of the code blocks, as argv after the program."""
    out = []
    for body in blocks(text):
        for line in body.splitlines():
            line = line.strip().lstrip("- ").strip("'\"")
            if not re.search(r"kubevet (scan|baseline|rules|explain)|kubectl vet", line):
                continue
            for part in line.split("|"):
                words = shlex.split(part, comments=True)
                for i, word in enumerate(words):
                    if word.endswith("kubevet") and not word.endswith(".kubevet") and i + 1 < len(words) and words[i + 1] in ("scan", "baseline", "rules", "explain"):
                        out.append(words[i + 1 :])
                        break
                    if word == "kubectl" and words[i + 1 : i + 2] == ["vet"]:
                        out.append(words[i + 2 :])
                        break
    return out


@pytest.mark.parametrize("text", [DOCS, README_INTEGRATIONS], ids=["integrations.md", "README"])
def test_every_kubevet_command_parses(text):
    commands = kubevet_commands(text)
    assert len(commands) >= 6
    for argv in commands:
        try:
            build_parser().parse_args(argv)
        except UsageError as exc:
            pytest.fail(f"{' '.join(argv)}: {exc}")


@pytest.mark.parametrize("text", [DOCS, README_INTEGRATIONS], ids=["integrations.md", "README"])
def test_pre_commit_examples_name_real_hooks(text):
    configs = [yaml.safe_load(b) for b in blocks(text, "yaml") if "pre-commit" in b or "hooks:" in b]
    configs = [c for c in configs if isinstance(c, dict) and "repos" in c]
    assert configs
    for config in configs:
        for repo in config["repos"]:
            assert repo["repo"] == "https://github.com/kubevet/kubevet" and repo["rev"].startswith("v")
            for hook in repo["hooks"]:
                assert hook["id"] in HOOKS
    for hook_id in HOOKS:
        assert f"`{hook_id}`" in DOCS or f"**`{hook_id}`**" in DOCS


@pytest.mark.parametrize("text", [DOCS, README_INTEGRATIONS], ids=["integrations.md", "README"])
def test_workflow_examples_use_real_inputs(text):
    workflows = [yaml.safe_load(b) for b in blocks(text, "yaml") if "kubevet/kubevet@" in b]
    assert workflows
    for workflow in workflows:
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                if step.get("uses", "").startswith("kubevet/kubevet@"):
                    assert set(step.get("with", {})) <= set(ACTION["inputs"])
        assert workflow["permissions"]["security-events"] == "write"


def test_the_inputs_table_lists_every_input_with_its_default():
    rows = dict(re.findall(r"^\| `([a-z-]+)` \|\s*(`[^`|]*`)?\s*\|", DOCS, re.M))
    for name, spec in ACTION["inputs"].items():
        assert name in rows, name
        assert rows[name].strip("`") == spec["default"], name


@pytest.mark.parametrize("text", [DOCS, README_INTEGRATIONS], ids=["integrations.md", "README"])
def test_gitlab_examples_collect_the_files_kubevet_writes(text):
    jobs = [yaml.safe_load(b) for b in blocks(text, "yaml") if "codequality" in b]
    assert jobs
    for job in jobs:
        (spec,) = job.values()
        script = " ".join(spec["script"])
        reports = spec["artifacts"]["reports"]
        assert spec["artifacts"]["when"] == "always"
        assert f"-f gitlab -o {reports['codequality']}" in script
        assert f"-f junit -o {reports['junit']}" in script


def test_the_baseline_file_example_is_a_baseline():
    (example,) = [b for b in blocks(DOCS, "json") if '"fingerprint"' in b]
    loaded = baseline.loads(example)
    assert sum(loaded.counts.values()) == 1


def test_documented_severities_and_keys_match_the_code():
    from kubevet.output import gitlab

    for level, name in gitlab.SEVERITY.items():
        assert f"{level} → `{name}`" in DOCS
    assert f"`{gitlab.INPUT_ERROR_SEVERITY}` for input that could not be read" in DOCS
    for list_name, keys in paths._MERGE_KEYS.items():
        assert f"`{list_name}`" in DOCS, list_name
    assert "`python:3.12-slim`" in README_INTEGRATIONS and "10001" in DOCS
