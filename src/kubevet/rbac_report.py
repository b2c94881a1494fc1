"""``kubevet rbac``: what every ServiceAccount of the manifests may do, and which bindings allow it.

A ServiceAccount is listed when the manifests define it, bind it, or run pods as it. Its
grants are the RoleBindings (in their namespace) and ClusterRoleBindings (cluster-wide) that
name it, its username (``system:serviceaccount:NS:NAME``) or a group it belongs to
(``system:serviceaccounts``, ``system:serviceaccounts:NS``, ``system:authenticated``), each
with the rules of its role as the API server resolves them (kubevet.k8s.rbac: aggregated
ClusterRoles followed, Kubernetes' default roles known). Each grant also says in a line
what the RBAC rules judge risky in it (full control, deleting Secrets ...): in the text
report those lines start with ``!``, and a legend under the report says so. The users and
groups that bindings name follow the ServiceAccounts.

A RoleBinding grants only what exists inside its namespace: the ``nonResourceURLs`` rules of
its role (``/metrics``, ``/healthz``, ``*``) take effect only through a ClusterRoleBinding, so
they are not listed (nor judged) for a RoleBinding.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubevet.k8s.index import namespace_of
from kubevet.k8s.rbac import Binding, PolicyRule, Rbac, Subject, full_admin
from kubevet.k8s.rbac_risks import creates_pods, destructive, escalation, phrase, reads_secrets, shells
from kubevet.k8s.workloads import Workloads, service_account
from kubevet.model import K8sObject, Problem
from kubevet.output.escape import printable_lines
from kubevet.result import INPUT_ERRORS

EXIT_CLEAN, EXIT_ERROR = 0, 2


@dataclass
class Grant:
    """What one binding gives a subject."""

    binding: Binding
    via: Subject  # the binding's subject that reaches the account: itself, or a group
    rules: tuple[PolicyRule, ...]
    risks: list[str]

    def to_json(self) -> dict[str, Any]:
        b, role = self.binding, self.binding.role
        return {
            "scope": "cluster" if b.namespace is None else "namespace",
            "namespace": b.namespace,
            "binding": {**b.obj.ref.to_json(), "file": b.obj.doc.source.display, "line": b.obj.line},
            "subject": self.via.label,
            "role": {
                "kind": b.ref_kind,
                "name": b.ref_name,
                "found": role is not None,
                "default": role is not None and role.default,
            },
            "risks": self.risks,
            "rules": [r.to_json(urls=b.namespace is None) for r in self.rules],
        }


@dataclass
class Account:
    """A subject and everything the manifests grant it."""

    kind: str
    name: str
    namespace: str | None = None
    defined: K8sObject | None = None  # the ServiceAccount object, when the manifests have one
    grants: list[Grant] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name}
        if self.kind == "ServiceAccount":
            out["namespace"] = self.namespace
            out["defined"] = self.defined is not None
        out["grants"] = [g.to_json() for g in self.grants]
        return out


def build(objects: Sequence[K8sObject]) -> list[Account]:
    """Every ServiceAccount the manifests define, bind or run pods as, then the users and
    groups their bindings name, each with its grants. Objects from the context count for
    definitions and grants, but list no account of their own."""
    rbac = Rbac(objects)
    accounts: dict[tuple[str, str], Account] = {}
    defined: dict[tuple[str, str], K8sObject] = {}
    for obj in objects:
        if obj.kind == "ServiceAccount" and obj.group == "" and obj.name:
            key = (namespace_of(obj), obj.name)
            defined.setdefault(key, obj)
            if not obj.unjudged:
                accounts.setdefault(key, Account("ServiceAccount", obj.name, key[0]))
    workloads = Workloads()
    for obj in objects:
        template = workloads.pod_template(obj)
        if template is not None and not obj.unjudged:
            name, _ = service_account(template)
            accounts.setdefault((namespace_of(obj), name), Account("ServiceAccount", name, namespace_of(obj)))
    others: dict[tuple[str, str], Account] = {}
    for binding in rbac.bindings:
        if binding.obj.unjudged:
            continue
        for s in binding.subjects:
            if s.kind == "ServiceAccount":
                accounts.setdefault((s.namespace, s.name), Account("ServiceAccount", s.name, s.namespace))
            else:
                others.setdefault((s.kind, s.name), Account(s.kind, s.name))
    for key, account in accounts.items():
        account.defined = defined.get(key)
        account.grants = [_grant(rbac, b, via) for b, via in rbac.bindings_of("ServiceAccount", key[1], key[0])]
    for account in others.values():
        account.grants = [_grant(rbac, b, via) for b, via in rbac.bindings_of(account.kind, account.name)]
    return [accounts[k] for k in sorted(accounts)] + [others[k] for k in sorted(others)]


def _grant(rbac: Rbac, binding: Binding, via: Subject) -> Grant:
    rules = rbac.granted(binding)
    if binding.namespace is not None:
        # non-resource URLs are not namespaced: the API server grants them only through a
        # ClusterRoleBinding, whatever a RoleBinding's role says
        rules = tuple(r for r in rules if r.resources)
    return Grant(binding, via, rules, risks(rbac, rules, binding.namespace))


def risks(rbac: Rbac, rules: Iterable[PolicyRule], namespace: str | None) -> list[str]:
    """What the RBAC rules would report in these rules, in words."""
    rules = list(rules)
    if full_admin(rules):
        return ["full control"]
    found = []
    for find in (destructive, reads_secrets, escalation(rbac), shells(), creates_pods):
        grants = [g for r in rules for g in find(r, namespace)]
        if grants:
            found.append(phrase(grants))
    return found


def render_text(accounts: list[Account]) -> str:
    if not accounts:
        return "No ServiceAccounts, users or groups in the manifests.\n"
    lines: list[str] = []
    risky = False
    for account in accounts:
        head = account.label
        if account.kind == "ServiceAccount" and account.defined is None:
            head += "  (not defined in the manifests)"
        lines.append(head)
        if not account.grants:
            lines.append("  no permissions from the manifests")
        for g in account.grants:
            b = g.binding
            where = "cluster-wide" if b.namespace is None else f"in namespace {b.namespace}"
            via = "" if g.via.label == account.label else f" via {g.via.label}"
            role = f"{b.ref_kind} {b.ref_name}"
            if b.role is None:
                role += " (not found: grants nothing)"
            elif b.role.default:
                role += " (Kubernetes default)"
            lines.append(f"  {where}: {b.label}{via} -> {role}  [{b.obj.doc.source.display}:{b.obj.line}]")
            for risk in g.risks:
                lines.append(f"    ! {risk}")
                risky = True
            for r in g.rules:
                source = f"  (from {r.role.label})" if r.role is not b.role else ""
                lines.append(f"    {r.describe(urls=b.namespace is None)}{source}")
        lines.append("")
    if risky:
        lines.append(RISK_LEGEND)
    return printable_lines("\n".join(lines))  # names from the manifests may hold control characters


RISK_LEGEND = (
    "! marks what kubevet's RBAC rules judge risky in the grant above it (full control, deleting or\n"
    "  reading Secrets, escalation, exec, creating pods); `kubevet scan` reports each as a finding.\n"
)


def render_json(accounts: list[Account]) -> str:
    return json.dumps({"subjects": [a.to_json() for a in accounts]}, indent=2) + "\n"


def run(paths: Sequence[str], context: Sequence[str], fmt: str) -> int:
    """Read the manifests (and the context's), print the report; the exit code."""
    from kubevet.loading.discover import discover
    from kubevet.loading.reader import read_source

    sources, problems = discover(paths)
    context_sources, context_problems = discover(context) if context else ([], [])
    objects: list[K8sObject] = []
    scanned = 0
    for group, is_context in ((sources, False), (context_sources, True)):
        for source in group:
            for item in read_source(source):
                if isinstance(item, K8sObject):
                    item.unjudged = is_context
                    objects.append(item)
                    scanned += not is_context
                elif isinstance(item, Problem) and item.rule in INPUT_ERRORS:
                    problems.append(item)
    problems.extend(context_problems)
    for p in problems:
        where = f"{p.file}:{p.line}" if p.line else p.file
        print(printable_lines(f"kubevet: error: {where}: {p.message}"), file=sys.stderr)
    if not scanned:
        print("kubevet: error: no Kubernetes objects found in the input", file=sys.stderr)
    accounts = build(objects)
    sys.stdout.write(render_json(accounts) if fmt == "json" else render_text(accounts))
    return EXIT_ERROR if problems or not scanned else EXIT_CLEAN
