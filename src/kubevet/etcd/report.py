"""Text and JSON renderings of ``status`` and ``defrag`` (JSON for automation, text for people)."""

from __future__ import annotations

import json

from kubevet.etcd.defrag import Report
from kubevet.etcd.status import ClusterStatus, hex_id, role
from kubevet.etcd.verdicts import Thresholds, Verdict
from kubevet.output.escape import printable, printable_lines


def size(n: int | None) -> str:
    if n is None:
        return "-"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(n)


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def status_text(cs: ClusterStatus, verdicts: list[Verdict]) -> str:
    head = ["ENDPOINT", "ID", "NAME", "VERSION", "ROLE", "TERM", "INDEX", "APPLIED", "LAG", "DB", "IN USE",
            "FREE", "FREE%", "QUOTA%", "ALARMS", "HEALTH", "COMMIT p99 ms", "FSYNC p99 ms", "SLOW APPLIES",
            "LEADER CHANGES"]
    rows = []
    for m in cs.members:
        if not m.reachable:
            rows.append([printable(m.endpoint), hex_id(m.id) if m.id else "-", printable(m.name or "-"), "-", "unreachable"]
                        + ["-"] * (len(head) - 5))
            continue
        q = m.quota_ratio
        rows.append([
            printable(m.endpoint), hex_id(m.id), printable(m.name or "-"), printable(m.version), role(m), str(m.raft_term), str(m.raft_index),
            str(m.applied_index), str(m.lag), size(m.db_size), size(m.db_in_use), size(m.free_bytes),
            f"{m.free_ratio:.0%}", "-" if q is None else f"{q:.1%}", ",".join(m.alarms) or "-",
            "healthy" if m.healthy else "UNHEALTHY", ms(m.metrics.commit_p99), ms(m.metrics.fsync_p99),
            "-" if m.metrics.slow_applies is None else str(m.metrics.slow_applies),
            "-" if m.metrics.leader_changes is None else str(m.metrics.leader_changes),
        ])
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [head, *rows]]
    if verdicts:
        lines.append("")
        for v in verdicts:
            lines.append(f"{v.severity:<7}  {v.name:<20}  {v.message}")
    else:
        lines.append("")
        lines.append("no findings: every member healthy")
    return printable_lines("\n".join(lines))  # names and messages come from the servers


def status_json(cs: ClusterStatus, verdicts: list[Verdict], th: Thresholds, exit_code: int) -> str:
    doc = {**cs.to_json(), "verdicts": [v.to_json() for v in verdicts], "thresholds": th.to_json(),
           "exitCode": exit_code}
    return json.dumps(doc, indent=2)


def defrag_text(report: Report) -> str:
    lines = [f"outcome: {report.outcome}" + (f": {report.error}" if report.error else "")]
    for s in report.steps:
        who = f"{s.member.name or hex_id(s.member.id)} ({s.member.endpoint}) [{s.member.role}]"
        if s.outcome == "done":
            lines.append(f"  done     {who}: {size(s.size_before)} -> {size(s.size_after)}, "
                         f"reclaimed {size(s.reclaimed)} in {s.seconds:.2f}s"
                         + (f", leadership moved to {s.leader_moved_to}" if s.leader_moved_to else ""))
        elif s.outcome == "failed":
            lines.append(f"  FAILED   {who}: {s.message}")
        else:
            lines.append(f"  {s.outcome:<8} {who}: untouched")
    if report.compacted_to is not None:
        lines.append(f"compacted to revision {report.compacted_to}")
    lines.append(f"lock: {report.lock}")
    for note in report.notes:
        lines.append(f"note: {note}")
    lines.append(f"reclaimed {size(report.reclaimed)} ({report.reclaimed} bytes) in {report.seconds:.1f}s")
    return printable_lines("\n".join(lines))  # names and messages come from the servers


def defrag_json(report: Report) -> str:
    return json.dumps({**report.to_json(), "exitCode": report.exit_code}, indent=2)
