"""Pods that cannot be placed or created: FailedScheduling by cause, quotas, autoscalers."""

from __future__ import annotations

import re
from collections import defaultdict

from kubevet.triage.diagnoses import Found, Index, diagnosis, objects

CAUSES = (
    ("insufficient", re.compile(r"Insufficient (\S+)")),
    ("too-many-pods", re.compile(r"Too many pods")),
    ("taints", re.compile(r"untolerated taint|had taints? .*didn't tolerate|were unschedulable|unschedulable")),
    ("affinity", re.compile(r"didn't match (?:Pod's node affinity|pod (?:anti-)?affinity|pod topology spread)|"
                            r"didn't satisfy existing pods anti-affinity|node affinity/selector", re.I)),
    ("unbound-pvc", re.compile(r"unbound immediate PersistentVolumeClaims|persistentvolumeclaim \"[^\"]+\" not found|"
                               r"volume node affinity conflict|didn't find available persistent volumes", re.I)),
)


def _scheduling(ix: Index, cause: str):
    rx = dict(CAUSES)[cause]
    pods = defaultdict(list)
    details = defaultdict(set)
    for s in ix.events("FailedScheduling"):
        head = s.message.split(". preemption:")[0]
        for clause in re.split(r", (?=\d+ |[a-z])", head.split("available: ", 1)[-1]):
            m = rx.search(clause)
            if m and s.obj:
                pods[s.obj].append(s)
                details[s.obj].add(clause.strip().rstrip("."))
                break
    if not pods:
        return
    evidence = [e for es in pods.values() for e in es]
    detail = "; ".join(sorted({d for ds in details.values() for d in ds}))[:300]
    total = re.search(r"0/(\d+) nodes are available", evidence[0].message)
    if total:
        detail = f"0/{total.group(1)} nodes available: {detail}"
    yield Found(evidence, objects(evidence), "high", detail=detail)


@diagnosis(name="scheduling-insufficient-resources", rules=("RES001", "RES002", "NSG001", "AVL016"),
           fix_field="resources")
def insufficient(ix: Index):
    """Pods cannot be scheduled: no node has the CPU or memory they request left.

    The scheduler places a pod only where its requests fit in the node's allocatable
    minus what the pods there already request. After a node is lost its pods ask the rest
    for room they do not have; pods without requests elsewhere hide how full the nodes
    really are.

    Fix: Add capacity (or let the cluster autoscaler), lower requests that are above real
    use, set requests on every pod so that capacity is planned, and give critical
    workloads a PriorityClass so they preempt less important pods.
    """
    yield from _scheduling(ix, "insufficient")


@diagnosis(name="scheduling-too-many-pods", rules=(), fix_field="")
def too_many_pods(ix: Index):
    """Pods cannot be scheduled: the nodes are at their maximum number of pods.

    Each node accepts at most its max-pods (110 by default, fewer on some clouds where
    pod IPs come from the node's network interfaces); many small pods fill it long before
    its CPU and memory.

    Fix: Add nodes or raise the kubelet's maxPods where the network allows it, and merge
    tiny pods (sidecars, one-replica helpers) where they can be.
    """
    yield from _scheduling(ix, "too-many-pods")


@diagnosis(name="scheduling-taints", rules=(), fix_field="tolerations")
def taints(ix: Index):
    """Pods cannot be scheduled: the nodes that would fit carry taints the pods do not tolerate.

    Taints keep pods off nodes: node.kubernetes.io/not-ready and unreachable on failed
    nodes, unschedulable on cordoned ones, and the taints of dedicated node pools. When
    the remaining nodes are tainted or full, pods stay Pending.

    Fix: Bring the tainted nodes back (or remove the cordon); for dedicated pools add the
    matching tolerations to the pods that belong there.
    """
    yield from _scheduling(ix, "taints")


@diagnosis(name="scheduling-affinity", rules=("AVL007",), fix_field="affinity")
def affinity(ix: Index):
    """Pods cannot be scheduled: node affinity, anti-affinity or topology spread rules exclude every node.

    Hard (requiredDuringScheduling) anti-affinity allows at most one replica per node or
    zone; a node selector or affinity names labels few nodes carry; spread constraints with
    whenUnsatisfiable DoNotSchedule refuse placements that would unbalance the zones.

    Fix: Prefer preferredDuringScheduling anti-affinity and ScheduleAnyway spreading unless
    the hard rule is required, and check the node labels the selectors ask for.
    """
    yield from _scheduling(ix, "affinity")


@diagnosis(name="scheduling-unbound-pvc", rules=("HYG010",), fix_field="volumes")
def unbound_pvc(ix: Index):
    """Pods cannot be scheduled: their PersistentVolumeClaims are missing, unbound or tied to another zone.

    A pod waits until each of its claims is bound to a volume the node can reach. A claim
    that was deleted, a StorageClass that cannot provision, or a volume in another zone
    keeps the pod Pending.

    Fix: Recreate or bind the claim (check its StorageClass and events), and use
    volumeBindingMode WaitForFirstConsumer so volumes are made in the pod's zone.
    """
    yield from _scheduling(ix, "unbound-pvc")


@diagnosis(name="quota-rejected", rules=("NSG003", "NSG004", "RES001", "RES002", "RES003", "RES004"),
           fix_field="resources")
def quota(ix: Index):
    """The API server refused to create pods: a ResourceQuota is exhausted or a LimitRange is violated.

    With a quota on CPU or memory, every pod must state requests and limits (`must
    specify limits`), and pods that would take the namespace over its quota are refused
    (`exceeded quota`); a LimitRange refuses containers above its maximum. The controller
    retries, and the workload runs with fewer replicas than it asks for.

    Fix: Set requests and limits on every container, within the LimitRange, and size the
    quota for all replicas plus a rolling update's surge.
    """
    rx = r"exceeded quota|must specify (?:limits|requests)|maximum (?:cpu|memory) usage|minimum (?:cpu|memory) usage"
    evidence = ix.events("FailedCreate", "FailedCreatePodSandBox", message=rx) + \
        [s for s in ix.of("workload-condition") if re.search(rx, s.message)]
    if not evidence:
        return
    details = sorted({m.group(0).replace("is forbidden: ", "") for e in evidence for m in re.finditer(rx, e.message)})
    yield Found(evidence, objects(evidence), "high", detail=", ".join(details))


@diagnosis(name="hpa-missing-requests", rules=("RES001", "RES002"), fix_field="resources")
def hpa(ix: Index):
    """The HorizontalPodAutoscaler cannot compute utilization: containers lack resource requests.

    Utilization targets are a percentage of the pods' requests; when a container of the
    target has no request for the resource, the autoscaler has no metric and does not
    scale at all, at the moment the load needs it.

    Fix: Set CPU (and memory, when the HPA uses it) requests on every container of the
    scaled workload, sidecars included.
    """
    evidence = ix.events("FailedGetResourceMetric", "FailedComputeMetricsReplicas", message=r"missing request for")
    if not evidence:
        return
    pods = sorted({m.group(2) for e in evidence for m in [re.search(r"missing request for (\S+) in container "
                                                                   r"\S+ of Pod (\S+)", e.message)] if m})
    containers = sorted({m.group(1) for e in evidence for m in [re.search(r"in container (\S+)", e.message)] if m})
    yield Found(evidence, objects(evidence), "high", container=containers[0] if containers else "",
                detail="missing requests in " + ", ".join(containers + pods)[:200])
