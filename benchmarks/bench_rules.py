"""Time each rule on its own over a corpus: which rules cost the scan its speed.

    python benchmarks/bench_rules.py [CORPUS_DIR] [--top N]

Each rule runs alone (with the input rules) and its time is reported above the cost of a
scan with no rule at all. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

from kubevet.config import Config
from kubevet.engine import Engine
from kubevet.loading.discover import discover
from kubevet.rules import all_rules

HERE = Path(__file__).resolve().parent


def timed(select: list[str], paths: list[str]) -> tuple[float, int]:
    sources, _ = discover(paths)
    engine = Engine(Config(select=select))
    gc.collect()
    t0 = time.perf_counter()
    result = engine.scan(sources)
    return time.perf_counter() - t0, len(result.findings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(HERE / "out" / "corpus20k"))
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    base, _ = timed(["INP"], [args.corpus])
    rows = []
    for r in all_rules():
        if r.scope == "input":
            continue
        seconds, findings = timed(["INP", r.code], [args.corpus])
        rows.append((seconds - base, r, findings))
    rows.sort(key=lambda row: -row[0])
    print(f"baseline (parse + input rules): {base:.2f} s")
    print("| rule | extra seconds | findings |\n| --- | ---: | ---: |")
    for extra, r, findings in rows[: args.top]:
        print(f"| {r.code} {r.name} | {extra:.2f} | {findings} |")
    total, findings = timed([], [args.corpus])
    print(f"\nall default rules together: {total:.2f} s, {findings} findings")


if __name__ == "__main__":
    sys.exit(main())
