"""Benchmark schema validation against parsing, on the real corpus and a generated one.

    python benchmarks/bench_schema.py [--repeat 3] [--real DIR] [--corpus DIR]

For each corpus, in a fresh interpreter per measurement (so that caches do not carry
over), the median of --repeat runs of:

- parse: the loader alone (YAML to objects), the floor of any scan;
- validate: SCH001's work on the parsed objects (kubevet.schema.Catalog), cold (first
  use: schema data loaded, validators compiled) and warm;
- scan: the engine with an object rule only (RES001), and with SCH001+SCH002 (cluster
  rules: the engine then keeps every object until the end of the scan).

The generated corpus (benchmarks/gen_corpus.py, 20,000 objects) is created on first use.
This is a benchmark, not a test: nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
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

_JOB = r"""
import gc, glob, json, os, resource, sys, time
mode, root = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(os.path.join(root, "**", "*.yaml"), recursive=True))
from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Source
out = {}
if mode in ("parse", "validate"):
    gc.disable()
    t0 = time.perf_counter()
    objs = [o for f in files for o in read_source(Source(f, f)) if o.__class__ is K8sObject]
    out["parse"] = time.perf_counter() - t0
    out["objects"] = len(objs)
    if mode == "validate":
        from kubevet.schema.catalog import Catalog
        from kubevet.schema.versions import newest
        for label in ("cold", "warm"):
            t0 = time.perf_counter()
            catalog = Catalog(newest(), [o for o in objs if o.kind == "CustomResourceDefinition"])
            n = sum(len(catalog.validate(o)) for o in objs)
            out[label] = time.perf_counter() - t0
        out["findings"] = n
else:
    from kubevet.config import Config
    from kubevet.engine import Engine
    from kubevet.loading.discover import discover
    sources, _ = discover([root])
    t0 = time.perf_counter()
    result = Engine(Config(select=mode.split(","))).scan(sources)
    out["scan"] = time.perf_counter() - t0
    out["objects"] = result.objects
out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def run(mode: str, root: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", _JOB, mode, str(root)], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout)


def median(mode: str, root: Path, key: str, repeat: int) -> tuple[float, dict]:
    runs = [run(mode, root) for _ in range(repeat)]
    return statistics.median(r[key] for r in runs), runs[-1]


def bench(name: str, root: Path, repeat: int) -> list[str]:
    parse, info = median("parse", root, "parse", repeat)
    n = info["objects"]
    cold, vinfo = median("validate", root, "cold", repeat)
    warm, _ = median("validate", root, "warm", repeat)
    plain, pinfo = median("RES001", root, "scan", repeat)
    schema, sinfo = median("SCH001,SCH002", root, "scan", repeat)
    rows = [
        f"### {name}: {n:,} objects",
        "",
        "| step | seconds | objects/s | vs parse | peak RSS |",
        "|---|---:|---:|---:|---:|",
        f"| parse (loader only) | {parse:.2f} | {n / parse:,.0f} | 1.00x | {info['rss_mb']:.0f} MB |",
        f"| validate, cold (load + compile + validate) | {cold:.3f} | {n / cold:,.0f} | {cold / parse:.2f}x | {vinfo['rss_mb']:.0f} MB |",
        f"| validate, warm | {warm:.3f} | {n / warm:,.0f} | {warm / parse:.2f}x | |",
        f"| scan with an object rule (RES001) | {plain:.2f} | {n / plain:,.0f} | {plain / parse:.2f}x | {pinfo['rss_mb']:.0f} MB |",
        f"| scan with SCH001+SCH002 | {schema:.2f} | {n / schema:,.0f} | {schema / parse:.2f}x | {sinfo['rss_mb']:.0f} MB |",
        "",
    ]
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), str(args.corpus)], check=True, capture_output=True)
    lines = ["## Schema validation cost (median of %d runs)" % args.repeat, ""]
    if real_corpus(args.real).is_dir():
        lines += bench(f"real corpus ({args.real})", args.real, args.repeat)
    lines += bench(f"generated corpus ({args.corpus})", args.corpus, args.repeat)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
