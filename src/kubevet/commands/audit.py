"""kubevet audit: judge what a live cluster holds, read through the kubeconfig (read only)."""

from __future__ import annotations

import argparse

ORDER = 30


class _FormatAction(argparse.Action):
    """--format starts a new (format, output) pair; --output sets the last pair's file (as scan)."""

    def __call__(self, parser, namespace, values, option_string=None):
        pairs = getattr(namespace, "outputs", None) or []
        if self.dest == "format":
            pairs.append([values, None])
        elif not pairs:
            pairs.append(["text", values])
        elif pairs[-1][1] is not None:
            raise argparse.ArgumentError(self, f"--format {pairs[-1][0]} already has an output file")
        else:
            pairs[-1][1] = values
        namespace.outputs = pairs


def register(sub) -> None:
    p = sub.add_parser(
        "audit",
        help="judge the objects of a live cluster (read only, through the kubeconfig)",
        description="Read every object of a cluster (or of --namespace) through the kubeconfig, "
        "with GET requests only and paginated lists, and judge them as one set, as `kubevet scan` "
        "judges manifests. Exit codes as for scan.",
    )
    p.add_argument("--kubeconfig", metavar="FILE", help="kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    p.add_argument("--context", metavar="NAME", help="kubeconfig context (default: the current one)")
    p.add_argument("-n", "--namespace", action="append", default=[], metavar="NS", help="audit only this namespace (repeatable; default: all namespaces)")
    p.add_argument("--include-system", action="store_true", help="also judge kube-system, kube-public and kube-node-lease")
    p.add_argument("--chunk-size", type=int, default=500, metavar="N", help="objects per list request (default: 500)")
    p.add_argument("-f", "--format", action=_FormatAction, dest="format", metavar="FORMAT", help="text (default), json, sarif, junit, github or gitlab; repeat for several reports")
    p.add_argument("-o", "--output", action=_FormatAction, dest="output", metavar="FILE", help="write the report of the preceding --format to FILE")
    p.add_argument("--fail-on", choices=["error", "warning", "info"], help="lowest severity that makes the exit code 1 (default: error)")
    p.add_argument("--config", metavar="FILE", help="configuration file (default: the nearest .kubevet.yaml)")
    p.add_argument("--no-config", action="store_true", help="ignore configuration files")
    p.add_argument("--select", action="append", default=[], metavar="RULES", help="run only these rules")
    p.add_argument("--ignore", action="append", default=[], metavar="RULES", help="do not run these rules")
    p.add_argument("--kube-version", metavar="VERSION", help="Kubernetes version to validate for (default: the server's)")
    p.add_argument("--no-inline-suppressions", action="store_true", help="ignore kubevet.io/ignore annotations")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings fail the build")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto", help="colour the text report")
    p.add_argument("-v", "--verbose", action="store_true", help="also list what was skipped")
    p.add_argument("--ungrouped", action="store_true", help="report every rule's finding on its own (docs/grouping.md)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from kubevet import api, output
    from kubevet.audit import Cluster, audit
    from kubevet.errors import UsageError
    from kubevet.findings import Severity

    if args.no_config and args.config:
        raise UsageError("--config and --no-config contradict each other")
    if args.chunk_size < 1:
        raise UsageError("--chunk-size must be at least 1")
    reports = output.plan(getattr(args, "outputs", None) or [])
    config = api.load_config(args.config, no_config=args.no_config)
    split = lambda values: [v.strip() for value in values for v in value.split(",") if v.strip()]  # noqa: E731
    if args.select:
        config.select, config.extend_select = split(args.select), []
    config.ignore = [*config.ignore, *split(args.ignore)]
    if args.fail_on:
        config.fail_on = Severity.parse(args.fail_on)
    if args.no_inline_suppressions:
        config.inline_suppressions = False
    if args.kube_version:
        config.kube_version = args.kube_version
    config.validate()
    with Cluster(args.kubeconfig, args.context) as cluster:
        namespaces = cluster.resource("v1", "Namespace")
        missing = [ns for ns in args.namespace if namespaces is not None and cluster.get(namespaces, ns) is None]
        if missing:
            raise UsageError(f"no such namespace in {cluster.server}: {', '.join(missing)}")
        with output.Writer(reports, color=args.color, verbose=args.verbose, group=not args.ungrouped) as writer:
            result = audit(cluster, config=config, namespaces=args.namespace or None,
                           include_system=args.include_system, chunk=args.chunk_size)
            writer.write(result, result.rules)
    sys.stdout.flush()
    for error in result.input_errors:
        print(f"kubevet: error: {error.message}", file=sys.stderr)
    from kubevet import ISSUES_URL

    for crash in result.crashes:
        print(f"kubevet: internal error (a bug in kubevet; please report it at {ISSUES_URL}): {crash}", file=sys.stderr)
    verdict = result.verdict(allow_no_objects=True, exit_zero=args.exit_zero)
    return verdict.exit_code
