"""Benchmark kubevet: full scans, parse-only baselines, peak memory and cold start.

    python benchmarks/bench_scan.py [--repeat 3] [--corpus DIR] [--real DIR] [--scaling]

Prints Markdown tables (the README's figures come from them). Each figure is the median of
--repeat runs, each run in a fresh process so that caches and memory do not carry over,
and every row of a table is measured in the same run, so that the ratios between them hold
on a noisy machine. The baselines beside kubevet: PyYAML's C loader parsing the same files,
and orjson parsing the same content as JSON (the floor: the fastest way to turn this much
text into Python objects). The generated corpus (benchmarks/gen_corpus.py, 20,000 objects
in 100 files) and its one-file version are created on first use; --scaling adds 1k, 5k,
20k and 100k objects to see that the cost per object stays flat.
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
DEFAULT_REAL = HERE / "out" / "real"  # the 17 real files the repository carries (tests/data), unpacked


def real_corpus(target: Path) -> Path:
    """The carried real corpus (tests/data/corpus/real/*.xz) unpacked into ``target`` once."""
    if target == DEFAULT_REAL and not target.is_dir():
        import lzma

        target.mkdir(parents=True)
        for packed in sorted((ROOT / "tests" / "data" / "corpus" / "real").glob("*.yaml.xz")):
            (target / packed.name.removesuffix(".xz")).write_bytes(lzma.decompress(packed.read_bytes()))
    return target
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
elif mode == "orjson":
    # the same content as JSON (written once, outside the timing, by json_copy())
    import orjson
    n = 0
    for f in sorted(glob.glob(os.path.join(root + ".json", "*.json"))):
        with open(f, "rb") as fh:
            n += len(orjson.loads(fh.read()))
elif mode in ("loader", "loader-pure"):
    if mode == "loader-pure":
        os.environ["KUBEVET_PURE_PYTHON"] = "1"
    from kubevet.loading.reader import read_source
    from kubevet.model import K8sObject, Source
    gc.disable()
    n = sum(1 for f in files for item in read_source(Source(f, f)) if item.__class__ is K8sObject)
else:
    # the whole CLI as a user runs it (workers chosen automatically), JSON report to a file
    import subprocess, tempfile
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        jobs = ["-j", "1"] if mode == "scan-j1" else []
        subprocess.run(
            [sys.executable, "-m", "kubevet", "scan", root, "--no-config", "-f", "json", "-o", report.name, *jobs],
            check=False,
        )
        seconds = time.perf_counter() - t0  # the kubevet process only, not reading its report
        data = json.load(open(report.name))
    n = data["summary"]["objects"]
    findings = len(data["findings"])
if not mode.startswith("scan"):
    seconds = time.perf_counter() - t0
rss = max(
    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
) / 1024
out = {"objects": n, "seconds": seconds, "rss_mb": rss}
if mode.startswith("scan"):
    out["findings"] = findings
print(json.dumps(out))
"""


def json_copy(root: Path) -> None:
    """The corpus as JSON, one array of objects per file, beside it (ROOT.json/), for orjson.

    Written by a child process: loading the corpus here would raise this process's peak
    memory, which the jobs it starts would then report as theirs (Linux's ru_maxrss counts
    the pages a child had before exec)."""
    target = Path(str(root) + ".json")
    if not target.exists():
        subprocess.run([sys.executable, "-c", _JSON_COPY, str(root), str(target)], check=True)


_JSON_COPY = r"""
import sys
from pathlib import Path
import orjson
from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Source
root, target = Path(sys.argv[1]), Path(sys.argv[2])
target.mkdir()
for i, f in enumerate(sorted(root.rglob("*.yaml"))):
    objs = [item.data for item in read_source(Source(str(f), str(f))) if item.__class__ is K8sObject]
    (target / f"{i:05d}.json").write_bytes(orjson.dumps(objs))
"""


def one_file(corpus: Path) -> Path:
    """The generated corpus as one file of 20,000 documents."""
    target = corpus.with_name(corpus.name + "-onefile")
    if not target.exists():
        target.mkdir()
        parts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.yaml"))]
        (target / "all.yaml").write_text("\n---\n".join(parts), encoding="utf-8")
    return target


def run_job(mode: str, root: Path) -> dict:
    if mode == "orjson":
        json_copy(root)
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


MODES = (
    ("orjson", "parse only: orjson, the same content as JSON (the floor)"),
    ("pyyaml", "parse only: PyYAML CSafeLoader"),
    ("loader-pure", "parse only: kubevet loader, pure-Python path"),
    ("loader", "parse only: kubevet loader (C fast path)"),
    ("scan-j1", "full `kubevet scan -j 1`, every default rule, positions, JSON report"),
    ("scan", "full `kubevet scan` (processes chosen by input size), JSON report"),
)


def generated(corpus: Path, objects: int, files: int) -> Path:
    if not corpus.exists():
        sys.path.insert(0, str(HERE))
        from gen_corpus import generate

        generate(corpus, objects, files)
    return corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL)
    parser.add_argument("--scaling", action="store_true", help="also scan 1k, 5k, 20k and 100k generated objects")
    args = parser.parse_args()
    generated(args.corpus, 20000, 100)
    corpora = [
        (f"generated, 100 files ({_mb(args.corpus):.0f} MB)", args.corpus),
        (f"generated, one file ({_mb(one_file(args.corpus)):.0f} MB)", one_file(args.corpus)),
    ]
    if real_corpus(args.real).is_dir():
        corpora.append((f"real corpus, 17 files ({_mb(args.real):.0f} MB)", args.real))

    print(f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; median of {args.repeat} runs\n")
    print("| corpus | what | objects | seconds | objects/s | peak RSS |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for label, root in corpora:
        for mode, what in MODES:
            r = median_job(mode, root, args.repeat)
            rate = r["objects"] / r["seconds"]
            extra = f" ({r['findings']} findings)" if "findings" in r else ""
            print(
                f"| {label} | {what}{extra} | {r['objects']} | {r['seconds']:.2f} | {rate:,.0f} | {r['rss_mb']:.0f} MB |"
            )
    print(f"\nCold start, one-Deployment file: {cold_start(max(args.repeat, 5)) * 1000:.0f} ms (median)")
    if args.scaling:
        print("\n| generated objects | `kubevet scan` seconds | objects/s | ms of wall time per object | peak RSS |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        for n in (1000, 5000, 20000, 100000):
            root = generated(args.corpus.with_name(f"corpus{n // 1000}k"), n, 100)
            r = median_job("scan", root, args.repeat)
            print(
                f"| {n:,} | {r['seconds']:.2f} | {r['objects'] / r['seconds']:,.0f} | "
                f"{r['seconds'] * 1000 / r['objects']:.3f} | {r['rss_mb']:.0f} MB |"
            )


def _mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*.yaml")) / 1e6


if __name__ == "__main__":
    main()
