"""Use kubevet as a library: judge objects in memory against a prepared cluster state.

Run it from the repository root: ``python examples/api_example.py``. It prints each
finding and the verdict, and exits with the verdict's code, as ``kubevet scan`` would.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kubevet import api

HERE = Path(__file__).resolve().parent


def main() -> int:
    config = api.load_config(no_config=True, overrides={"fail-on": "warning"})

    # the surroundings, read once: the fixed namespace's quota, limits, policies, accounts
    state = api.ClusterState.from_paths([str(HERE / "fixed")], config=config)
    for obj in list(state.objects()):
        if obj.kind in ("Deployment", "StatefulSet", "CronJob", "Job"):
            state.remove(obj)  # keep the platform objects only: the workload is judged below

    # one object, as an admission request would bring it
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "checkout", "namespace": "shop"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "checkout"}},
            "template": {
                "metadata": {"labels": {"app": "checkout"}},
                "spec": {"containers": [{"name": "checkout", "image": "shop/checkout:latest"}]},
            },
        },
    }
    result = api.scan_objects([api.Placed(deployment, "request/checkout.yaml", 1)], state=state)
    for f in result.findings:
        print(f"{f.file}:{f.line} {f.severity} {f.code} {f.rule}: {f.message}")
    verdict = result.verdict()
    print(f"verdict: exit {verdict.exit_code}: {verdict.reason}")
    return verdict.exit_code


if __name__ == "__main__":
    sys.exit(main())
