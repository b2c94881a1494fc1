"""Prometheus metrics of the webhook, with prometheus_client (the Prometheus project's own
Python client): counters and a latency histogram, exposed in the text format on /metrics.

With several worker processes, each writes its samples to files in a directory shared by
the workers (prometheus_client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR set by
``kubevet serve`` before the workers start), and /metrics, answered by any worker, adds
them up.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client import multiprocess as _multiprocess

disable_created_metrics()  # the *_created series say nothing useful here and double the output

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUESTS = Counter(
    "kubevet_admission_requests", "AdmissionReviews answered, by operation, kind, verdict, mode and dry run",
    ["operation", "kind", "verdict", "mode", "dry_run"],
)
DENIALS = Counter(
    "kubevet_admission_denials", "Requests refused (dry runs not counted: they enforce nothing)", ["kind", "reason"],
)
RULE_HITS = Counter("kubevet_rule_hits", "Findings reported on admitted objects, by rule and severity", ["rule", "severity"])
RULE_ERRORS = Counter("kubevet_rule_errors", "Rules that raised an exception while judging an object")
DELETES = Counter("kubevet_deletion_guard", "DELETE requests of guarded kinds, by kind and decision", ["kind", "decision"])
BAD_REQUESTS = Counter("kubevet_bad_requests", "Requests answered with an HTTP error, by status", ["status"])
RELOADS = Counter("kubevet_reloads", "Reloads of TLS certificates and context manifests, by what and outcome", ["what", "outcome"])
LATENCY = Histogram(
    "kubevet_admission_duration_seconds", "Time to answer an AdmissionReview, by operation",
    ["operation"], buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0),
)


def record(v, seconds: float) -> None:
    """Count one answered AdmissionReview (a Verdict)."""
    REQUESTS.labels(v.operation or "-", v.kind or "-", v.verdict, v.mode or "-", str(v.dry_run).lower()).inc()
    LATENCY.labels(v.operation or "-").observe(seconds)
    if v.dry_run:
        return
    if v.verdict == "denied":
        DENIALS.labels(v.kind or "-", v.reason).inc()
    for f in v.findings:
        RULE_HITS.labels(f["rule"], f["severity"]).inc()
    if v.crashes:
        RULE_ERRORS.inc(len(v.crashes))
    if v.audit is not None and v.audit.get("guarded"):
        DELETES.labels(v.kind, "refused" if v.audit.get("refused") else "allowed").inc()


def exposition() -> bytes:
    """Every metric in the Prometheus text format, summed over the workers in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()


def worker_exit(pid: int) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _multiprocess.mark_process_dead(pid)
