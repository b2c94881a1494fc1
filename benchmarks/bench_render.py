"""Render + scan time per chart (and per kustomization), the way `kubevet scan CHART` runs.

    python benchmarks/bench_render.py                       # the shared corpus of charts
    python benchmarks/bench_render.py path/to/chart ... [--helm-binary PATH] [--repeat N]

For each chart: the time to render it (Helm's library in-process, or --helm-binary), the
time to judge the rendered objects and map findings back to the templates, the number of
renders (default values, plus every ci/*.yaml file as a --values-matrix when the chart has
ci/), objects, findings and how their template lines were found. Times are medians of
--repeat runs; the first import of Helm's library is reported on its own.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kubevet import api  # noqa: E402
from kubevet.loading.helm import HelmOptions  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "charts"


def bench(path: str, options: HelmOptions, repeat: int) -> dict:
    renders, scans = [], []
    result = sources = None
    config = api.Config()
    for _ in range(repeat):
        t0 = time.perf_counter()
        inputs = api.discover([path], helm=options)
        sources = inputs.sources
        t1 = time.perf_counter()
        result = api.scan_inputs(inputs, config)
        t2 = time.perf_counter()
        renders.append(t1 - t0)
        scans.append(t2 - t1)
    assert result is not None and sources is not None
    matches = Counter(_match(f) for f in result.findings)
    return {
        "render": statistics.median(renders),
        "scan": statistics.median(scans),
        "renders": len(sources),
        "objects": result.objects,
        "findings": len(result.findings),
        "errors": len(result.input_errors),
        "matches": matches,
    }


def _match(f) -> str:
    """How the finding's line was found: template match (Helm) or base-file match (kustomize)."""
    rendered = (f.extra or {}).get("rendered") or {}
    return rendered.get("match") or (rendered.get("base") or {}).get("match") or "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("charts", nargs="*", help="charts or kustomizations (default: the shared corpus)")
    parser.add_argument("--helm-binary")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    charts = args.charts or sorted(str(p) for p in CORPUS.iterdir() if (p / "Chart.yaml").is_file())
    if not args.helm_binary:
        t0 = time.perf_counter()
        import helm_python  # noqa: F401

        print(f"import helm_python: {1000 * (time.perf_counter() - t0):.0f} ms (once per process)")
    print(f"{'chart':<42} {'renders':>7} {'render ms':>9} {'scan ms':>8} {'objects':>7} {'findings':>8}  template lines")
    for chart in charts:
        matrix = ["ci"] if (Path(chart) / "ci").is_dir() else []
        options = HelmOptions(helm_binary=args.helm_binary, values_matrix=matrix)
        r = bench(chart, options, args.repeat)
        found = ", ".join(f"{k} {v}" for k, v in sorted(r["matches"].items()))
        errors = f"  ({r['errors']} render errors)" if r["errors"] else ""
        print(
            f"{Path(chart).name + (' [ci]' if matrix else ''):<42} {r['renders']:>7} {1000 * r['render']:>9.1f} "
            f"{1000 * r['scan']:>8.1f} {r['objects']:>7} {r['findings']:>8}  {found}{errors}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
