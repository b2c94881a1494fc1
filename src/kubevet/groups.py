"""One cause, one finding: findings that share a cause and a fix, reported as one.

A container with no ``resources:`` block breaks five rules (no CPU request, no memory
request, no memory limit, no CPU limit, no ephemeral storage); a container with no
``securityContext`` breaks five more. Each rule stays a rule of its own, selectable,
configurable and suppressible by its name or code, and the engine, the baseline, the
diff and the webhook see every one of them. Only the report shows them together: the
findings of one group's rules about the same place become one finding whose rule is the
group, whose severity is the worst of its members, and whose members are kept inside it
(``Finding.members``; the JSON and SARIF reports list them).

A group forms only where two or more of its rules found something at the same place:

- ``container``: the same container of the same object (the field path up to
  ``containers[i]``);
- ``pod``: the same object's pod template;
- ``namespace``: the same namespace, across objects (a namespace without NetworkPolicy
  is one cause, however many workloads it leaves open).

A lone member is reported as itself. Suppressed findings are never grouped. A group's
name may be used wherever a rule name may (``--select``, ``--ignore``, ``--severity``,
``kubevet.io/ignore`` annotations, exemptions): it stands for all of its rules.

This module is plain data over findings (the model layer): it names rules by their
names and imports none of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from kubevet.findings import Finding, Severity

CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
# what kubevet.loading.rendered puts in Finding.extra about a rendered finding's place
PLACEMENT_KEYS = ("rendered", "valuesKey", "renders")


@dataclass(frozen=True)
class Group:
    """Rules that share one cause and one fix, and how their joint finding reads.

    Has the attributes the report formats read of a rule (code, name, category, title,
    help, severity, ``section()``, ``doc_markdown()``), so a group is listed beside the
    rules in SARIF and JSON."""

    code: str
    name: str
    category: str
    title: str
    scope: str  # "container", "pod" or "namespace"
    # rule name -> the short phrase the joint message uses (or a function of the finding)
    members: dict[str, str | Callable[[Finding], str]]
    lead: str  # the start of the joint message; {container} / {namespace} filled in
    help: str
    assumes: str
    severity: Severity = Severity.ERROR  # the worst of its members' default severities
    why: str = ""
    compose: Callable[[Group, Sequence[Finding], str], str] | None = field(default=None, compare=False)

    options: tuple = ()  # a group has a severity to configure, never options

    def option(self, key: str):
        raise KeyError(f"{key!r} is not an option of {self.name}, a group of rules (only severity is)")

    def section(self, name: str) -> str:
        return {"What it checks": self.title, "Why it matters": self.why, "Fix": self.help}.get(name, "")

    def doc_markdown(self) -> str:
        rules = ", ".join(f"`{n}`" for n in self.members)
        return (f"# {self.name} ({self.code}), a group of rules\n\n{self.title}\n\n{self.why}\n\nRules: {rules}.\n\n"
                f"**Fix:** {self.help}\n\n**Assumes:** {self.assumes}\n")

    def message(self, members: Sequence[Finding], where: str) -> str:
        if self.compose is not None:
            return self.compose(self, members, where)
        seen: list[str] = []
        order = list(self.members)
        for f in sorted(members, key=lambda f: order.index(f.rule)):
            phrase = self.members[f.rule]
            phrase = phrase if isinstance(phrase, str) else phrase(f)
            if phrase not in seen:
                seen.append(phrase)
        return f"{self.lead.format(container=where, namespace=where)}: {', '.join(seen)}"


def _network_message(group: Group, members: Sequence[Finding], namespace: str) -> str:
    directions = sorted({str(f.extra.get("direction")) for f in members if f.rule == "namespace-default-deny-missing"})
    workloads = [f for f in members if f.rule == "pod-not-isolated"]
    parts = []
    if directions:
        parts.append(f"no default-deny NetworkPolicy ({' and '.join(d for d in directions)})")
    if workloads:
        names = ", ".join(f"{f.obj.kind} {f.obj.name}" for f in workloads if f.obj is not None)
        n = len(workloads)
        parts.append(f"{n} workload{'s' if n != 1 else ''} that no NetworkPolicy selects ({names})")
    return f"namespace {namespace!r} is not isolated: {'; '.join(parts)}"


def _aggressive(f: Finding) -> str:
    if f.extra.get("aspect") == "timeout":
        return "a livenessProbe with a 1 s timeout"
    if f.extra.get("aspect") == "window":
        return (f"a livenessProbe that restarts it after {f.extra['livenessSeconds']} s of failures "
                f"(readiness takes it out of traffic after {f.extra['readinessSeconds']} s)")
    return "an aggressive livenessProbe"


GROUPS: tuple[Group, ...] = (
    Group(
        code="GRP001",
        name="resources-unset",
        category="resources",
        title="A container declares none or only part of the resources the scheduler and the kernel need.",
        scope="container",
        members={
            "cpu-request-missing": "no CPU request",
            "memory-request-missing": "no memory request",
            "memory-limit-missing": "no memory limit",
            "cpu-limit-missing": "no CPU limit",
            "ephemeral-storage-unset": "no ephemeral-storage request or limit",
        },
        lead="container {container!r} has incomplete resources",
        help="Give the container a `resources:` block with CPU and memory requests measured at its usual load, "
             "and a memory limit (a CPU and an ephemeral-storage limit where they fit).",
        assumes="no LimitRange outside the scanned files gives the container defaults (pass the cluster's with --context).",
        why="Without requests the scheduler places the pod as if it needed nothing, and without a memory "
            "limit one container can take a node's memory until the kernel kills what it finds, the kubelet included.",
    ),
    Group(
        code="GRP002",
        name="security-context-unset",
        category="security",
        title="A container runs with the permissive defaults of a missing securityContext.",
        scope="container",
        members={
            "privilege-escalation-allowed": "privilege escalation allowed",
            "run-as-root": "may run as root",
            "root-filesystem-writable": "writable root filesystem",
            "capabilities-not-dropped": "capabilities not dropped",
            "seccomp-profile-missing": "no seccomp profile",
        },
        lead="container {container!r} runs with an unhardened securityContext",
        help="Set `runAsNonRoot: true` and `seccompProfile: {type: RuntimeDefault}` for the pod, and "
             "`allowPrivilegeEscalation: false`, `readOnlyRootFilesystem: true` and `capabilities: {drop: [ALL]}` "
             "for the container (an `emptyDir` where it must write).",
        assumes="the Kubernetes defaults of unset fields: allowPrivilegeEscalation true, readOnlyRootFilesystem "
                "false, the image's user (root unless the image names another), the runtime's default "
                "capabilities, seccomp Unconfined (unless the kubelet's seccompDefault is on).",
        why="Each unset field keeps a door open that an attacker inside the container can use to reach the node.",
    ),
    Group(
        code="GRP003",
        name="probes-unsafe",
        category="probes",
        title="A container's health probes are missing or would restart it when it is only slow or busy.",
        scope="container",
        members={
            "readiness-probe-missing": "no readinessProbe",
            "liveness-probe-missing": "no livenessProbe",
            "liveness-probe-aggressive": _aggressive,
            "probes-identical": "liveness and readiness probes identical",
        },
        lead="container {container!r} has unsafe probes",
        help="Give the container a readinessProbe that checks what it needs to serve, and a separate, more "
             "patient livenessProbe (timeout above a second, longer failure window) that checks only the process.",
        assumes="the probe defaults of unset fields: timeoutSeconds 1, periodSeconds 10, failureThreshold 3.",
        why="A liveness probe that fails with the readiness probe restarts every replica together under load (exit 137), "
            "and a container without a readiness probe gets traffic before it can answer.",
    ),
    Group(
        code="GRP004",
        name="service-account-unset",
        category="identity",
        title="A pod runs as the namespace's default ServiceAccount with its API token mounted.",
        scope="pod",
        members={
            "default-service-account-used": "runs as ServiceAccount 'default'",
            "service-account-token-automounted": "gets its API token mounted",
        },
        lead="the pod has no ServiceAccount of its own",
        help="Create a ServiceAccount for the workload with `automountServiceAccountToken: false`, and name it "
             "in `serviceAccountName`.",
        assumes="automountServiceAccountToken defaults to true, and an unset serviceAccountName means 'default'.",
        severity=Severity.WARNING,
        why="Every pod of the namespace shares the default account's permissions, and its token is readable by "
            "anything that runs in the container.",
    ),
    Group(
        code="GRP005",
        name="network-isolation-missing",
        category="network",
        title="No NetworkPolicy isolates a namespace and the workloads in it.",
        scope="namespace",
        members={
            "namespace-default-deny-missing": "no default-deny NetworkPolicy",
            "pod-not-isolated": "workloads that no NetworkPolicy selects",
        },
        lead="namespace {namespace!r} is not isolated",
        help="Add a default-deny NetworkPolicy (`podSelector: {}`, both policy types, no rules) to the namespace, "
             "then allow what each application needs (`kubevet scan --suggest-fixes DIR` writes one).",
        assumes="no NetworkPolicy outside the scanned files (pass the cluster's with --context).",
        compose=_network_message,
        why="Any pod of the cluster, in any namespace, may connect to these pods, and they may connect anywhere.",
    ),
)

BY_NAME: dict[str, Group] = {g.name: g for g in GROUPS}
GROUP_OF: dict[str, Group] = {rule: g for g in GROUPS for rule in g.members}

# defaults the message of a rule reported on its own takes for unset fields
ASSUMES: dict[str, str] = {
    "liveness-probe-aggressive": BY_NAME["probes-unsafe"].assumes,
    "privilege-escalation-allowed": "allowPrivilegeEscalation defaults to true.",
    "run-as-root": "the image's user, root unless the image names another.",
    "seccomp-profile-missing": "seccomp Unconfined unless the kubelet's seccompDefault is on.",
    "service-account-token-automounted": BY_NAME["service-account-unset"].assumes,
    "cronjob-concurrency-unset": "concurrencyPolicy defaults to Allow.",
}


def lookup(name_or_code: str) -> Group | None:
    """A group by its name or code (codes case-insensitive), else None."""
    key = name_or_code.strip()
    for g in GROUPS:
        if g.name == key or g.code == key.upper():
            return g
    return None


_CONTAINER_NAMED = re.compile(r"^(.*?(?:containers|initContainers|ephemeralContainers)\[[^\]]*\])")


def _container_path(path: tuple) -> tuple | None:
    for i, part in enumerate(path[:-1]):
        if part in CONTAINER_LISTS and isinstance(path[i + 1], int):
            return tuple(path[: i + 2])
    return None


def _namespace(f: Finding) -> str | None:
    if "namespace" in f.extra:
        return str(f.extra["namespace"])
    if f.obj is None:
        return None
    return f.obj.namespace or ""


def _place(g: Group, f: Finding) -> tuple | None:
    """Where a finding is, as far as its group cares; None: it cannot be grouped."""
    if f.obj is None:
        return None
    if g.scope == "container":
        container = _container_path(f.path)
        return None if container is None else (f.file, f.obj, container)
    if g.scope == "pod":
        return (f.file, f.obj)
    ns = _namespace(f)
    return None if ns is None else (ns,)


def group(findings: Iterable[Finding]) -> list[Finding]:
    """The findings as a report shows them: each group's members at one place joined."""
    out: list[Finding] = []
    buckets: dict[tuple, list[Finding]] = {}
    for f in findings:
        g = None if f.suppressed or f.members else GROUP_OF.get(f.rule)
        place = _place(g, f) if g is not None else None
        if place is None:
            out.append(f)
        else:
            buckets.setdefault((g.name, place), []).append(f)
    for (name, place), members in buckets.items():
        out.append(members[0] if len(members) == 1 else _join(BY_NAME[name], members, place))
    out.sort(key=Finding.sort_key)
    return out


def _join(g: Group, members: list[Finding], place: tuple) -> Finding:
    members = sorted(members, key=Finding.sort_key)
    first = members[0]
    if g.scope == "container":
        where = _container_name(first) or f"#{place[-1][-1]}"
        path = place[-1]
    elif g.scope == "pod":
        where, path = "", first.path
    else:
        where, path = place[0], first.path
    named = first.named_path
    if named and g.scope == "container":
        m = _CONTAINER_NAMED.match(named)
        named = m.group(1) if m else named
    joint = Finding(
        g.message(members, where),
        path,
        rule=g.name,
        code=g.code,
        severity=max(f.severity for f in members),
        file=first.file,
        line=first.line,
        column=first.column,
        obj=first.obj,
        origin=first.origin,
        # where the first member came from in a rendered chart or kustomization (its place)
        extra={k: v for k, v in first.extra.items() if k in PLACEMENT_KEYS},
        members=tuple(members),
    )
    joint.named_path = named
    return joint


def _container_name(f: Finding) -> str | None:
    m = re.search(r"(?:containers|initContainers|ephemeralContainers)\[name=([^\]]*)\]", f.named_path or "")
    if m:
        return m.group(1)
    m = re.match(r"(?:init |ephemeral )?container '([^']*)'", f.message)
    return m.group(1) if m else None
