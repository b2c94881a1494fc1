"""Benchmark `kubevet diff` against scanning both sides, measured in the same run.

    python benchmarks/bench_diff.py [--repeat 3] [--corpus generated|real|both]

OLD is a real corpus (tests/data/corpus/real, 17 real install manifests, decompressed once
into benchmarks/out/) or the generated one (benchmarks/gen_corpus.py, 20,000 objects); NEW
is a copy with a few hundred changes made in the text, the way a release changes
manifests: every 4th image tag bumped, every 3rd replicas count changed, every 10th memory
limit halved, every 25th document dropped, a few objects added. Rows, each the median of
--repeat runs in a fresh process (peak RSS the largest):

- `kubevet diff OLD NEW --no-findings`: matching, field diff, risk checks, JSON report;
- `kubevet diff OLD NEW`: the same plus the rules on both sides, findings marked new;
- `kubevet scan OLD` + `kubevet scan NEW`: the baseline, two processes one after the other.

Prints a Markdown table (docs/diff-gate.md has the figures). A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REAL_XZ = ROOT / "tests" / "data" / "corpus" / "real"
OUT = HERE / "out"

ADDED = """\
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: bench-added-{i}
  namespace: bench
data:
  key: value-{i}
"""


def real_corpus() -> Path:
    """The real corpus, decompressed, without the documents that repeat an object another
    one already defines (the samples collections hold the same Deployment many times; a
    diff refuses such a side, as it cannot know which one to compare)."""
    import yaml

    target = OUT / "real"
    if not target.exists():
        target.mkdir(parents=True)
        seen = set()
        for xz in sorted(REAL_XZ.glob("*.yaml.xz")):
            text = lzma.decompress(xz.read_bytes()).decode("utf-8")
            kept = []
            for doc in re.split(r"(?m)^---[ \t]*$", text):
                try:
                    value = yaml.load(doc, Loader=_Loader)
                except yaml.YAMLError:
                    continue
                if not isinstance(value, dict):
                    continue
                items = value.get("items") if str(value.get("kind", "")).endswith("List") else [value]
                keys = [_key(v) for v in items or [] if isinstance(v, dict)]
                if any(k in seen for k in keys):
                    continue
                seen.update(keys)
                kept.append(doc)
            (target / xz.name[:-3]).write_text("---".join(kept), encoding="utf-8")
    return target


def _key(obj: dict) -> tuple:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return (str(obj.get("apiVersion", "")).rpartition("/")[0], obj.get("kind"), meta.get("namespace") or "default", meta.get("name"))


class _Loader(__import__("yaml").CSafeLoader):  # the corpus has plain "=" scalars
    pass


_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: node.value)


def generated_corpus() -> Path:
    target = OUT / "corpus20k"
    if not target.exists():
        sys.path.insert(0, str(HERE))
        from gen_corpus import generate

        generate(target, 20000, 100)
    return target


def changed_copy(old: Path) -> tuple[Path, int]:
    """NEW: OLD with release-like edits; returns the directory and the number of edits."""
    target = old.with_name(old.name + "-new")
    edits = 0
    counters = {"image": 0, "replicas": 0, "memory": 0, "doc": 0}

    def image(m):
        nonlocal edits
        counters["image"] += 1
        if counters["image"] % 4:
            return m.group(0)
        edits += 1
        return f"{m.group(1)}:{m.group(2)}-next"

    def replicas(m):
        nonlocal edits
        counters["replicas"] += 1
        if counters["replicas"] % 3:
            return m.group(0)
        edits += 1
        return f"{m.group(1)}{int(m.group(2)) + 1}"

    def memory(m):
        nonlocal edits
        counters["memory"] += 1
        if counters["memory"] % 10:
            return m.group(0)
        edits += 1
        return f"{m.group(1)}{max(1, int(m.group(2)) // 2)}{m.group(3)}"

    target.mkdir(exist_ok=True)
    for f in sorted(old.glob("*.yaml")):
        text = f.read_text(encoding="utf-8")
        text = re.sub(r"(image: [\w./-]+):([\w.-]+)$", image, text, flags=re.M)
        text = re.sub(r"^(\s+replicas: )(\d+)$", replicas, text, flags=re.M)
        text = re.sub(r"^(\s+memory: )(\d+)(Mi|Gi)$", memory, text, flags=re.M)
        docs = re.split(r"(?m)^---\s*$", text)
        kept = []
        for d in docs:
            counters["doc"] += 1
            if counters["doc"] % 25 == 0 and "kind:" in d:
                edits += 1
                continue
            kept.append(d)
        text = "---".join(kept)
        (target / f.name).write_text(text, encoding="utf-8")
    (target / "zz-added.yaml").write_text("".join(ADDED.format(i=i) for i in range(20)), encoding="utf-8")
    return target, edits + 20


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {code}")
    return seconds, usage.ru_maxrss / 1024


def median(cmds: list[list[str]], repeat: int) -> tuple[float, float]:
    times, peak = [], 0.0
    for _ in range(repeat):
        total = 0.0
        for cmd in cmds:
            s, rss = timed(cmd)
            total += s
            peak = max(peak, rss)
        times.append(total)
    return statistics.median(times), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", choices=["generated", "real", "both"], default="both")
    args = parser.parse_args()
    kv = [sys.executable, "-m", "kubevet"]
    corpora = []
    if args.corpus in ("real", "both"):
        corpora.append(("tests/data/corpus/real", real_corpus()))
    if args.corpus in ("generated", "both"):
        corpora.append(("generated (gen_corpus.py)", generated_corpus()))
    print(f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; median of {args.repeat} runs\n")
    print("| corpus | objects OLD / NEW | changes | what | seconds | vs. scanning both | peak RSS |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "r.json")
        for label, old in corpora:
            new, edits = changed_copy(old)
            subprocess.run([*kv, "diff", str(old), str(new), "--no-config", "--no-findings", "-f", "json", "-o", report],
                           stdout=subprocess.DEVNULL, check=False)
            data = json.load(open(report))
            s = data["summary"]
            n_old = s["unchanged"] + s["changed"] + s["removed"]
            n_new = s["unchanged"] + s["changed"] + s["added"]
            changed = s["changed"] + s["added"] + s["removed"]
            both, both_rss = median([[*kv, "scan", str(old), "--no-config", "-f", "json", "-o", report],
                                     [*kv, "scan", str(new), "--no-config", "-f", "json", "-o", report]], args.repeat)
            rows = [
                ("`kubevet diff --no-findings` (match, diff, risks)", [[*kv, "diff", str(old), str(new), "--no-config", "--no-findings", "-f", "json", "-o", report]]),
                ("`kubevet diff` (and the rules on both sides, findings marked new)", [[*kv, "diff", str(old), str(new), "--no-config", "-f", "json", "-o", report]]),
            ]
            for what, cmds in rows:
                sec, rss = median(cmds, args.repeat)
                print(f"| {label} | {n_old:,} / {n_new:,} | {changed} objects ({edits} edits) | {what} | {sec:.2f} | {sec / both:.2f}x | {rss:.0f} MB |")
            print(f"| {label} | {n_old:,} / {n_new:,} | | `kubevet scan OLD` + `kubevet scan NEW` (baseline) | {both:.2f} | 1.00x | {both_rss:.0f} MB |")
    _ = resource  # peak RSS comes from wait4's rusage


if __name__ == "__main__":
    main()
