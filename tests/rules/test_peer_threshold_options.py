"""Options that mirror a peer's stricter threshold (used by the conformance mappings)."""

from __future__ import annotations

from conftest import lint

SINGLE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  selector:
    matchLabels: {app: worker}
  template:
    metadata:
      labels: {app: worker}
    spec:
      containers:
        - name: worker
          image: example/worker:2.0.1
"""


def test_pdb_missing_min_replicas():
    assert lint(SINGLE, "pdb-missing") == []
    (f,) = lint(SINGLE, "pdb-missing", options={"pdb-missing": {"min-replicas": 1}})
    assert f.message.startswith("it runs 1 replica,") and f.line == 4  # metadata.name: no replicas field


def test_readiness_probe_missing_serving_only():
    assert lint(SINGLE, "readiness-probe-missing") == []
    (f,) = lint(SINGLE, "readiness-probe-missing", options={"readiness-probe-missing": {"serving-only": False}})
    assert f.message == "container 'worker' has no readinessProbe" and f.line == 13
    job = SINGLE.replace("apps/v1", "batch/v1").replace("kind: Deployment", "kind: Job").replace(
        "    spec:\n      containers", "    spec:\n      restartPolicy: Never\n      containers"
    )
    # a Job's pod runs to completion: never a readiness probe, whatever the option
    assert lint(job, "readiness-probe-missing", options={"readiness-probe-missing": {"serving-only": False}}) == []

