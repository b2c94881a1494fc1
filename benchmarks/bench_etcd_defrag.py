"""What the safety of `kubevet etcd defrag` costs, against `etcdctl defrag --cluster` as the baseline.

    python benchmarks/bench_etcd_defrag.py [--members 3] [--megabytes 32] [--repeat 3]

Each round starts a fresh real etcd cluster (tests/etcd/etcd_cluster.py, loopback ports),
fragments it the same way (write --megabytes of 8 KiB values, delete them, compact), and
defragments it once with etcdctl (every member in ID order, no checks) and once with
kubevet (plan, lock, a gate before each member, followers first, the leader last, wait
until caught up; --pause 0). Reported: wall time of each command and bytes reclaimed
(sum of DB sizes before minus after, read from the members). Medians over --repeat rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "etcd"))

from etcd_cluster import Cluster  # noqa: E402


def total_size(c: Cluster) -> int:
    return sum(int(c.status(n)["dbSize"]) for n in c.nodes)


def timed(c: Cluster, argv: list[str]) -> tuple[float, int]:
    before = total_size(c)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "ETCDCTL_API": "3"})
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{argv[0]} failed: {proc.stderr[-2000:]}")
    return seconds, before - total_size(c)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=3)
    ap.add_argument("--megabytes", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows: dict[str, list[tuple[float, int]]] = {"etcdctl defrag --cluster": [], "kubevet etcd defrag": []}
    for _ in range(args.repeat):
        with Cluster(size=args.members) as c:
            c.fragment(args.megabytes)
            rows["etcdctl defrag --cluster"].append(
                timed(c, ["etcdctl", "--endpoints", c.nodes[0].endpoint, "defrag", "--cluster"]))
        with Cluster(size=args.members) as c:
            c.fragment(args.megabytes)
            rows["kubevet etcd defrag"].append(timed(c, [
                sys.executable, "-m", "kubevet", "etcd", "defrag", "--cluster", "--endpoints", c.nodes[0].endpoint,
                "--yes", "--pause", "0", "--defrag-min-free", "1Mi", "--format", "json"]))
    print(f"{args.members} members, {args.megabytes} MB written and deleted, median of {args.repeat}")
    print(f"{'command':<28} {'wall s':>8} {'reclaimed MiB':>14}")
    for name, values in rows.items():
        secs = statistics.median(v[0] for v in values)
        reclaimed = statistics.median(v[1] for v in values) / (1 << 20)
        print(f"{name:<28} {secs:>8.2f} {reclaimed:>14.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
