"""Benchmark kubevet triage on 100,000 event lines, against a bare line split.

    python benchmarks/bench_triage.py [--lines 100000] [--repeat 3]

Generates a `kubectl get events -A -o wide`-shaped table of --lines rows (a cluster-wide
outage: probes failing, pods back-off, FailedScheduling, nodes NotReady, thousands of
pods across namespaces) in three forms: aligned, collapsed to single spaces (a paste),
and as `kubectl get events -o json`. Each measurement runs in a fresh interpreter and the
median of --repeat runs is printed, wall-clock and CPU time (the CPU time of the process,
which other work on a shared machine does not inflate), with peak RSS:

- baseline: read the file and split every line on whitespace, the floor of any reader;
- parse: kubevet's detection and parsing only (signals, no diagnoses);
- triage: the whole `kubevet triage` (parse, diagnoses, chain, text report).

A benchmark, not a test: nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "triage"

_JOB = r"""
import json, resource, sys, time
mode, path = sys.argv[1], sys.argv[2]
from datetime import datetime, timezone
at = datetime(2026, 12, 3, 4, 10, tzinfo=timezone.utc)
t0, c0 = time.perf_counter(), time.process_time()
if mode == "baseline":
    with open(path, encoding="utf-8") as fh:
        n = sum(len(line.split()) > 0 for line in fh)
elif mode == "parse":
    from kubevet.triage.parsers import detect
    with open(path, encoding="utf-8") as fh:
        parts = detect.parse(fh.read(), path, at)
    n = sum(len(p.signals) for p in parts)
else:
    from kubevet.triage import report
    from kubevet.triage.run import triage
    result = triage([path], at=at)
    text = report.text(result)
    n = len(result.diagnoses)
elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
# peak RSS of this process since exec (VmHWM): ru_maxrss would also count the pages of the
# benchmark's own process at the fork, before exec
try:
    with open("/proc/self/status") as fh:
        rss = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "cpu": cpu, "n": n, "rss_mb": rss}))
"""

REASONS = [
    ("Warning", "Unhealthy", "spec.containers{{app}}", "kubelet, {node}",
     'Readiness probe failed: Get "http://10.{a}.{b}.{c}:8080/ready": context deadline exceeded'),
    ("Warning", "Unhealthy", "spec.containers{{app}}", "kubelet, {node}",
     "Liveness probe failed: HTTP probe failed with statuscode: 503"),
    ("Normal", "Killing", "spec.containers{{app}}", "kubelet, {node}", "Container app failed liveness probe, will be restarted"),
    ("Warning", "BackOff", "spec.containers{{app}}", "kubelet, {node}",
     "Back-off restarting failed container app in pod {pod}_{ns}(0c6b2d0e-1f5e-4f4a-9a6c-7e0d3b1a2c4f)"),
    ("Warning", "FailedScheduling", "", "default-scheduler",
     "0/40 nodes are available: 4 node(s) had untolerated taint {{node.kubernetes.io/unreachable: }}, 36 Insufficient "
     "cpu. preemption: 0/40 nodes are available: 40 No preemption victims found for incoming pod."),
    ("Normal", "Scheduled", "", "default-scheduler", "Successfully assigned {ns}/{pod} to {node}"),
    ("Normal", "Pulled", "spec.containers{{app}}", "kubelet, {node}", 'Container image "ghcr.io/acme/app:1.2.3" already present on machine'),
    ("Warning", "NodeNotReady", "", "node-controller", "Node is not ready"),
]


def generate(lines: int, directory: Path) -> dict[str, Path]:
    rng = random.Random(16)
    # 300 Deployments of 4 replicas in 40 namespaces on 40 nodes
    safe = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet of the hashes in pod names
    pods = [(f"team-{w % 40}", f"svc{w}-{''.join(rng.choices(safe, k=10))}-{''.join(rng.choices(safe, k=5))}",
             f"node-{w % 40}") for w in range(300) for _ in range(4)]
    rows = []
    for i in range(lines):
        ns, pod, node = pods[rng.randrange(len(pods))]
        typ, reason, sub, source, msg = REASONS[rng.randrange(len(REASONS))]
        fill = dict(node=node, pod=pod, ns=ns, a=rng.randrange(255), b=rng.randrange(255), c=rng.randrange(255))
        count = rng.randrange(1, 40)
        last = f"{rng.randrange(1, 59)}m"
        age = f"{last} (x{count} over {rng.randrange(59, 120)}m)" if count > 1 else last
        rows.append((ns, age, typ, reason, f"pod/{pod}", sub.format(**fill), source.format(**fill),
                     msg.format(**fill), "2h", str(count), f"{pod}.{rng.randrange(16**16):016x}"))
    head = ("NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN",
            "COUNT", "NAME")
    widths = [max(len(r[k]) for r in rows + [head]) for k in range(len(head))]
    directory.mkdir(parents=True, exist_ok=True)
    aligned = directory / f"events-{lines}.txt"
    with aligned.open("w") as fh:
        for r in [head] + rows:
            fh.write("".join(c.ljust(widths[k] + 3) for k, c in enumerate(r)).rstrip() + "\n")
    collapsed = directory / f"events-{lines}-collapsed.txt"
    with aligned.open() as src, collapsed.open("w") as fh:
        for line in src:
            fh.write(" ".join(line.split()) + "\n")
    as_json = directory / f"events-{lines // 5}.json"
    items = [{"apiVersion": "v1", "kind": "Event", "metadata": {"name": r[10], "namespace": r[0]},
              "involvedObject": {"kind": "Pod", "name": r[4][4:], "namespace": r[0]}, "reason": r[3], "type": r[2],
              "message": r[7], "count": int(r[9]), "firstTimestamp": "2026-12-03T02:10:00Z",
              "lastTimestamp": "2026-12-03T04:00:00Z", "source": {"component": "kubelet"}} for r in rows[: lines // 5]]
    as_json.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}, indent=4))
    return {"aligned": aligned, "collapsed": collapsed, "json": as_json}


def measure(mode: str, path: Path, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _JOB, mode, str(path)], capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout))
    return {"seconds": statistics.median(r["seconds"] for r in runs), "cpu": statistics.median(r["cpu"] for r in runs),
            "n": runs[0]["n"],
            "rss_mb": max(r["rss_mb"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = generate(args.lines, OUT)
    print("| input | lines | what | wall s | CPU s | lines/s (CPU) | peak RSS |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for label, path in files.items():
        n = sum(1 for _ in path.open())
        for mode in ("baseline", "parse", "triage"):
            r = measure(mode, path, args.repeat)
            print(f"| {label} ({path.stat().st_size >> 20} MB) | {n:,} | {mode} | {r['seconds']:.2f} | {r['cpu']:.2f} | "
                  f"{n / r['cpu']:,.0f} | {r['rss_mb']:.0f} MB |", flush=True)


if __name__ == "__main__":
    main()
