"""Scan one YAML file of hundreds of MB and report time and peak memory.

    python benchmarks/bench_big_file.py [--mb 300]

The file repeats a ConfigMap with a large literal block (the kind of document that makes
manifests huge: dashboards, rule files, bundled certificates) and a Deployment every
hundred documents. kubevet reads such a file in chunks, one document at a time, so its
memory follows what the cross-object rules keep, not the file's size. A benchmark, not
a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: dashboards-{i}
  namespace: monitoring
data:
  dashboard.json: |
{body}
---
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: monitoring
spec:
  replicas: 2
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}}}
    spec:
      containers:
        - name: app
          image: example/app:1.{i}.0
---
"""


def write(path: str, megabytes: int) -> int:
    body = "\n".join(f'    {{"panel": {n}, "expr": "sum(rate(http_requests_total[5m])) by (code)"}}' for n in range(400))
    written = docs = 0
    with open(path, "w", encoding="utf-8") as fh:
        while written < megabytes * 1_000_000:
            text = DEPLOYMENT.format(i=docs) if docs % 100 == 0 else CONFIGMAP.format(i=docs, body=body)
            fh.write(text)
            written += len(text)
            docs += 1
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.yaml")
        docs = write(path, args.mb)
        report = os.path.join(tmp, "report.json")
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "kubevet", "scan", path, "--no-config", "-f", "json", "-o", report],
            check=False,
        )
        seconds = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with open(report) as fh:
            objects = json.load(fh)["summary"]["objects"]
        size = os.path.getsize(path) / 1e6
    print(f"{size:.0f} MB file, {docs} documents: {objects} objects in {seconds:.1f} s, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
