"""Settings of a scan: which rules run, at what severity, with which options."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kubevet.errors import ConfigError
from kubevet.findings import Severity
from kubevet.groups import GROUP_OF
from kubevet.groups import lookup as group_lookup
from kubevet.rules import Rule, all_rules, did_you_mean, lookup
from kubevet.suppress import Exemption


@dataclass
class Config:
    """Everything that changes what a scan reports. The CLI and config files fill it in."""

    select: list[str] = field(default_factory=list)  # empty: the rules that are on by default
    extend_select: list[str] = field(default_factory=list)  # selected on top of select
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)  # rule name -> severity
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule name -> options
    fail_on: Severity = Severity.ERROR
    workload_kinds: dict[str, str] = field(default_factory=dict)  # "group/Kind" -> template path
    # namespaces whose guardrails are judged besides those the scan defines; ["all"]: every one
    namespace_guardrails: list[str] = field(default_factory=list)
    inline_suppressions: bool = True  # honour kubevet.io/ignore annotations
    exemptions: list[Exemption] = field(default_factory=list)
    kube_version: str = ""  # target Kubernetes version ("1.30"); empty: the newest with schemas
    crd_files: list[str] = field(default_factory=list)  # CRD files/directories (--crd)
    exclude: list[str] = field(default_factory=list)  # globs of paths a scan leaves out (discovery)

    def validate(self, rules: Sequence[Rule] | None = None) -> None:
        """Fail with a message naming every unknown rule, option or value (``rules``: the
        catalogue selectors may name, default every registered rule)."""
        catalogue = all_rules() if rules is None else rules
        for selector in [*self.select, *self.extend_select, *self.ignore]:
            if not any(_specificity(selector, r) >= 0 for r in catalogue):
                raise ConfigError(f"unknown rule, code, prefix or category: {selector!r}{did_you_mean(selector)}")
        for name in self.severity:
            if group_lookup(name) is None:
                _rule(name)
        for name, opts in self.options.items():
            r = _rule(name)
            for key, value in list(opts.items()):
                try:
                    opts[key] = r.option(key).parse(value)
                except KeyError as exc:
                    raise ConfigError(exc.args[0]) from None
                except ValueError as exc:
                    raise ConfigError(f"option {r.name}.{key}: {exc}") from None
        try:  # the target version and --crd files, checked before the scan (kubevet.schema)
            from kubevet.schema.versions import parse

            parse(self.kube_version)
            if self.crd_files:
                from kubevet.schema.catalog import load_crd_files

                load_crd_files(self.crd_files)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        for name, opts in self.options.items():  # a rule's own crd-files, read as --crd's are
            if opts.get("crd-files"):
                from kubevet.schema.catalog import load_crd_files

                try:
                    load_crd_files(opts["crd-files"])
                except ValueError as exc:
                    raise ConfigError(f"option {name}.crd-files: {str(exc).removeprefix('--crd ')}") from None

    def active(self, r: Rule) -> bool:
        """Whether a rule runs: the most specific of select and ignore decides."""
        if self.select:
            chosen = max((_specificity(s, r) for s in self.select), default=-1)
        else:
            chosen = 0 if r.enabled else -1
        chosen = max([chosen, *(_specificity(s, r) for s in self.extend_select)])
        dropped = max((_specificity(s, r) for s in self.ignore), default=-1)
        return chosen >= 0 and chosen > dropped

    def severity_of(self, r: Rule, default: Severity | None = None) -> Severity:
        """The configured severity of a rule, else ``default`` (a finding's own), else the rule's."""
        group = GROUP_OF.get(r.name)
        by_group = self.severity.get(group.name) if group is not None else None
        return self.severity.get(r.name) or by_group or default or r.severity

    def options_of(self, r: Rule) -> dict[str, Any]:
        opts = r.defaults()
        for key, value in (("kube-version", self.kube_version), ("crd-files", self.crd_files)):
            if value and key in opts:  # scan-wide settings, for the rules that take them
                opts[key] = value
        opts.update(self.options.get(r.name, {}))
        return opts


def _rule(name: str) -> Rule:
    try:
        return lookup(name)
    except KeyError:
        raise ConfigError(f"unknown rule: {name!r}{did_you_mean(name)}") from None


def _specificity(selector: str, r: Rule) -> int:
    """How precisely a selector names a rule; -1 when it does not name it at all."""
    s = selector.strip()
    if s == r.name or s.upper() == r.code:
        return 100
    group = GROUP_OF.get(r.name)
    if group is not None and (s == group.name or s.upper() == group.code):
        return 50  # a group of rules: less precise than the rule's own name
    if s.upper() == "ALL":
        return 1
    if s == r.category:
        return 2
    if s and s.isupper() and r.code.startswith(s):  # a code prefix such as SEC or RES00
        return 2 + len(s)
    return -1
