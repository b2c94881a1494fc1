"""Compare full scans of two kubevet source trees, run by run, on the same corpus.

    git archive <commit> src | tar -x -C /tmp/before   # the tree to compare against
    python benchmarks/bench_compare.py --before /tmp/before/src [--repeat 5] [--corpus DIR]

For a change that must not slow scans down (a refactoring): each run of ``kubevet scan
-j 1`` and of ``kubevet scan`` (workers chosen by input size) on the generated corpus
(benchmarks/gen_corpus.py, 20,000 objects) alternates between the two trees in fresh
processes, so that the load of a shared machine falls on both alike, and the table gives
the median seconds of each and their ratio. The trees share this interpreter and its
installed dependencies; a tree without the compiled YAML extension
(``kubevet/_yamlfast*.so``) gets a copy of this tree's (build it from the same
``_yamlfast.c``). This is a benchmark, not a test: nothing here passes or fails on time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_CORPUS = HERE / "out" / "corpus20k"


def scan(src: Path, corpus: Path, jobs: list[str], extra: list[str] = ()) -> tuple[float, int, int]:
    """Seconds, objects and findings of one ``kubevet scan`` run from the tree ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "kubevet", "scan", str(corpus), "--no-config", "-f", "json", "-o", report.name, *jobs, *extra],
            env=env, check=False, capture_output=True,
        )
        seconds = time.perf_counter() - t0
        data = json.loads(Path(report.name).read_text())
    return seconds, data["summary"]["objects"], len(data["findings"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the src/ directory of the tree to compare against")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--after-ignore", default="", metavar="RULES",
                        help="rules the other tree does not have, left out of this tree's scans (--ignore)")
    args = parser.parse_args()
    after = ROOT / "src"
    if not any((args.before / "kubevet").glob("_yamlfast*.so")):
        for so in (after / "kubevet").glob("_yamlfast*.so"):
            shutil.copy(so, args.before / "kubevet" / so.name)
    if not args.corpus.exists():
        sys.path.insert(0, str(HERE))
        from gen_corpus import generate

        generate(args.corpus, 20_000, 100)
    print(f"corpus {args.corpus} ({sum(f.stat().st_size for f in args.corpus.rglob('*.yaml')) / 1e6:.0f} MB), "
          f"{args.repeat} runs each, alternating\n")
    print("| scan | before (s) | after (s) | after / before | objects | findings before / after |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, jobs in (("`kubevet scan -j 1`", ["-j", "1"]), ("`kubevet scan` (automatic workers)", [])):
        times: dict[str, list[float]] = {"before": [], "after": []}
        found: dict[str, tuple[int, int]] = {}
        extra = {"before": [], "after": ["--ignore", args.after_ignore] if args.after_ignore else []}
        for _ in range(args.repeat):
            for name, src in (("before", args.before), ("after", after)):
                seconds, objects, findings = scan(src, args.corpus, jobs, extra[name])
                times[name].append(seconds)
                found[name] = (objects, findings)
        b, a = statistics.median(times["before"]), statistics.median(times["after"])
        print(f"| {label} | {b:.2f} | {a:.2f} | {a / b:.2f} | {found['after'][0]:,} | "
              f"{found['before'][1]:,} / {found['after'][1]:,} |")


if __name__ == "__main__":
    main()
