"""Risk classes: what a change does to a running cluster, each a named, documented check.

A check sees the whole comparison and yields ``Risk`` s: a severity, the evidence (the old
value and the new one, and where NEW writes it, or where OLD did for a removal) and a fix
hint. The classes:

- ``rejected``: the API server will refuse the change (immutable fields).
- ``data-loss``: deleting or replacing what holds data (volume claims, namespaces, CRDs).
- ``availability``: fewer pods serving, or pods killed more eagerly.
- ``capacity``: resources no longer reserved or capped, or more than the namespace's quota.
- ``security``: more power for a ServiceAccount or a pod, or traffic let in.
- ``rollout``: which workloads restart because their pod template changed, with how many pods.

Each check's docstring is its documentation (``docs/diff-gate.md`` lists them all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kubevet.diff.compare import ADDED, CHANGED, REMOVED, Comparison, ObjectDiff
from kubevet.diff.fields import MISSING, REDACTED
from kubevet.findings import Severity
from kubevet.k8s.fields import as_list, dicts, strings, text
from kubevet.k8s.quantity import parse_quantity, percentage, scaled_value
from kubevet.k8s.workloads import Workloads, containers, replicas

CLASSES = ("rejected", "data-loss", "availability", "capacity", "security", "rollout")


@dataclass
class Risk:
    """One risky change, found by one check."""

    check: str
    risk_class: str
    severity: Severity
    message: str
    object: str  # "Deployment shop/web"
    old: Any = MISSING
    new: Any = MISSING
    file: str = ""
    line: int = 0
    side: str = "new"  # the side file and line are on
    hint: str = ""
    key: tuple = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "class": self.risk_class,
            "severity": str(self.severity),
            "object": self.object,
            "message": self.message,
            "evidence": {"old": _show(self.old), "new": _show(self.new)},
            "file": self.file,
            "line": self.line,
            "side": self.side,
            "hint": self.hint,
        }
        return out


def _show(value: Any) -> Any:
    return None if value is MISSING else value


@dataclass(frozen=True)
class Check:
    name: str
    risk_class: str
    severity: Severity
    hint: str
    func: Callable[[Comparison, Check], Iterator[Risk]]

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()


CHECKS: list[Check] = []


def check(name: str, risk_class: str, severity: Severity, hint: str):
    def register(func):
        CHECKS.append(Check(name, risk_class, severity, hint, func))
        return func

    return register


def checks_markdown() -> str:
    """The table of checks in docs/diff-gate.md (a test keeps the page in step)."""
    rows = ["| check | class | severity | what it reports | fix |", "| --- | --- | --- | --- | --- |"]
    for c in CHECKS:
        rows.append(f"| `{c.name}` | {c.risk_class} | {c.severity} | {' '.join(c.doc.split())} | {c.hint} |")
    return "\n".join(rows) + "\n"


def run(comparison: Comparison, checks: list[Check] | None = None) -> list[Risk]:
    """Every risk of the comparison, worst first, then in object order."""
    out: list[Risk] = []
    order = {d.key: i for i, d in enumerate(comparison.objects)}
    for c in checks or CHECKS:
        out.extend(c.func(comparison, c))
    out.sort(key=lambda r: (-r.severity, CLASSES.index(r.risk_class), order.get(r.key, 0), r.check))
    return out


def _risk(c: Check, comparison: Comparison, d: ObjectDiff, message: str, path: tuple = (), old: Any = MISSING,
          new: Any = MISSING, severity: Severity | None = None, hint: str | None = None) -> Risk:
    """A risk about ``d``, placed on NEW at ``path`` (or on OLD when NEW no longer has it)."""
    if d.new is not None:
        file, line = comparison.new.where(d.key, path)
        side = "new"
    else:
        file, line = comparison.old.where(d.key, path)
        side = "old"
    if d.secret:
        old = REDACTED if old is not MISSING else old
        new = REDACTED if new is not MISSING else new
    return Risk(c.name, c.risk_class, severity or c.severity, message, d.label, old, new, file, line, side,
                hint if hint is not None else c.hint, d.key)


def _get(data: Any, *path: Any) -> Any:
    node = data
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return MISSING
    return node


def _changed(comparison: Comparison, kinds: tuple[str, ...] = ()) -> Iterator[ObjectDiff]:
    for d in comparison.objects:
        if d.status == CHANGED and (not kinds or d.kind in kinds):
            yield d


_WORKLOADS = Workloads()
SCALABLE = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")


def _container_pairs(d: ObjectDiff):
    """(name, old container, new container, new container path) of containers on both sides."""
    ot = _WORKLOADS.pod_template(d.old) if d.old is not None else None
    nt = _WORKLOADS.pod_template(d.new) if d.new is not None else None
    if ot is None or nt is None:
        return
    old_by = {c.name: c for c in containers(ot)}
    for c in containers(nt):
        o = old_by.get(c.name)
        if o is not None:
            yield c.name, o, c


# --- rejected ---------------------------------------------------------------------------

_SELECTOR_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")


@check("selector-changed", "rejected", Severity.ERROR,
       "Keep the selector; to change it, create the workload under a new name and delete the old one.")
def _selector(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """The label selector of a Deployment, StatefulSet, DaemonSet, ReplicaSet or Job changed.

    It is immutable in apps/v1 and batch/v1: the API server rejects the update and the
    upgrade fails halfway (Helm leaves the release in a failed state)."""
    for d in _changed(comparison, _SELECTOR_KINDS):
        if d.key[0] not in ("apps", "batch"):
            continue
        o, n = _get(d.old.data, "spec", "selector"), _get(d.new.data, "spec", "selector")
        if d.kind == "Job" and (o is MISSING or n is MISSING):
            continue  # Job selectors are usually generated
        if o != n:
            yield _risk(c, comparison, d, f"spec.selector of {d.label} changed: the API server rejects the update",
                        ("spec", "selector"), o, n)


_STS_MUTABLE = {"replicas", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds",
                "ordinals", "revisionHistoryLimit"}


@check("statefulset-immutable-field", "rejected", Severity.ERROR,
       "Revert the field, or delete the StatefulSet with --cascade=orphan and create it again.")
def _statefulset(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A StatefulSet field other than replicas, template, updateStrategy,
    persistentVolumeClaimRetentionPolicy, minReadySeconds and ordinals changed
    (volumeClaimTemplates, serviceName, podManagementPolicy ...): forbidden on update."""
    for d in _changed(comparison, ("StatefulSet",)):
        o_spec, n_spec = _get(d.old.data, "spec"), _get(d.new.data, "spec")
        if not isinstance(o_spec, dict) or not isinstance(n_spec, dict):
            continue
        for key in sorted(set(o_spec) | set(n_spec)):
            if key in _STS_MUTABLE or key == "selector":
                continue
            ov, nv = o_spec.get(key, MISSING), n_spec.get(key, MISSING)
            if ov != nv:
                yield _risk(c, comparison, d, f"spec.{key} of {d.label} changed: StatefulSet updates may not change it",
                            ("spec", key), ov, nv)


@check("job-template-changed", "rejected", Severity.ERROR,
       "Give the Job a new name (Helm: include a hash or the revision in it), or delete it before the upgrade.")
def _job_template(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A Job's pod template changed: it is immutable, the update is rejected."""
    for d in _changed(comparison, ("Job",)):
        o, n = _get(d.old.data, "spec", "template"), _get(d.new.data, "spec", "template")
        if o != n:
            yield _risk(c, comparison, d, f"spec.template of {d.label} changed: a Job's pod template is immutable",
                        ("spec", "template"))


@check("service-cluster-ip-changed", "rejected", Severity.ERROR,
       "Leave spec.clusterIP as it is (or unset it in both versions and let the API server keep it).")
def _cluster_ip(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A Service's spec.clusterIP changed from one set value to another (including to or
    from ``None``, headless): the field is immutable once allocated."""
    for d in _changed(comparison, ("Service",)):
        o, n = _get(d.old.data, "spec", "clusterIP"), _get(d.new.data, "spec", "clusterIP")
        if o is not MISSING and n is not MISSING and o not in ("", None) and n not in ("", None) and o != n:
            yield _risk(c, comparison, d, f"spec.clusterIP of {d.label} changed: it is immutable", ("spec", "clusterIP"), o, n)


@check("pvc-immutable-field", "rejected", Severity.ERROR,
       "Keep the storage class and size; a volume grows (with allowVolumeExpansion) but never shrinks.")
def _pvc(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A PersistentVolumeClaim's storageClassName or accessModes changed, or its requested
    size went down: the API server rejects all three once the claim is bound."""
    for d in _changed(comparison, ("PersistentVolumeClaim",)):
        for path in (("spec", "storageClassName"), ("spec", "accessModes"), ("spec", "volumeName")):
            o, n = _get(d.old.data, *path), _get(d.new.data, *path)
            if o is not MISSING and o != n:
                yield _risk(c, comparison, d, f"{'.'.join(path)} of {d.label} changed: it is immutable", path, o, n)
        path = ("spec", "resources", "requests", "storage")
        o, n = _get(d.old.data, *path), _get(d.new.data, *path)
        oq, nq = parse_quantity(o), parse_quantity(n)
        if oq is not None and nq is not None and nq < oq:
            yield _risk(c, comparison, d, f"the size of {d.label} goes down from {o} to {n}: volumes never shrink", path, o, n)


# --- data loss --------------------------------------------------------------------------

_DATA_KINDS = {
    "PersistentVolumeClaim": "its volume (and, with the usual Delete reclaim policy, the data on it)",
    "PersistentVolume": "the volume",
    "Namespace": "every object in it",
    "CustomResourceDefinition": "every custom resource of that kind, in every namespace",
}


@check("data-removed", "data-loss", Severity.ERROR,
       "Keep the object (Helm: annotate it helm.sh/resource-policy: keep), or back up its data first.")
def _removed(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A PersistentVolumeClaim, PersistentVolume, Namespace or CustomResourceDefinition is
    removed (deleting it deletes what it holds), or replaced by one of a new name."""
    added = {}
    for d in comparison.objects:
        if d.status == ADDED and d.kind in _DATA_KINDS:
            added.setdefault((d.key[0], d.kind, d.key[2]), []).append(d)
    for d in comparison.objects:
        if d.status != REMOVED or d.kind not in _DATA_KINDS:
            continue
        if d.old is not None and d.old.annotations.get("helm.sh/resource-policy") == "keep":
            continue
        twins = added.get((d.key[0], d.kind, d.key[2]), [])
        replaced = f" (replaced by {twins[0].label}, which starts empty)" if twins else ""
        yield _risk(c, comparison, d, f"{d.label} is removed{replaced}: deleting it deletes {_DATA_KINDS[d.kind]}",
                    old=d.key[3], new=twins[0].key[3] if twins else MISSING)


# --- availability -----------------------------------------------------------------------


def _pdb_budget(obj) -> tuple[str, Any]:
    spec = obj.spec
    if "minAvailable" in spec:
        return "minAvailable", spec["minAvailable"]
    return "maxUnavailable", spec.get("maxUnavailable", MISSING)


@check("pdb-removed", "availability", Severity.WARNING,
       "Keep a PodDisruptionBudget for every workload with more than one replica.")
def _pdb_removed(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A PodDisruptionBudget is removed: node drains may take down every pod at once."""
    for d in comparison.objects:
        if d.status == REMOVED and d.kind == "PodDisruptionBudget":
            field_name, value = _pdb_budget(d.old)
            yield _risk(c, comparison, d, f"{d.label} is removed: drains no longer wait for pods to be ready elsewhere",
                        old=f"{field_name}: {value}")


def _looser(old: Any, new: Any, larger_is_looser: bool) -> bool:
    """Whether an int-or-percent budget moved the loose way (only like for like)."""
    op, np_ = percentage(old), percentage(new)
    if op is not None and np_ is not None:
        return np_ > op if larger_is_looser else np_ < op
    if isinstance(old, int) and isinstance(new, int) and not isinstance(old, bool) and not isinstance(new, bool):
        return new > old if larger_is_looser else new < old
    return False


@check("pdb-loosened", "availability", Severity.WARNING,
       "Keep the budget, or check that the workload survives losing that many pods at once.")
def _pdb_loosened(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A PodDisruptionBudget allows more disruption: minAvailable lowered or maxUnavailable
    raised (a switch from one to the other is reported as info, to be checked by hand)."""
    for d in _changed(comparison, ("PodDisruptionBudget",)):
        of, ov = _pdb_budget(d.old)
        nf, nv = _pdb_budget(d.new)
        loose = (of == nf == "minAvailable" and _looser(ov, nv, False)) or (
            of == nf == "maxUnavailable" and _looser(ov, nv, True))
        if of != nf or loose:
            yield _risk(c, comparison, d, f"{d.label} allows more disruption: {of} {ov} -> {nf} {nv}", ("spec", nf),
                        f"{of}: {ov}", f"{nf}: {nv}", severity=c.severity if loose else Severity.INFO)


@check("replicas-reduced", "availability", Severity.WARNING,
       "Keep the replicas, or make sure the rest can carry the load (an autoscaler's minReplicas counts too).")
def _replicas(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A workload's declared replicas go down (to one, or to zero, is worse)."""
    for d in _changed(comparison, SCALABLE):
        o, n = replicas(d.old), replicas(d.new)
        if o is not None and n is not None and n < o:
            sev = Severity.ERROR if n == 0 else c.severity
            yield _risk(c, comparison, d, f"replicas of {d.label} go down from {o} to {n}", ("spec", "replicas"), o, n, severity=sev)


@check("max-unavailable-raised", "availability", Severity.WARNING,
       "Keep maxUnavailable low (0 with a surge) so that a rollout never takes capacity away.")
def _max_unavailable(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A rolling update may now take more pods down at once (maxUnavailable raised)."""
    for d in _changed(comparison, ("Deployment", "DaemonSet", "StatefulSet")):
        key = "strategy" if d.kind == "Deployment" else "updateStrategy"
        path = ("spec", key, "rollingUpdate", "maxUnavailable")
        o, n = _get(d.old.data, *path), _get(d.new.data, *path)
        default = "25%" if d.kind == "Deployment" else 1
        o, n2 = default if o is MISSING else o, default if n is MISSING else n
        total = replicas(d.new) or 1
        before, after = scaled_value(o, total, round_up=False), scaled_value(n2, total, round_up=False)
        if before is not None and after is not None and after > before:
            yield _risk(c, comparison, d, f"maxUnavailable of {d.label} goes up from {o} to {n2} "
                        f"({before} -> {after} of {total} pods may be down during a rollout)", path, o, n2)


_KIND_SWITCHABLE = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController")


@check("workload-kind-changed", "availability", Severity.WARNING,
       "Start the new kind beside the old one under another name, move the traffic, then remove the old one.")
def _kind_changed(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A workload becomes one of another kind under the same name (a Deployment becomes a
    DaemonSet): the old one is deleted with all its pods at once, not rolled, while the new
    one's pods start from nothing."""
    added = {(d.key[2], d.key[3]): d for d in comparison.objects if d.status == ADDED and d.kind in _KIND_SWITCHABLE}
    for d in comparison.objects:
        twin = added.get((d.key[2], d.key[3])) if d.status == REMOVED and d.kind in _KIND_SWITCHABLE else None
        if twin is not None and twin.kind != d.kind:
            yield _risk(c, comparison, twin, f"{d.label} becomes {twin.label}: every pod of the {d.kind} stops at "
                        f"once, and the {twin.kind}'s start from nothing", ("kind",), d.kind, twin.kind)


@check("strategy-recreate", "availability", Severity.WARNING,
       "Use RollingUpdate unless two versions truly cannot run side by side.")
def _recreate(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A Deployment switches to the Recreate strategy: every pod stops before any new one
    starts, an outage on every rollout (this one included)."""
    for d in _changed(comparison, ("Deployment",)):
        o, n = _get(d.old.data, "spec", "strategy", "type"), _get(d.new.data, "spec", "strategy", "type")
        if n == "Recreate" and o != "Recreate":
            yield _risk(c, comparison, d, f"{d.label} now uses strategy Recreate: all pods stop before new ones start",
                        ("spec", "strategy", "type"), o, n)


_PROBES = ("readinessProbe", "livenessProbe", "startupProbe")
_STRICTER = (("timeoutSeconds", 1, -1), ("failureThreshold", 3, -1), ("periodSeconds", 10, -1), ("initialDelaySeconds", 0, -1))


@check("probe-removed", "availability", Severity.WARNING,
       "Keep the probe: without readiness, traffic reaches pods that cannot serve it yet.")
def _probe_removed(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A container loses its readiness, liveness or startup probe."""
    for d in _changed(comparison):
        for name, o, n in _container_pairs(d):
            for probe in _PROBES:
                if isinstance(o.get(probe), dict) and n.get(probe) is None:
                    sev = c.severity if probe == "readinessProbe" else Severity.INFO
                    yield _risk(c, comparison, d, f"container '{name}' of {d.label} loses its {probe}", n.path,
                                o.get(probe), MISSING, severity=sev)


@check("liveness-stricter", "availability", Severity.WARNING,
       "Loosen the liveness probe again: it should only catch a process that is stuck, never a slow one.")
def _liveness_stricter(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A liveness probe becomes stricter (shorter timeout, fewer failures allowed, more
    often, or earlier), or becomes the same as the readiness probe: under load, the
    kubelet restarts containers that are only slow, which makes the load worse."""
    for d in _changed(comparison):
        for name, o, n in _container_pairs(d):
            ol, nl = o.get("livenessProbe"), n.get("livenessProbe")
            if isinstance(ol, dict) and isinstance(nl, dict):
                for key, default, _ in _STRICTER:
                    ov, nv = ol.get(key, default), nl.get(key, default)
                    if isinstance(ov, int) and isinstance(nv, int) and nv < ov:
                        yield _risk(c, comparison, d, f"the liveness probe of container '{name}' of {d.label}: "
                                    f"{key} {ov} -> {nv}", (*n.path, "livenessProbe", key), ov, nv)
            readiness = n.get("readinessProbe")
            if isinstance(nl, dict) and nl == readiness and not (isinstance(ol, dict) and ol == o.get("readinessProbe")):
                yield _risk(c, comparison, d, f"the liveness probe of container '{name}' of {d.label} is now the same "
                            "as its readiness probe: a failing check restarts the container instead of taking it out "
                            "of traffic", (*n.path, "livenessProbe"), ol if isinstance(ol, dict) else MISSING, nl)


# --- capacity ---------------------------------------------------------------------------


@check("resources-removed", "capacity", Severity.WARNING,
       "Keep CPU and memory requests (scheduling) and a memory limit (the OOM killer's line) on every container.")
def _resources_removed(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A container's CPU or memory request or limit is removed."""
    for d in _changed(comparison):
        for name, o, n in _container_pairs(d):
            for section in ("requests", "limits"):
                for res in ("cpu", "memory"):
                    ov = _get(o.data, "resources", section, res)
                    nv = _get(n.data, "resources", section, res)
                    if ov is not MISSING and nv is MISSING:
                        sev = Severity.ERROR if (section, res) == ("limits", "memory") else c.severity
                        yield _risk(c, comparison, d, f"container '{name}' of {d.label} loses its {res} {section[:-1]}",
                                    (*n.path, "resources"), ov, MISSING, severity=sev)


@check("memory-limit-lowered", "capacity", Severity.WARNING,
       "Check the container's real peak memory before lowering its limit.")
def _memory_lowered(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A container's memory limit goes down (to half or less: an error): a process that
    used to fit is OOM-killed."""
    for d in _changed(comparison):
        for name, o, n in _container_pairs(d):
            ov, nv = _get(o.data, "resources", "limits", "memory"), _get(n.data, "resources", "limits", "memory")
            oq, nq = parse_quantity(ov), parse_quantity(nv)
            if oq is not None and nq is not None and nq < oq:
                sev = Severity.ERROR if nq * 2 <= oq else c.severity
                yield _risk(c, comparison, d, f"the memory limit of container '{name}' of {d.label} goes down from {ov} to {nv}",
                            (*n.path, "resources", "limits", "memory"), ov, nv, severity=sev)


@check("quota-exceeded", "capacity", Severity.ERROR,
       "Raise the namespace's ResourceQuota in the same change, or request less.")
def _quota(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """What the workloads of a namespace request in total (every replica, as NEW declares
    them) goes above the namespace's ResourceQuota (of NEW, or of OLD when NEW has none):
    the pods beyond it are never created."""
    from kubevet.k8s.compute import pod_amount, pod_resources

    def totals(side) -> dict[str, dict[str, Decimal]]:
        out: dict[str, dict[str, Decimal]] = {}
        for key, obj in side.objects.items():
            template = _WORKLOADS.pod_template(obj)
            if template is None or obj.kind in ("Pod", "PodTemplate"):
                continue
            count = replicas(obj)
            if count is None:
                count = 1
            res = pod_resources(template)
            ns = out.setdefault(key[2], {})
            for section in ("requests", "limits"):
                for r in ("cpu", "memory"):
                    ns[f"{section}.{r}"] = ns.get(f"{section}.{r}", Decimal(0)) + pod_amount(template, res, section, r) * count
        return out

    def quotas(side) -> dict[str, list]:
        out: dict[str, list] = {}
        for key, obj in side.objects.items():
            if key[1] == "ResourceQuota" and key[0] == "":
                out.setdefault(key[2], []).append((key, obj))
        return out

    new_quotas, old_quotas = quotas(comparison.new), quotas(comparison.old)
    if not new_quotas and not old_quotas:
        return
    new_totals, old_totals = totals(comparison.new), totals(comparison.old)
    for ns, used in new_totals.items():
        for qkey, quota in new_quotas.get(ns) or old_quotas.get(ns) or []:
            hard = quota.spec.get("hard") if isinstance(quota.spec.get("hard"), dict) else {}
            for name, amount in used.items():
                limit = parse_quantity(hard.get(name, hard.get(name.split(".")[1]) if name.startswith("requests.") else None))
                if limit is None or amount <= limit:
                    continue
                before = old_totals.get(ns, {}).get(name, Decimal(0))
                if before > limit and before >= amount:
                    continue  # already over, and not worse
                d = comparison.get(qkey)
                if d is None or d.new is None:
                    continue
                yield _risk(c, comparison, d, f"the workloads of namespace {ns} would use {_fmt(name, amount)} of {name}, "
                            f"above the quota's {_fmt(name, limit)}", ("spec", "hard"), _fmt(name, before), _fmt(name, amount))


def _fmt(name: str, amount: Decimal) -> str:
    from kubevet.k8s.compute import format_amount

    return format_amount(name.rpartition(".")[2], amount)


# --- security ---------------------------------------------------------------------------


def _grants(side) -> dict[tuple[str, str], tuple[list, list[str]]]:
    """Per ServiceAccount (namespace, name): its (rules with scope) and risk phrases."""
    from kubevet.rbac_report import build

    out: dict[tuple[str, str], tuple[list, list[str]]] = {}
    for account in build(list(side.objects.values())):
        if account.kind != "ServiceAccount":
            continue
        rules, risks = [], []
        for g in account.grants:
            rules.extend((g.binding.namespace, r) for r in g.rules)
            risks.extend(g.risks)
        out[(account.namespace or "", account.name)] = (rules, sorted(set(risks)))
    return out


def _covered(access: tuple, old_rules: list) -> bool:
    from kubevet.k8s.rbac import Access

    ns, verb, group, resource, names = access
    for scope, r in old_rules:
        if scope is not None and scope != ns:
            continue
        if r.names and (not names or not set(names) <= r.names):
            continue
        if r.verbs_for(Access((verb,), group, resource), None):
            return True
    return False


@check("rbac-widened", "security", Severity.WARNING,
       "Grant only the verbs and resources the account needs; never cluster-admin or wildcards to a workload.")
def _rbac(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A ServiceAccount may do more than before, as ``kubevet rbac`` resolves its bindings
    (aggregated and built-in roles included): new verbs or resources, a wildcard, or full
    control of the cluster (an error)."""
    from kubevet.k8s.rbac import full_admin

    old_grants, new_grants = _grants(comparison.old), _grants(comparison.new)
    for account, (rules, risks) in new_grants.items():
        old_rules, old_risks = old_grants.get(account, ([], []))
        wider = []
        for scope, r in rules:
            for verb in sorted(r.verbs):
                for group in sorted(r.groups) or [""]:
                    for resource in sorted(r.resources):
                        access = (scope, verb, group, resource, tuple(sorted(r.names)))
                        if not _covered(access, old_rules):
                            where = f" in {scope}" if scope else " cluster-wide"
                            wider.append(f"{verb} {resource}{'.' + group if group not in ('', '*') else ''}{where}")
        if not wider:
            continue
        admin = bool(full_admin([r for _, r in rules])) and not full_admin([r for _, r in old_rules])
        wildcard = any("*" in r.verbs or "*" in r.resources for _, r in rules) and not any(
            "*" in r.verbs or "*" in r.resources for _, r in old_rules)
        sev = Severity.ERROR if admin or wildcard or set(risks) - set(old_risks) else c.severity
        ns, name = account
        target = _binding_diff(comparison, ns, name)
        label = f"ServiceAccount {ns}/{name}"
        what = "full control of the cluster (cluster-admin)" if admin else ", ".join(sorted(set(wider))[:8]) + (
            f" and {len(set(wider)) - 8} more" if len(set(wider)) > 8 else "")
        message = f"{label} may now do more: {what}"
        if target is None:
            yield Risk(c.name, c.risk_class, sev, message, label, old_risks or MISSING, risks or MISSING, hint=c.hint)
        else:
            risk = _risk(c, comparison, target, message, ("roleRef",) if target.kind.endswith("Binding") else ("rules",),
                         old_risks or MISSING, risks or sorted(set(wider)), severity=sev)
            risk.object = label
            yield risk


def _binding_diff(comparison: Comparison, ns: str, name: str) -> ObjectDiff | None:
    """The added or changed binding or role most likely behind a ServiceAccount's new rights."""
    best = None
    for d in comparison.objects:
        if d.status not in (ADDED, CHANGED) or d.key[0] != "rbac.authorization.k8s.io":
            continue
        if d.kind.endswith("Binding"):
            subjects = d.new.data.get("subjects") or []
            if any(isinstance(s, dict) and s.get("name") == name for s in subjects):
                return d
        elif best is None:
            best = d
    return best


_WEAKER = (
    ("privileged", True, "runs privileged"),
    ("allowPrivilegeEscalation", True, "may escalate privileges"),
)


_SECURE_SECCOMP = ("RuntimeDefault", "Localhost")


def _sc(data: Any) -> dict:
    sc = data.get("securityContext") if isinstance(data, dict) else None
    return sc if isinstance(sc, dict) else {}


def _effective(container_sc: dict, pod_sc: dict, *path: str) -> Any:
    """A setting as it applies to a container: its own, else the pod's (runAsNonRoot,
    runAsUser and seccompProfile may be set at either level)."""
    own = _get(container_sc, *path)
    return own if own is not MISSING else _get(pod_sc, *path)


def _weaker(key: str, old: Any, new: Any) -> bool:
    if key == "runAsNonRoot":
        return old is True and new is not True
    if key == "runAsUser":
        return new == 0 and old != 0
    return old in _SECURE_SECCOMP and new not in _SECURE_SECCOMP  # seccompProfile.type


def _said(key: str, old: Any, new: Any, plural: bool = False) -> str:
    """What became weaker, to follow the subject ("container 'web' of ...", "the pods of ...")."""
    if key == "runAsNonRoot":
        return f" no longer set{'' if plural else 's'} runAsNonRoot: true"
    if key == "runAsUser":
        return f" now run{'' if plural else 's'} as root (runAsUser: 0)"
    return f": seccomp {old if old is not MISSING else 'unset'} -> {new if new is not MISSING else 'unset'}"


_BOTH_LEVELS = (("runAsNonRoot",), ("runAsUser",), ("seccompProfile", "type"))


@check("security-context-weakened", "security", Severity.ERROR,
       "Keep the container locked down: non-root, no privilege escalation, read-only root, capabilities dropped.")
def _security_context(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A container's securityContext is weaker than before: privileged, privilege escalation
    allowed, runAsNonRoot or readOnlyRootFilesystem dropped, root (runAsUser 0), capabilities
    added or ``drop: [ALL]`` removed, seccomp made Unconfined or removed; the pod's own
    securityContext (runAsNonRoot, runAsUser, seccomp) counts for the containers that do
    not set their own."""
    for d in _changed(comparison):
        ot = _WORKLOADS.pod_template(d.old)
        nt = _WORKLOADS.pod_template(d.new)
        if ot is None or nt is None:
            continue
        opod, npod = _sc(ot.spec), _sc(nt.spec)
        pod_weakened: dict[tuple, tuple] = {}
        for name, o, n in _container_pairs(d):
            os_, ns_ = o.get("securityContext") or {}, n.get("securityContext") or {}
            if not isinstance(os_, dict) or not isinstance(ns_, dict):
                continue
            path = (*n.path, "securityContext")
            for key, bad, words in _WEAKER:
                if ns_.get(key) is bad and os_.get(key) is not bad:
                    yield _risk(c, comparison, d, f"container '{name}' of {d.label} now {words}", (*path, key), os_.get(key, MISSING), True)
            if os_.get("readOnlyRootFilesystem") is True and ns_.get("readOnlyRootFilesystem") is not True:
                yield _risk(c, comparison, d, f"container '{name}' of {d.label} no longer sets readOnlyRootFilesystem: true",
                            (*path, "readOnlyRootFilesystem"), True, ns_.get("readOnlyRootFilesystem", MISSING))
            for keys in _BOTH_LEVELS:
                old, new = _effective(os_, opod, *keys), _effective(ns_, npod, *keys)
                if not _weaker(keys[0], old, new):
                    continue
                if _get(ns_, *keys) is not MISSING or _get(os_, *keys) is not MISSING:  # the container's own setting
                    where = (*path, keys[0]) if keys[0] in ns_ else path
                    yield _risk(c, comparison, d, f"container '{name}' of {d.label}{_said(keys[0], old, new)}", where, old, new)
                else:  # the pod's: said once for the pod, naming the containers it now applies to
                    pod_weakened.setdefault(keys, (old, new, []))[2].append(name)
            oc, nc = os_.get("capabilities") or {}, ns_.get("capabilities") or {}
            if isinstance(oc, dict) and isinstance(nc, dict):
                added = sorted(set(strings(nc.get("add"))) - set(strings(oc.get("add"))))
                if added:
                    yield _risk(c, comparison, d, f"container '{name}' of {d.label} gains capabilities {', '.join(map(str, added))}",
                                (*path, "capabilities", "add"), oc.get("add", MISSING), nc.get("add"))
                if "ALL" in strings(oc.get("drop")) and "ALL" not in strings(nc.get("drop")):
                    yield _risk(c, comparison, d, f"container '{name}' of {d.label} no longer drops ALL capabilities",
                                (*path, "capabilities"), oc.get("drop"), nc.get("drop", MISSING))
        for keys, (old, new, names) in pod_weakened.items():
            if keys[0] in npod:
                where = (*nt.spec_path, "securityContext", keys[0])
            else:  # removed: the pod's securityContext, or its spec when that is gone too
                where = (*nt.spec_path, "securityContext") if npod else tuple(nt.spec_path)
            quoted = ", ".join(f"'{x}'" for x in names)
            yield _risk(c, comparison, d, f"the pods of {d.label}{_said(keys[0], old, new, plural=True)} (pod securityContext; "
                        f"container{'s' if len(names) != 1 else ''} {quoted})", where, old, new)


@check("host-access-added", "security", Severity.ERROR,
       "Remove the host access; a workload that needs it belongs in a dedicated, locked-down namespace.")
def _host(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A pod gains access to its node: hostNetwork, hostPID or hostIPC turned on, or a
    hostPath volume added."""
    for d in comparison.objects:
        if d.status not in (CHANGED, ADDED) or d.new is None:
            continue
        nt = _WORKLOADS.pod_template(d.new)
        if nt is None:
            continue
        ot = _WORKLOADS.pod_template(d.old) if d.old is not None else None
        ospec = ot.spec if ot is not None else {}
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if nt.spec.get(key) is True and ospec.get(key) is not True:
                yield _risk(c, comparison, d, f"{d.label} now sets {key}: true", (*nt.spec_path, key), ospec.get(key, MISSING), True)
        old_paths = {v["name"] for v in dicts(ospec.get("volumes")) if "hostPath" in v and isinstance(v.get("name"), str)}
        for i, v in enumerate(as_list(nt.spec.get("volumes"))):
            name = v.get("name") if isinstance(v, dict) else None
            if isinstance(v, dict) and isinstance(v.get("hostPath"), dict) and not (isinstance(name, str) and name in old_paths):
                yield _risk(c, comparison, d, f"{d.label} mounts hostPath {v['hostPath'].get('path')} (volume '{v.get('name')}')",
                            (*nt.spec_path, "volumes", i, "hostPath"), MISSING, v["hostPath"].get("path"))


def _opens_all_namespaces(policy: dict) -> bool:
    for rule in policy.get("ingress") or []:
        if not isinstance(rule, dict):
            continue
        sources = rule.get("from")
        if sources is None or sources == []:
            return True  # an ingress rule without from admits everything
        for peer in sources:
            if isinstance(peer, dict) and peer.get("namespaceSelector") == {} and not peer.get("podSelector"):
                return True
            if isinstance(peer, dict) and _get(peer, "ipBlock", "cidr") in ("0.0.0.0/0", "::/0"):
                return True
    return False


@check("network-policy-opened", "security", Severity.WARNING,
       "Keep the policy; admit the namespaces that need access by label rather than every namespace.")
def _netpol(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A NetworkPolicy is removed, or now admits traffic from every namespace (an empty
    namespaceSelector, a rule without ``from``, or 0.0.0.0/0)."""
    for d in comparison.objects:
        if d.kind != "NetworkPolicy" or d.key[0] != "networking.k8s.io":
            continue
        if d.status == REMOVED:
            yield _risk(c, comparison, d, f"{d.label} is removed: the pods it selected accept traffic it blocked")
        elif d.status == CHANGED and _opens_all_namespaces(d.new.spec) and not _opens_all_namespaces(d.old.spec):
            yield _risk(c, comparison, d, f"{d.label} now admits traffic from every namespace", ("spec", "ingress"),
                        d.old.spec.get("ingress", MISSING), d.new.spec.get("ingress"))


@check("service-exposed", "security", Severity.WARNING,
       "Keep the Service internal (ClusterIP) and expose it through an Ingress or Gateway with TLS and auth.")
def _service_exposed(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """A Service becomes reachable from outside the cluster: type NodePort or
    LoadBalancer, or externalIPs added (a new Service of those types counts too)."""
    rank = {"ClusterIP": 0, "ExternalName": 0, "NodePort": 1, "LoadBalancer": 2}
    for d in comparison.objects:
        if d.kind != "Service" or d.key[0] != "" or d.status not in (ADDED, CHANGED):
            continue
        n = text(d.new.spec.get("type"), "ClusterIP")  # a wrongly typed one: the scan's finding
        o = text(d.old.spec.get("type"), "ClusterIP") if d.old is not None else "ClusterIP"
        if rank.get(n, 0) > rank.get(o, 0):
            yield _risk(c, comparison, d, f"{d.label} is now of type {n}: reachable from outside the cluster",
                        ("spec", "type"), o if d.old is not None else MISSING, n)
        if d.new.spec.get("externalIPs") and not (d.old is not None and d.old.spec.get("externalIPs")):
            yield _risk(c, comparison, d, f"{d.label} now has externalIPs", ("spec", "externalIPs"), MISSING, d.new.spec["externalIPs"])


# --- rollout ----------------------------------------------------------------------------


@check("rollout-restart", "rollout", Severity.INFO, "Roll out when a restart of these pods is acceptable.")
def _rollout(comparison: Comparison, c: Check) -> Iterator[Risk]:
    """Which workloads restart because their pod template changed (a checksum annotation
    counts: that is what it is for), and how many pods are replaced."""
    for d in _changed(comparison):
        ot = _WORKLOADS.pod_template(d.old)
        nt = _WORKLOADS.pod_template(d.new)
        if ot is None or nt is None or d.kind in ("Pod", "PodTemplate", "Job", "CronJob"):
            continue
        if ot.metadata == nt.metadata and ot.spec == nt.spec:
            continue
        pods = replicas(d.new)
        count = f"{pods} pod{'s' if pods != 1 else ''}" if pods is not None else "every pod" if d.kind == "DaemonSet" else "its pods"
        fields = sorted({ch.dotted[len("spec.template."):] for ch in d.changes + d.ignored if ch.dotted.startswith("spec.template.")})
        shown = ", ".join(fields[:4]) + (f" and {len(fields) - 4} more" if len(fields) > 4 else "")
        yield _risk(c, comparison, d, f"{d.label} restarts {count}: its pod template changed ({shown})", nt.path or ("spec",))

