"""Shared by the RBAC rules: the scan's RBAC model, and where a grant is reported.

A grant is reported where the user decides who gets it: at the ``roleRef`` of every binding
of the scan that grants it, naming its subjects and the role rule that allows it. A role
that nothing binds (the scan ships it for others to bind) is reported at its own rule, for
whoever it will be bound to. A ClusterRole that nothing binds but that is aggregated into
other ClusterRoles (``admin``, ``edit``, ``view`` ...) is reported at its rule only for what
it adds to them: what they allow anyway is no news.

Full control (cluster-admin, or every verb on every resource) is reported once: at bindings
by cluster-admin-bound, at the rule of an unbound role by rbac-wildcard. The other rules
leave those grants to them while they are enabled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase

from kubevet.findings import Finding
from kubevet.k8s.rbac import KINDS, Binding, PolicyRule, Rbac, Role, full_admin
from kubevet.k8s.rbac_risks import Find, Grant, and_list, grants, phrase  # noqa: F401 - the RBAC rules use them
from kubevet.rules._base import Option, RuleContext

PLATFORM_NAMES = Option(
    "platform-names",
    ["system:*"],
    "roles and bindings with these names (patterns, * for any text) belong to the control plane and are not judged",
)


def model(ctx: RuleContext) -> Rbac:
    """The permissions model of the scan, built once and shared by the RBAC rules."""
    rbac = ctx.shared.get("rbac-model")
    if rbac is None:
        rbac = ctx.shared["rbac-model"] = Rbac(obj for kind in KINDS for obj in ctx.objects(kind))
    return rbac


def platform(ctx: RuleContext, name: str | None) -> bool:
    return name is not None and any(fnmatchcase(name, p) for p in ctx.option("platform-names"))


def active(ctx: RuleContext, rule_name: str) -> bool:
    """Whether another rule runs in this scan."""
    from kubevet.rules import lookup

    return ctx.config is not None and ctx.config.active(lookup(rule_name))


def who(binding: Binding) -> str:
    """The subjects of a binding, for a message: "ServiceAccount shop/cleanup"."""
    labels = [s.label for s in binding.subjects]
    if len(labels) > 3:
        labels = [*labels[:2], f"{len(labels) - 2} more subjects"]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def source(binding: Binding, rules: list[PolicyRule]) -> str:
    """The role rules a finding at a binding names, through the aggregated role if any."""
    by_role: dict[Role, list[str]] = {}
    for r in rules:
        by_role.setdefault(r.role, []).append(f"rules[{r.index}]")
    parts = [f"{role.label} {', '.join(indexes)}" for role, indexes in by_role.items()]
    text = "; ".join(parts[:2]) + (f" and {len(parts) - 2} more roles" if len(parts) > 2 else "")
    role = binding.role
    if role is not None and any(r is not role for r in by_role):
        return f"{role.label}, which aggregates {text}"
    return text


def grant_findings(ctx: RuleContext, find: Find, rbac: Rbac | None = None) -> Iterator[Finding]:
    """Findings of a rule about what subjects can do: at each binding that grants it, and at
    the rules of roles that nothing binds (see the module's docs). ``rbac``: the scan's
    model, when ``find`` needs it too."""
    rbac = rbac or model(ctx)
    admin_elsewhere = active(ctx, "cluster-admin-bound")
    reached: set[Role] = set()
    for binding in rbac.bindings:
        rules = rbac.granted(binding)
        reached.update(r.role for r in rules)
        if binding.obj.unjudged or not binding.subjects or platform(ctx, binding.obj.name):
            continue
        if admin_elsewhere and full_admin(rules):
            continue
        hits = [(rule, found) for rule in rules if (found := find(rule, binding.namespace))]
        if hits:
            granted = phrase(g for _, found in hits for g in found)
            message = f"{who(binding)} can {granted} {binding.scope} ({source(binding, [r for r, _ in hits])})"
            yield ctx.finding(binding.obj, message, ("roleRef",))
    wildcard_elsewhere = active(ctx, "rbac-wildcard")
    providers: dict[Role, dict[Grant, set[Role]]] = {}

    def provided(aggregator: Role) -> dict[Grant, set[Role]]:
        """What an aggregated role allows, each grant with the roles it comes from."""
        found = providers.get(aggregator)
        if found is None:
            found = providers[aggregator] = {}
            for r in rbac.rules_of(aggregator):
                for g in find(r, None):
                    found.setdefault(g, set()).add(r.role)
        return found

    for role in rbac.scanned_roles():
        if role in reached or role.default or role.aggregated or role.obj.unjudged or platform(ctx, role.name):
            continue
        if wildcard_elsewhere and full_admin(role.rules):
            continue
        yield from _unbound(ctx, rbac.aggregators(role), role, find, provided)


def _unbound(
    ctx: RuleContext,
    aggregators: list[Role],
    role: Role,
    find: Find,
    provided: Callable[[Role], dict[Grant, set[Role]]],
) -> Iterator[Finding]:
    """Findings at the rules of a role that no binding grants; when it is aggregated into
    other roles, only for what it adds to them."""
    for rule in role.rules:
        found = find(rule, role.namespace)
        if not found:
            continue
        if not aggregators:
            message = f"{role.label} lets whoever it is bound to {phrase(found)}"
            yield ctx.finding(role.obj, message, rule.path)
            continue
        new = {a: [g for g in found if provided(a).get(g, set()) <= {role}] for a in aggregators}
        widened = [a for a in aggregators if new[a]]
        if widened:
            grants_new = [g for g in found if any(g in new[a] for a in widened)]
            names = and_list([a.label for a in widened])
            message = f"every subject bound to {names} can {phrase(grants_new)}: {role.label} is aggregated into it"
            yield ctx.finding(role.obj, message, rule.path)
