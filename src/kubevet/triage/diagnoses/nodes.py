"""Nodes that stop working: NotReady, the kubelet silent, the network plugin down."""

from __future__ import annotations

from collections import defaultdict

from kubevet.triage.diagnoses import Found, Index, diagnosis, objects


@diagnosis(name="node-not-ready", rules=("AVL001", "AVL006", "RES002", "RES003"), fix_field="")
def not_ready(ix: Index):
    """A node went NotReady: the kubelet stopped posting its status.

    The node controller marks a node Unknown when its kubelet has not reported for the
    grace period (40 s), taints it node.kubernetes.io/unreachable, and after five minutes
    evicts its pods. The kubelet goes silent when it is killed (node OOM), hangs, or loses
    the API server; replicas that all ran on that node go down together.

    Fix: Find why the kubelet stopped (its log, the kernel log: an OOM kill of the kubelet
    means pods without memory limits); spread replicas across nodes and protect them with
    a PodDisruptionBudget.
    """
    by_node = defaultdict(list)
    for s in ix.events("NodeNotReady", "NodeStatusUnknown", "NodeUnreachable"):
        node = s.obj.name if s.obj and s.obj.kind == "Node" else s.host
        if s.obj and s.obj.kind == "Pod":
            node = ix.node_of.get(s.obj.name, s.host)
        by_node[node].append(s)
    for s in ix.of("node-condition"):
        if s.reason == "Ready" and s.fields["status"] in ("False", "Unknown"):
            by_node[s.obj.name].append(s)
    for s in ix.of("node-taint"):
        if s.reason.startswith(("node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready")):
            by_node[s.obj.name].append(s)
    for s in ix.of("log"):
        if s.reason in ("node-status-error", "kubelet-stopped", "pleg"):
            by_node[s.host].append(s)
    for node, evidence in by_node.items():
        if not any(e.source in ("event", "node-condition") for e in evidence):
            continue
        stopped = any("stopped posting" in e.message for e in evidence)
        detail = f"node {node or '(not named in the input)'}" + (": kubelet stopped posting node status" if stopped
                                                                  else "")
        yield Found(evidence, objects([e for e in evidence if e.obj and e.obj.kind == "Node"]) or objects(evidence),
                    "high", detail=detail, node=node)


@diagnosis(name="network-not-ready", rules=(), fix_field="")
def network(ix: Index):
    """The container network (CNI) is not ready on a node: no pod there gets a network.

    The kubelet reports NetworkReady=false while the network plugin is not initialised:
    the CNI agent (Calico, Cilium, Flannel ...) is not running on the node or was killed,
    its configuration is missing from /etc/cni/net.d, or it cannot reach its datastore.
    New pods on the node stay in ContainerCreating.

    Fix: Check the CNI agent's DaemonSet pod on that node and its logs; make sure it has
    a system-node-critical priority and memory requests so it is not the OOM victim.
    """
    rx = r"network is not ready|NetworkPluginNotReady|cni plugin not initialized|failed to (?:set ?up|setup) network"
    evidence = ix.events("NetworkNotReady", "FailedCreatePodSandBox", message=rx)
    evidence += [s for s in ix.of("node-condition") if s.reason == "Ready" and s.fields["status"] == "False"
                 and "network" in s.message.lower()]
    evidence += [s for s in ix.of("log") if s.reason == "network-not-ready"]
    by_node = defaultdict(list)
    for s in evidence:
        node = s.host or (s.obj.name if s.obj and s.obj.kind == "Node" else ix.node_of.get(s.obj.name, "") if s.obj else "")
        by_node[node].append(s)
    for node, ev in by_node.items():
        yield Found(ev, objects(ev), "high", detail=f"node {node}" if node else "", node=node)
