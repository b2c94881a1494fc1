"""What ``status`` reads from a member's ``/metrics``: latency p99s and counters.

The text is parsed by prometheus_client's own parser (the reference implementation of the
exposition format) rather than by hand. Quantiles are estimated from the cumulative
histogram buckets the way PromQL's ``histogram_quantile`` does: find the bucket holding
the rank and interpolate linearly inside it. The counts are cumulative since the member
started, so the p99 covers its whole life, not the last minutes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from prometheus_client.parser import text_string_to_metric_families

COMMIT = "etcd_disk_backend_commit_duration_seconds"
FSYNC = "etcd_disk_wal_fsync_duration_seconds"
COUNTERS = {
    "slow_applies": "etcd_server_slow_apply_total",
    "leader_changes": "etcd_server_leader_changes_seen_total",
    "quota_bytes": "etcd_server_quota_backend_bytes",
    "has_leader": "etcd_server_has_leader",
}


@dataclass
class Metrics:
    commit_p99: float | None = None  # seconds
    fsync_p99: float | None = None
    slow_applies: int | None = None
    leader_changes: int | None = None
    quota_bytes: int | None = None
    has_leader: bool | None = None

    def to_json(self) -> dict:
        return asdict(self)


class MetricsError(ValueError):
    """The text is not the Prometheus exposition format."""


def quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """``histogram_quantile(q)`` of cumulative (upper bound, count) buckets; None when empty."""
    buckets = sorted(buckets)
    if not buckets or buckets[-1][1] <= 0:
        return None
    total = buckets[-1][1]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if math.isinf(bound):
                return lower_bound  # in the +Inf bucket: the highest finite bound, as Prometheus does
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = bound, count
    return lower_bound


def parse(text: str) -> Metrics:
    histograms: dict[str, list[tuple[float, float]]] = {COMMIT: [], FSYNC: []}
    scalars: dict[str, float] = {}
    wanted = set(COUNTERS.values())
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name.endswith("_bucket") and sample.name[: -len("_bucket")] in histograms:
                    histograms[sample.name[: -len("_bucket")]].append((float(sample.labels["le"]), sample.value))
                elif sample.name in wanted or (sample.name + "_total") in wanted:
                    name = sample.name if sample.name in wanted else sample.name + "_total"
                    scalars[name] = scalars.get(name, 0.0) + sample.value
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise MetricsError(f"not Prometheus metrics: {exc}") from None
    m = Metrics(commit_p99=quantile(0.99, histograms[COMMIT]), fsync_p99=quantile(0.99, histograms[FSYNC]))
    for attr, name in COUNTERS.items():
        if name in scalars:
            value = scalars[name]
            setattr(m, attr, bool(value) if attr == "has_leader" else int(value))
    return m
