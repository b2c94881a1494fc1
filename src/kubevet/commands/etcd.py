"""``kubevet etcd status|defrag``: etcd health, and safe rolling defragmentation.

The connection flags are etcdctl's (``--endpoints``, ``--cacert``, ``--cert``, ``--key``,
``--insecure-skip-tls-verify``, ``--cluster``, ``--dial-timeout``, ``--command-timeout``)
and the ``ETCDCTL_*`` variables fill in what is not given. The work is in kubevet.etcd.
"""

from __future__ import annotations

import argparse
import sys

ORDER = 70


def _connection_flags() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("connection (as etcdctl; ETCDCTL_* variables fill in what is not given)")
    g.add_argument("--endpoints", help="comma-separated client URLs (default http://127.0.0.1:2379)")
    g.add_argument("--cacert", help="CA bundle that signed the members' server certificates")
    g.add_argument("--cert", help="client certificate (mutual TLS)")
    g.add_argument("--key", help="client certificate's private key")
    g.add_argument("--insecure-skip-tls-verify", action="store_true", default=None,
                   help="do not verify the servers' certificates (only when asked)")
    g.add_argument("--cluster", action="store_true", help="every member from the member list, not only --endpoints")
    g.add_argument("--dial-timeout", help="connect timeout (default 2s)")
    g.add_argument("--command-timeout", help="timeout of each request (default 5s)")
    t = p.add_argument_group("thresholds (see docs/etcd.md)")
    t.add_argument("--defrag-min-free", default="100Mi", help="free bytes that make defragmentation worth it (100Mi)")
    t.add_argument("--defrag-min-free-percent", type=float, default=50.0,
                   help="and the free share of the file, in percent (50)")
    t.add_argument("--quota-warn-percent", type=float, default=80.0, help="warn when the DB reaches this share of the quota (80)")
    t.add_argument("--max-commit-p99", default="25ms", help="backend commit p99 above which to warn (25ms)")
    t.add_argument("--max-fsync-p99", default="10ms", help="WAL fsync p99 above which to warn (10ms)")
    t.add_argument("--max-lag", type=int, default=1000, help="raft entries a member may trail the leader by (1000)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="report format (default text)")
    return p


def register(sub) -> None:
    etcd = sub.add_parser("etcd", help="etcd health, and safe rolling defragmentation (followers first, leader last)",
                          description=__doc__)
    inner = etcd.add_subparsers(dest="etcd_command", metavar="{status,defrag}")
    inner.required = True
    common = _connection_flags()
    status = inner.add_parser("status", parents=[common], help="one row per member, and verdicts; exit 1 when unhealthy")
    status.add_argument("--fail-on", choices=("error", "warning", "info"), default="error",
                        help="lowest verdict severity that makes the exit code 1 (default error)")
    status.set_defaults(handler=run)
    d = inner.add_parser("defrag", parents=[common], help="defragment members one at a time, the leader last")
    d.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation (needed when not on a terminal)")
    d.add_argument("--dry-run", action="store_true", help="print the plan and stop")
    d.add_argument("--all", action="store_true", help="every member, not only those whose free space is worth it")
    d.add_argument("--move-leader", action="store_true",
                   help="hand leadership to the healthiest caught-up follower before defragmenting the leader")
    d.add_argument("--compact", action="store_true", help="compact to the current revision first (minus --keep-revisions)")
    d.add_argument("--keep-revisions", type=int, default=0, help="revisions of history --compact keeps (default 0)")
    d.add_argument("--disarm-nospace", action="store_true",
                   help="clear a NOSPACE alarm once every member is defragmented and below the quota")
    d.add_argument("--pause", default="60s", help="pause between members (default 60s)")
    d.add_argument("--catchup-timeout", default="60s",
                   help="how long a member may take to be healthy and caught up again (default 60s)")
    d.add_argument("--defrag-timeout", default="5m", help="timeout of one member's defragmentation (default 5m)")
    d.add_argument("--lock-ttl", type=int, default=60, help="TTL in seconds of the lock's lease (default 60)")
    d.add_argument("--allow-quorum-loss", action="store_true",
                   help="defragment even when the blocked member takes quorum with it (a 1-member cluster)")
    d.set_defaults(handler=run)


def _thresholds(args):
    from kubevet.errors import UsageError
    from kubevet.etcd.connection import parse_duration
    from kubevet.etcd.verdicts import Thresholds
    from kubevet.k8s.quantity import parse_quantity

    free = parse_quantity(args.defrag_min_free)
    if free is None or free < 0:
        raise UsageError(f"--defrag-min-free: {args.defrag_min_free!r} is not a size (e.g. 100Mi, 1Gi, 500000)")
    for flag, value in (("--defrag-min-free-percent", args.defrag_min_free_percent),
                        ("--quota-warn-percent", args.quota_warn_percent)):
        if not 0 <= value <= 100:
            raise UsageError(f"{flag}: {value:g} is not a percentage between 0 and 100")
    if args.max_lag < 0:
        raise UsageError("--max-lag: must not be negative")
    return Thresholds(
        defrag_min_free_bytes=int(free),
        defrag_min_free_ratio=args.defrag_min_free_percent / 100,
        quota_warn_ratio=args.quota_warn_percent / 100,
        max_commit_p99=parse_duration(args.max_commit_p99, "--max-commit-p99"),
        max_fsync_p99=parse_duration(args.max_fsync_p99, "--max-fsync-p99"),
        max_lag=args.max_lag,
    )


def run(args) -> int:
    from kubevet.errors import KubevetError

    try:
        import httpx  # noqa: F401
        import prometheus_client  # noqa: F401
    except ImportError:
        raise KubevetError("kubevet etcd needs the etcd extra: pip install 'kubevet[etcd]'") from None
    # anything unexpected is reported by kubevet.cli.main as an internal error (exit 2)
    return _status(args) if args.etcd_command == "status" else _defrag(args)


def _status(args) -> int:
    from kubevet.etcd import report
    from kubevet.etcd.connection import settings_from_args
    from kubevet.etcd.status import gather
    from kubevet.etcd.verdicts import SEVERITIES, judge

    settings = settings_from_args(args)
    th = _thresholds(args)
    cs = gather(settings)
    verdicts = judge(cs, th)
    floor = SEVERITIES.index(args.fail_on)
    code = 1 if any(SEVERITIES.index(v.severity) >= floor for v in verdicts) else 0
    print(report.status_json(cs, verdicts, th, code) if args.format == "json" else report.status_text(cs, verdicts))
    return code


def _defrag(args) -> int:
    from kubevet.errors import UsageError
    from kubevet.etcd import report
    from kubevet.etcd.connection import parse_duration, settings_from_args
    from kubevet.etcd.defrag import Options, Run

    settings = settings_from_args(args)
    th = _thresholds(args)
    if args.keep_revisions < 0:
        raise UsageError("--keep-revisions: must not be negative")
    opts = Options(
        all=args.all, move_leader=args.move_leader, compact=args.compact, keep_revisions=args.keep_revisions,
        disarm_nospace=args.disarm_nospace, pause=0.0 if args.pause in ("0", "0s") else parse_duration(args.pause, "--pause"),
        catchup_timeout=parse_duration(args.catchup_timeout, "--catchup-timeout"), lock_ttl=args.lock_ttl,
        allow_quorum_loss=args.allow_quorum_loss, dry_run=args.dry_run,
    )

    def progress(line: str) -> None:
        from kubevet.output.escape import printable

        print(printable(line), file=sys.stderr, flush=True)  # member names come from the servers

    def confirm(plan) -> bool:
        if args.yes:
            return True
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise UsageError("not on a terminal: pass --yes to defragment without confirmation (or --dry-run)")
        # asked on stderr, the terminal (input() would write it to stdout, into a redirected report)
        sys.stderr.write(f"defragment {len(plan)} member{'s' if len(plan) != 1 else ''} in this order? [y/N] ")
        sys.stderr.flush()
        answer = sys.stdin.readline()  # "" at end of input: no
        return answer.strip().lower() in ("y", "yes")

    result = Run(settings, th, opts, progress, confirm).execute()
    print(report.defrag_json(result) if args.format == "json" else report.defrag_text(result))
    return result.exit_code
