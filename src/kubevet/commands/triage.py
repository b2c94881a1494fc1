"""``kubevet triage``: from kubectl events, describe output and node logs to causes and fixes."""

from __future__ import annotations

ORDER = 60


def register(sub) -> None:
    p = sub.add_parser(
        "triage",
        help="diagnose an incident from kubectl get events / describe output and node logs",
        description="Read `kubectl get events` (any form), `kubectl describe`, `kubectl get pods|nodes -o json|yaml` "
                    "and kernel/kubelet logs; report diagnoses on one timeline with evidence lines, fixes and the "
                    "kubevet rules that prevent them. Exit 0: nothing abnormal; 1: diagnoses; 2: no input read.",
    )
    p.add_argument("paths", nargs="+", metavar="FILE", help="files of command output, or - for stdin")
    p.add_argument("-f", "--format", choices=["text", "json", "markdown"], default="text",
                   help="text (default), json (docs/triage.schema.json) or markdown (a postmortem draft)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--at", metavar="TIME",
                   help="when the outputs were taken, for ages like 5m (RFC 3339, e.g. 2026-12-03T04:10:00Z, or "
                        "'now'; default: each file's modification time, now for stdin)")
    p.add_argument("--manifests", nargs="+", metavar="PATH", default=[],
                   help="manifests, directories or charts (as kubevet scan takes them): link each diagnosis to the "
                        "object, line and finding its fix changes")
    p.add_argument("-n", "--namespace", metavar="NS",
                   help="the namespace of events listed without one (kubectl get events -n NS)")
    p.set_defaults(handler=run)


def run(args) -> int:
    import sys

    from kubevet.output.escape import printable_lines
    from kubevet.triage import report, times
    from kubevet.triage.run import triage

    try:
        at = times.parse_at(args.at) if args.at else None
    except ValueError as exc:
        print(f"kubevet: error: {exc}", file=sys.stderr)
        return 2
    result = triage(list(args.paths), at=at, manifests=args.manifests, namespace=args.namespace)
    for i in result.inputs:
        if i.error:
            print(printable_lines(f"kubevet: error: {i.name}: {i.error}"), file=sys.stderr)
    out = report.FORMATS[args.format](result)
    if args.output and args.output != "-":
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(out)
        except OSError as exc:
            print(f"kubevet: error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(out)
    if result.exit_code == 2:
        print("kubevet: error: no input could be read as kubectl, kubelet or kernel output", file=sys.stderr)
    return result.exit_code
