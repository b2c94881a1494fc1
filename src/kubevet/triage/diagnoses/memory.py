"""Out of memory: a container over its own limit, or the whole node out of memory."""

from __future__ import annotations

import re
from collections import defaultdict

from kubevet.triage.diagnoses import Found, Index, diagnosis, objects
from kubevet.triage.model import Obj

# processes of the node itself: when the kernel kills one, the node fails, not a pod
SYSTEM_PROCESSES = re.compile(
    r"^(kubelet|containerd|containerd-shim.*|dockerd|crio|conmon|runc|kube-proxy|calico-node|calico|bird|felix|"
    r"flanneld|cilium-agent|cilium|weave|aws-k8s-agent|aws-node|coredns|systemd.*|journald|sshd|etcd|"
    r"kube-apiserver|node-problem-detector|konnectivity-agent|fluent-bit|fluentd)$")


@diagnosis(name="container-oom-killed", rules=("RES003", "RES002"), fix_field="resources")
def container_oom(ix: Index):
    """A container was killed for going over its memory limit (OOMKilled, exit code 137).

    The container's memory limit is below what it really uses: the kernel kills it as soon
    as it reaches the limit, the kubelet restarts it, and it dies again at the same point,
    so restarts climb with every load peak.

    Fix: Measure the container's real peak memory and set the limit above it (and the
    request close to it); if the use grows without bound, fix the leak or the cache size.
    """
    by_pod: dict[tuple[Obj, str], list] = defaultdict(list)
    for s in ix.of("container"):
        if "OOMKilled" in (s.fields["last_reason"], s.fields["state_reason"]) and s.obj:
            by_pod[(s.obj, s.fields["container"])].append(s)
    for s in ix.events(message=r"\bOOMKill"):
        if s.obj and s.obj.kind == "Pod":
            by_pod[(s.obj, s.fields.get("container", ""))].append(s)
    for s in ix.of("log"):
        if s.reason == "oom-kill" and s.fields["constraint"] == "memcg":
            by_pod[(Obj("Node", None, s.host or "?"), s.fields["victim"])].append(s)
    for (obj, container), evidence in by_pod.items():
        limits = [r for r in ix.of("resources", obj) if not container or r.fields["container"] == container]
        limit = next((r.fields["limits"].get("memory") for r in limits if r.fields["limits"].get("memory")), None)
        if obj.kind == "Pod" and limits and limit is None:
            continue  # no limit at all: the node ran out of memory (node-oom reports it)
        detail = f"container {container or '?'}" + (f", memory limit {limit}" if limit else "")
        restarts = max((e.fields.get("restarts", 0) for e in evidence if e.source == "container"), default=0)
        if restarts:
            detail += f", {restarts} restarts"
        node = ix.node_of.get(obj.name, "") if obj.kind == "Pod" else obj.name
        yield Found(evidence + limits[:1], objects(evidence), "high" if limit else "medium", detail=detail,
                    container=container, node=node)


@diagnosis(name="node-oom", rules=("RES003", "RES002", "NSG002", "NSG001"), fix_field="resources")
def node_oom(ix: Index):
    """The node ran out of memory and the kernel killed processes, system ones included.

    Pods without memory limits (and with small or no requests) take the node's memory
    until the kernel's OOM killer picks a victim. When the victim is the kubelet, the
    container runtime or the network agent, the node stops working: it goes NotReady, its
    pods are evicted after five minutes, and they land on the other nodes, which may be
    full already.

    Fix: Give every container a memory request close to its real use and a limit (a
    LimitRange sets defaults for a namespace, a ResourceQuota caps it), and reserve memory
    for the system (kubelet --system-reserved/--kube-reserved, eviction thresholds).
    """
    by_node: dict[str, list] = defaultdict(list)
    victims: dict[str, set[str]] = defaultdict(set)
    for s in ix.of("log"):
        if s.reason == "oom-kill" and s.fields["constraint"] == "global":
            by_node[s.host].append(s)
            victims[s.host].add(s.fields["victim"])
        elif s.reason == "system-oom":
            by_node[s.host].append(s)
    for s in ix.events("SystemOOM", "OOMKilling"):
        node = s.obj.name if s.obj and s.obj.kind == "Node" else s.host
        by_node[node].append(s)
        m = re.search(r"victim process: ([^,\s]+)|Killed process \d+ \(([^)]+)\)", s.message)
        if m:
            victims[node].add(m.group(1) or m.group(2))
    for node, evidence in by_node.items():
        system = sorted(v for v in victims[node] if SYSTEM_PROCESSES.match(v))
        other = sorted(v for v in victims[node] if not SYSTEM_PROCESSES.match(v))
        pods = _unlimited_pods(ix, node)
        evidence += [s for s in ix.of("container") if s.obj and "OOMKilled" in (s.fields["last_reason"],
                     s.fields["state_reason"]) and (ix.node_of.get(s.obj.name) or s.host) == node]
        detail = f"node {node or '?'}"
        if system:
            detail += f"; system processes killed: {', '.join(system)}"
        if other:
            detail += f"; also killed: {', '.join(other)}"
        explanation = ""
        if pods:
            explanation = (f"Pods on {node} without a memory limit: {', '.join(p.obj.name for p in pods)}. "
                           f"They could grow until the node had no memory left.")
        yield Found(evidence + pods, [Obj("Node", None, node)] + objects(pods), "high" if system or pods else "medium",
                    detail=detail, node=node, explanation=explanation,
                    container=pods[0].fields["container"] if pods else "")


def _unlimited_pods(ix: Index, node: str) -> list:
    """A resources signal for each container without a memory limit on the node (or anywhere, if unknown)."""
    out = []
    for r in ix.of("resources"):
        if r.fields["limits"].get("memory") or r.obj is None or r.obj.kind != "Pod":
            continue
        where = ix.node_of.get(r.obj.name) or r.host
        if where == node:
            out.append(r)
    return out


@diagnosis(name="eviction-memory", rules=("RES002", "RES003"), fix_field="resources")
def eviction_memory(ix: Index):
    """Pods were evicted because their node ran low on memory (MemoryPressure).

    The kubelet evicts pods when the node's available memory crosses its eviction
    threshold, first those using the most memory above their request. Pods without
    requests (BestEffort) go first and any pod may go when requests are below real use.

    Fix: Set memory requests to what the containers really use, so the scheduler does not
    overcommit the node, and limits to cap the growth.
    """
    yield from _evictions(ix, r"memory", "MemoryPressure")


@diagnosis(name="eviction-ephemeral-storage", rules=("RES006",), fix_field="resources")
def eviction_storage(ix: Index):
    """Pods were evicted for their local ephemeral storage: logs, emptyDir or the writable layer.

    A container that writes to its filesystem, an emptyDir or its logs without an
    ephemeral-storage limit fills the node's disk; the kubelet evicts it (and its
    neighbours) when the node runs short.

    Fix: Set ephemeral-storage requests and limits (and emptyDir sizeLimit) on containers
    that write locally, and rotate logs.
    """
    yield from _evictions(ix, r"ephemeral[- ]storage|ephemeral local storage", None)


@diagnosis(name="eviction-disk-pressure", rules=("RES006",), fix_field="resources")
def eviction_disk(ix: Index):
    """Pods were evicted because the node's disk (nodefs or imagefs) was under pressure.

    DiskPressure makes the kubelet remove unused images and evict pods by their local
    storage use; images and logs accumulate until the node's disk crosses the threshold.

    Fix: Limit ephemeral storage per container, clean up images (imageGCHighThresholdPercent)
    and size the node disks for the images they run.
    """
    yield from _evictions(ix, r"nodefs|imagefs|inodes|DiskPressure", "DiskPressure")


def _evictions(ix: Index, resource: str, condition: str | None):
    rx = re.compile(resource, re.I)
    evidence = [s for s in ix.events("Evicted", "EvictionThresholdMet", "Evicting") if rx.search(s.message)]
    evidence += [s for s in ix.of("pod-status") if s.reason == "Evicted" and rx.search(s.message)]
    if condition:
        evidence += [s for s in ix.events(f"NodeHas{condition}")]
        evidence += [s for s in ix.of("node-condition") if s.reason == condition and s.fields["status"] == "True"]
    evidence += [s for s in ix.of("log") if s.reason == "eviction" and rx.search(s.message)]
    if not any(s.reason in ("Evicted", "Evicting") or s.source == "pod-status" for s in evidence):
        return
    nodes = sorted({s.host or (s.obj.name if s.obj and s.obj.kind == "Node" else "") for s in evidence} - {""})
    yield Found(evidence, objects(evidence), "high", detail=", ".join(f"node {n}" for n in nodes) or "",
                node=nodes[0] if nodes else "")
