"""Benchmark kubevet: full scans, parse-only baselines, peak memory and cold start.

    python benchmarks/bench_scan.py [--repeat 3] [--corpus DIR] [--real DIR]

Prints a Markdown table (the README's figures come from it). Each figure is the median of
--repeat runs, each run in a fresh process so that caches and memory do not carry over.
The generated corpus (benchmarks/gen_corpus.py, 20,000 objects) is created on first use.
This is a benchmark, not a test: nothing here passes or fails on time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_REAL = ROOT.parent / "shared" / "corpus" / "real"
DEFAULT_CORPUS = HERE / "out" / "corpus20k"

# Each job runs in its own interpreter and prints {"objects": n, "seconds": s, "rss_mb": m}.
_JOB = r"""
import gc, glob, json, os, resource, sys, time
mode, root = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(os.path.join(root, "**", "*.yaml"), recursive=True))
t0 = time.perf_counter()
if mode == "pyyaml":
    import yaml
    n = 0
    class Loader(yaml.CSafeLoader):
        pass
    Loader.add_constructor("tag:yaml.org,2002:value", lambda l, node: node.value)
    for f in files:
        with open(f, "rb") as fh:
            for doc in yaml.load_all(fh, Loader=Loader):
                if isinstance(doc, dict) and "kind" in doc:
                    n += 1
elif mode == "loader":
    from kubevet.loading.reader import read_source
    from kubevet.model import K8sObject, Source
    gc.disable()
    n = sum(1 for f in files for item in read_source(Source(f, f)) if item.__class__ is K8sObject)
else:
    # the whole CLI as a user runs it (workers chosen automatically), JSON report to a file
    import subprocess, tempfile
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        subprocess.run(
            [sys.executable, "-m", "kubevet", "scan", root, "--no-config", "-f", "json", "-o", report.name],
            check=False,
        )
        seconds = time.perf_counter() - t0  # the kubevet process only, not reading its report
        data = json.load(open(report.name))
    n = data["summary"]["objects"]
    findings = len(data["findings"])
if mode != "scan":
    seconds = time.perf_counter() - t0
rss = max(
    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
) / 1024
out = {"objects": n, "seconds": seconds, "rss_mb": rss}
if mode == "scan":
    out["findings"] = findings
print(json.dumps(out))
"""


def run_job(mode: str, root: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _JOB, mode, str(root)], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout)


def median_job(mode: str, root: Path, repeat: int) -> dict:
    runs = [run_job(mode, root) for _ in range(repeat)]
    best = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    best["rss_mb"] = max(r["rss_mb"] for r in runs)
    return best


def cold_start(repeat: int) -> float:
    """Seconds for `kubevet scan` of a one-Deployment file, as a user runs it."""
    exe = Path(sys.executable).with_name("kubevet")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "kubevet"]
    target = ROOT / "examples" / "fixed" / "shop.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.yaml"
        text = target.read_text()
        one.write_text(text.split("\n---\n")[0] + "\n")
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            subprocess.run([*cmd, "scan", str(one)], capture_output=True, check=False)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL)
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.path.insert(0, str(HERE))
        from gen_corpus import generate

        generate(args.corpus, 20000, 100)
    size = sum(p.stat().st_size for p in args.corpus.rglob("*.yaml")) / 1e6
    real_size = sum(p.stat().st_size for p in args.real.rglob("*.yaml")) / 1e6

    print(f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; median of {args.repeat} runs\n")
    print("| corpus | what | objects | seconds | objects/s | peak RSS |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for label, root, mb in (
        (f"generated ({size:.0f} MB)", args.corpus, size),
        (f"shared/corpus/real ({real_size:.0f} MB)", args.real, real_size),
    ):
        for mode, what in (
            ("pyyaml", "parse only: PyYAML CSafeLoader"),
            ("loader", "parse only: kubevet loader"),
            ("scan", "full `kubevet scan`, every default rule, positions, JSON report"),
        ):
            r = median_job(mode, root, args.repeat)
            rate = r["objects"] / r["seconds"]
            extra = f" ({r['findings']} findings)" if "findings" in r else ""
            print(
                f"| {label} | {what}{extra} | {r['objects']} | {r['seconds']:.2f} | {rate:,.0f} | {r['rss_mb']:.0f} MB |"
            )
    print(f"\nCold start, one-Deployment file: {cold_start(max(args.repeat, 5)) * 1000:.0f} ms (median)")


if __name__ == "__main__":
    main()
