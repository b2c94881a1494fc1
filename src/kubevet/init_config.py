"""``kubevet init``: a starter .kubevet.yaml that explains each setting."""

from __future__ import annotations

STARTER = """\
# kubevet configuration. Every setting is optional; `kubevet rules` lists the rules and
# `kubevet explain NAME` documents one. Unknown settings, rules or options are errors.
# Editors can validate this file with the JSON Schema in kubevet's docs/config.schema.json.

# Build on a preset shipped with kubevet: default, or strict (every rule, warnings fail,
# suppressions need reasons). A path to another configuration works too.
extends: default

# Which rules run: names, codes, code prefixes (SEC) or categories; ALL for every rule.
# Leave select out to run the rules that are on by default. The most specific of select and
# ignore wins, so `select: [SEC]` with `ignore: [SEC008]` runs every SEC rule but SEC008.
# select: [ALL]
# extend-select: [image-digest-missing]
# ignore: [priority-class-missing]

# The lowest severity that fails the build (exit code 1): error, warning or info.
fail-on: error

# The Kubernetes version your clusters run (schemas and API removals are judged for it).
# kube-version: "1.30"

# Per rule: a severity and the rule's options.
rules:
  # cpu-limit-missing:
  #   severity: info
  #   required: false      # CPU limits are optional on this platform
  # replicas-too-few:
  #   min-replicas: 3

# Paths not to scan (glob patterns).
exclude:
  # - "tests/fixtures/**"

# Custom resources that run pods, and where their pod template is.
workload-kinds:
  # argoproj.io/Rollout: spec.template

# Findings accepted on purpose. Each needs a reason; every other key narrows it down.
exemptions:
  # - reason: "system components are managed by the platform team"
  #   namespaces: [kube-system]
  #   rules: [run-as-root]
  #   kinds: [DaemonSet]
  #   names: ["node-*"]

# kubevet.io/ignore annotations must be accompanied by kubevet.io/ignore-reason.
require-suppression-reason: false
"""


def write(path: str, force: bool = False) -> str:
    import os

    if os.path.exists(path) and not force:
        raise FileExistsError(path)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(STARTER)
    return path
