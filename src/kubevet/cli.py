"""The command line: argument parsing only; the work is done by the engine.

Exit codes: 0 nothing at or above --fail-on; 1 something is; 2 usage error, unreadable or
unparsable input, no Kubernetes object found, or an internal error.

An internal error (an exception kubevet did not expect: a bug) is one line on stderr that
says so and where to report it, and exits 2 like every other error, never 1 (which CI reads
as "findings"); ``--debug``, anywhere before a ``--``, adds the traceback.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from kubevet import ISSUES_URL, __version__
from kubevet.errors import KubevetError, UsageError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, top: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._top = top

    def error(self, message: str):  # argparse exits with 2 too; keep one message style
        self.print_usage(sys.stderr)
        raise UsageError(message)

    def parse_known_args(self, args=None, namespace=None):
        # a command's unknown argument is the command's error, with its usage (argparse
        # would hand it up to the top-level parser, which prints kubevet's usage instead)
        namespace, extra = super().parse_known_args(args, namespace)
        if extra and not self._top:
            self.error(f"unrecognized arguments: {' '.join(extra)}")
        return namespace, extra


class _FormatAction(argparse.Action):
    """--format starts a new (format, output) pair; --output sets the last pair's file."""

    def __call__(self, parser, namespace, values, option_string=None):
        pairs = getattr(namespace, "outputs", None) or []
        if self.dest == "format":
            pairs.append([values, None])
        elif not pairs:
            pairs.append(["text", values])  # --output before any --format: the text report
        elif pairs[-1][1] is not None:
            raise argparse.ArgumentError(self, f"--format {pairs[-1][0]} already has an output file")
        else:
            pairs[-1][1] = values
        namespace.outputs = pairs


def build_parser(prog: str = "kubevet") -> argparse.ArgumentParser:
    parser = _Parser(
        top=True,
        prog=prog,
        description="Lint Kubernetes manifests before they reach a cluster.",
    )
    parser.add_argument("--version", action="version", version=f"kubevet {__version__}")
    # taken out of the arguments before parsing (main), so it works with every command
    parser.add_argument("--debug", action="store_true", help="on an internal error, print the traceback too (any command)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    scan = sub.add_parser("scan", help="lint manifests, directories or stdin (-)")
    scan.add_argument("paths", nargs="+", metavar="PATH", help="file, directory, or - for stdin")
    scan.add_argument(
        "-f",
        "--format",
        action=_FormatAction,
        dest="format",
        metavar="FORMAT",
        help="text (default), json, sarif, junit, github or gitlab; repeat for several reports",
    )
    scan.add_argument(
        "-o",
        "--output",
        action=_FormatAction,
        dest="output",
        metavar="FILE",
        help="write the report of the preceding --format to FILE instead of stdout (- for stdout)",
    )
    scan.add_argument(
        "--fail-on",
        default=None,
        choices=["error", "warning", "info"],
        help="lowest severity that makes the exit code 1 (default: error, or the configuration's fail-on)",
    )
    scan.add_argument("--config", metavar="FILE", help="configuration file (default: the nearest .kubevet.yaml or pyproject.toml [tool.kubevet], walking up)")
    scan.add_argument("--no-config", action="store_true", help="ignore configuration files: kubevet's defaults and the command line only")
    scan.add_argument("--no-inline-suppressions", action="store_true", help="ignore kubevet.io/ignore annotations (for audits)")
    scan.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings fail the build")
    scan.add_argument("--allow-no-objects", action="store_true", help="exit 0 rather than 2 when the input holds no Kubernetes object (for hooks given every changed YAML file)")
    scan.add_argument("--select", action="append", default=[], metavar="RULES", help="run only these rules (names, codes, code prefixes or categories; comma-separated, repeatable)")
    scan.add_argument("--ignore", action="append", default=[], metavar="RULES", help="do not run these rules")
    scan.add_argument("--severity", action="append", default=[], metavar="RULE=LEVEL", help="change a rule's severity")
    scan.add_argument("--option", action="append", default=[], metavar="RULE.KEY=VALUE", help="set a rule option, e.g. cpu-limit-missing.required=false")
    scan.add_argument("--workload-kind", action="append", default=[], metavar="GROUP/KIND=PATH", help="treat a custom resource as a workload, e.g. argoproj.io/Rollout=spec.template")
    scan.add_argument("--kube-version", metavar="VERSION", help="Kubernetes version to validate for, e.g. 1.30 (default: the newest kubevet has schemas for)")
    scan.add_argument("--crd", action="append", default=[], metavar="PATH", help="CustomResourceDefinition file or directory that validates custom resources (repeatable)")
    scan.add_argument("--color", choices=["auto", "always", "never"], default="auto", help="colour the text report (default: on a terminal)")
    scan.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="PATH",
        help="manifests of the surroundings (quotas, policies, roles): used to resolve references and namespace guardrails, never reported on",
    )
    scan.add_argument(
        "--namespace-guardrails",
        nargs="+",
        default=[],
        metavar="NS",
        help="also judge the guardrails (quota, limits, default-deny) of these namespaces, or of every namespace with 'all'",
    )
    scan.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="worker processes for large scans (default: one per core for more than 8 MB of input; 1: no workers)",
    )
    scan.add_argument(
        "--suggest-fixes",
        metavar="DIR",
        help="write into DIR a ready-to-apply manifest for each namespace guardrail finding: quota, limit range, default-deny policy, disruption budget",
    )
    scan.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="leave out files, charts and kustomizations matching GLOB (repeatable; adds to the configuration's exclude)")
    scan.add_argument("-v", "--verbose", action="store_true", help="also list the documents skipped as not Kubernetes objects, and each rule's finding inside a joined one")
    scan.add_argument("--ungrouped", action="store_true",
                      help="report every rule's finding on its own instead of joining those of one cause (docs/grouping.md)")
    _render_arguments(scan)
    _baseline_arguments(sub, scan)

    rules = sub.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=["table", "json", "markdown"], default="table")

    rbac = sub.add_parser("rbac", help="print what each ServiceAccount may do, and the bindings that allow it")
    rbac.add_argument("paths", nargs="+", metavar="PATH", help="file, directory, or - for stdin")
    rbac.add_argument("--context", action="append", default=[], metavar="PATH", help="manifests of the surroundings (roles, bindings, ServiceAccounts) that count, but list no account of their own")
    rbac.add_argument("--format", choices=["text", "json"], default="text")

    explain = sub.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("rule", metavar="RULE", help="rule name or code")

    init = sub.add_parser("init", help="write a starter .kubevet.yaml that explains each setting")
    init.add_argument("path", nargs="?", default=".kubevet.yaml", metavar="FILE")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    completion = sub.add_parser("completion", help="print a shell completion script")
    completion.add_argument("shell", choices=["bash", "zsh", "fish"])

    from kubevet.commands import register_all

    register_all(sub)  # the front ends (serve, diff, triage, ...): see kubevet/commands
    return parser


def _baseline_arguments(sub, scan: argparse.ArgumentParser) -> None:
    """`kubevet baseline` takes scan's options (copied from its parser, so the two never
    drift apart) and writes a baseline instead of reports; `scan --baseline` reads one."""
    import copy

    baseline = sub.add_parser(
        "baseline",
        help="record the current findings, so that `scan --baseline FILE` fails only on new ones",
        description="Scan as `kubevet scan` does (same options) and record the findings in a baseline file.",
        # a copy: the parent's actions are shared, and replacing -o/-f below changes them
        parents=[copy.deepcopy(scan)],
        add_help=False,
        conflict_handler="resolve",
    )
    baseline.add_argument("-o", "--output", dest="baseline_output", default=".kubevet-baseline.json", metavar="FILE", help="the baseline file to write (default: .kubevet-baseline.json)")
    baseline.add_argument("-f", "--format", dest="baseline_format", help=argparse.SUPPRESS)
    scan.add_argument("--baseline", metavar="FILE", help="report and fail only on findings that are not in FILE (written by `kubevet baseline`); the others are shown as suppressed")


def _render_arguments(scan: argparse.ArgumentParser) -> None:
    """Flags for Helm charts and kustomizations, as `helm template` names them."""
    group = scan.add_argument_group(
        "Helm charts and kustomizations",
        "charts (a directory with Chart.yaml, or a .tgz) are rendered as `helm template` would; "
        "kustomizations are built with kustomize (see docs/helm-kustomize.md)",
    )
    group.add_argument("--values", action="append", default=[], metavar="FILE", help="Helm values file, merged in order (repeatable; -f is --format in kubevet)")
    group.add_argument("--set", action="append", default=[], metavar="KEY=VAL", help="set Helm values (repeatable)")
    group.add_argument("--set-string", action="append", default=[], metavar="KEY=VAL", help="set Helm values as strings (repeatable)")
    group.add_argument("--set-file", action="append", default=[], metavar="KEY=PATH", help="set Helm values from files (repeatable)")
    group.add_argument("--values-matrix", action="append", default=[], metavar="DIR|GLOB", help="render each chart once per values file of DIR (its *.yaml) or GLOB; a relative one is looked up in each chart first (e.g. ci)")
    group.add_argument("--release-name", default="release-name", metavar="NAME", help="Helm release name (default: release-name)")
    group.add_argument("--namespace", default="default", metavar="NS", help="Helm release namespace (default: default)")
    group.add_argument("--api-versions", action="append", default=[], metavar="VERSION", help="Kubernetes API versions for .Capabilities.APIVersions (repeatable); --kube-version sets .Capabilities.KubeVersion")
    group.add_argument("--include-crds", action="store_true", help="also scan the charts' crds/ directories")
    group.add_argument("--include-tests", action="store_true", help="also scan Helm test hooks (helm.sh/hook: test), skipped by default")
    group.add_argument("--helm-binary", metavar="PATH", help="render charts with this helm executable instead of Helm's library")


def _helm_options(args: argparse.Namespace, config):
    from kubevet.loading.rendered import HelmOptions

    return HelmOptions(
        values=list(args.values),
        set=list(args.set),
        set_string=list(args.set_string),
        set_file=list(args.set_file),
        release_name=args.release_name,
        namespace=args.namespace,
        kube_version=getattr(config, "kube_version", None) or None,
        api_versions=_split(args.api_versions),
        include_crds=args.include_crds,
        include_tests=args.include_tests,
        helm_binary=args.helm_binary,
        values_matrix=list(args.values_matrix),
    )


def main(argv: Sequence[str] | None = None, prog: str = "kubevet") -> int:
    argv, debug = _debug_flag(sys.argv[1:] if argv is None else list(argv))
    try:
        return _main(argv, prog)
    except Exception as exc:  # a bug: say so in one line, exit 2 (never 1: CI reads it as findings)
        return internal_error(exc, debug)


def _debug_flag(argv: list[str]) -> tuple[list[str], bool]:
    """The arguments without --debug (before a ``--``), and whether it was given."""
    end = argv.index("--") if "--" in argv else len(argv)
    kept = [a for a in argv[:end] if a != "--debug"]
    return kept + argv[end:], len(kept) < end


def internal_error(exc: BaseException, debug: bool = False) -> int:
    """Report an unexpected exception as the bug it is (one line; the traceback with --debug)."""
    if debug:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    where = "" if debug else "; --debug prints the traceback"
    message = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
    print(f"kubevet: internal error (a bug in kubevet, not in your input): {message[:300]}; "
          f"please report it with the command that failed at {ISSUES_URL}{where}", file=sys.stderr)
    return EXIT_ERROR


def _main(argv: list[str], prog: str) -> int:
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_ERROR
        handler = getattr(args, "handler", None)
        if handler is not None:
            return handler(args)
        if args.command in ("scan", "baseline"):
            return _scan(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "rbac":
            from kubevet.rbac_report import run

            return run(args.paths, args.context, args.format)
        if args.command == "init":
            return _init(args)
        if args.command == "completion":
            return _completion(args, parser)
        return _explain(args)
    except KubevetError as exc:
        from kubevet.output.escape import printable_lines

        print(printable_lines(f"kubevet: error: {exc}"), file=sys.stderr)  # it may name a file of a pull request
        return exc.exit_code
    except KeyboardInterrupt:
        print("kubevet: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (kubevet ... | head); nothing more to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR


def kubectl_main(argv: Sequence[str] | None = None) -> int:
    """The kubectl plugin: kubectl runs `kubectl-vet` with the arguments after `vet`."""
    return main(argv, prog="kubectl vet")


def run() -> NoReturn:
    """The `kubevet` command: main(), then exit at once.

    A big scan leaves millions of small objects that the interpreter would free one by one
    on its way out, which takes seconds; the reports are written and flushed by then, so
    the process ends without that teardown.
    """
    _printable_streams()
    _exit_now(main())


def run_kubectl() -> NoReturn:
    """The `kubectl-vet` command (see run)."""
    _printable_streams()
    _exit_now(kubectl_main())


def _printable_streams() -> None:
    """A terminal or pipe that cannot encode every character (an ASCII locale, a Windows
    code page) gets escapes for the others (``\\ufffd``), not a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower().replace("-", "") != "utf8":
            reconfigure(errors="backslashreplace")


def _exit_now(code: int) -> NoReturn:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(code)


def _split(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _file_config(args: argparse.Namespace):
    """The configuration file's settings (or the defaults), before the command line's."""
    from kubevet import api

    if args.no_config and args.config:
        raise UsageError("--config and --no-config contradict each other")
    if args.config and not os.path.exists(args.config):
        raise UsageError(f"--config: no such file: {args.config}")
    if args.config and os.path.isdir(args.config):
        raise UsageError(f"--config: {args.config} is a directory, not a configuration file")
    return api.load_config(args.config, no_config=args.no_config)


def _config(args: argparse.Namespace):
    from kubevet.findings import Severity
    from kubevet.rules import did_you_mean

    config = _file_config(args)
    if args.select:
        config.select = _split(args.select)
        config.extend_select = []
    config.ignore = [*config.ignore, *_split(args.ignore)]
    if args.fail_on:
        config.fail_on = Severity.parse(args.fail_on)
    if args.no_inline_suppressions:
        config.inline_suppressions = False
    for item in args.severity:
        name, sep, level = item.partition("=")
        if not sep:
            raise UsageError(f"--severity expects RULE=LEVEL, got {item!r}")
        try:
            from kubevet.rules import lookup_named

            config.severity[lookup_named(name).name] = Severity.parse(level)
        except KeyError:
            raise UsageError(f"--severity: unknown rule {name!r}{did_you_mean(name)}") from None
        except ValueError as exc:
            raise UsageError(f"--severity: {exc}") from None
    for item in args.option:
        key, sep, value = item.partition("=")
        name, dot, opt = key.rpartition(".")
        if not sep or not dot:
            raise UsageError(f"--option expects RULE.KEY=VALUE, got {item!r}")
        try:
            from kubevet.rules import lookup

            name = lookup(name).name
        except KeyError:
            raise UsageError(f"--option: unknown rule {name!r}{did_you_mean(name)}") from None
        config.options.setdefault(name, {})[opt] = value
    config.namespace_guardrails = [*config.namespace_guardrails, *args.namespace_guardrails]
    for item in args.workload_kind:
        kind, sep, path = item.partition("=")
        if not sep:
            raise UsageError(f"--workload-kind expects GROUP/KIND=PATH, got {item!r}")
        config.workload_kinds[kind] = path
    if args.kube_version:
        config.kube_version = args.kube_version
    config.crd_files = [*config.crd_files, *args.crd]
    return config


def _scan(args: argparse.Namespace) -> int:
    # A scan builds millions of containers and no reference cycles worth collecting (the
    # engine breaks the one it makes): the cyclic GC would only walk them again and again.
    # This is a one-shot process, so it stays off; refcounting frees memory as it goes.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run_scan(args)
    finally:
        if collecting:
            gc.enable()


def _run_scan(args: argparse.Namespace) -> int:
    from kubevet import api, output

    recording = args.command == "baseline"  # kubevet baseline: the scan, then the file
    if recording and args.baseline_format:
        raise UsageError("kubevet baseline writes no report (-o names the baseline file); reports come from kubevet scan")
    reports = [] if recording else output.plan(getattr(args, "outputs", None) or [])
    if recording or getattr(args, "baseline", None) or any(r.format.name == "gitlab" for r in reports):
        from kubevet import baseline  # fingerprints (hashlib ...): imported only for these
    known = baseline.load(args.baseline) if getattr(args, "baseline", None) else None
    config = _config(args)
    fingerprints = recording or known is not None or any(r.format.name == "gitlab" for r in reports)
    _kube_version_note(config)
    # report files are opened before the scan: an unwritable path fails at once
    with output.Writer(reports, color=args.color, verbose=args.verbose, source_root=os.getcwd(),
                       group=not getattr(args, "ungrouped", False)) as writer:
        exclude = [*config.exclude, *args.exclude]  # the file's, then the flag's
        inputs = api.discover(args.paths, helm=_helm_options(args, config), exclude=exclude)
        context = api.discover(args.context) if args.context else None
        result = api.scan_inputs(
            inputs,
            config,
            context,
            jobs=_jobs(args.jobs, inputs),
            record_checks=any(r.format.needs_checks for r in reports),
        )
        if fingerprints:
            baseline.attach(result, os.getcwd())
        if known is not None:
            known.apply(result)
        writer.write(result, result.rules)
    sys.stdout.flush()
    refused = False
    if args.suggest_fixes:
        refused = _suggest_fixes(args.suggest_fixes, result, inputs.sources, context.sources if context else [], config)

    verdict = result.verdict(allow_no_objects=args.allow_no_objects, exit_zero=args.exit_zero)
    _report_errors(result, args.allow_no_objects)
    if verdict.exit_code == EXIT_ERROR or refused:
        if recording:
            print(f"kubevet: error: baseline {args.baseline_output} not written", file=sys.stderr)
        return EXIT_ERROR
    if recording:
        items = baseline.write(args.baseline_output, result)
        n = sum(e.count for e in items)
        print(f"wrote {args.baseline_output}: {n} finding{'s' if n != 1 else ''}")
        return EXIT_CLEAN
    if known is not None and known.unused:
        n = known.unused
        print(f"kubevet: note: {n} finding{'s' if n != 1 else ''} of {args.baseline} no longer occur{'s' if n == 1 else ''}; `kubevet baseline` rewrites it", file=sys.stderr)
    return verdict.exit_code


def _report_errors(result, allow_no_objects: bool) -> None:
    """On stderr: each rule crash, each unreadable input, and an empty scan (file names and
    messages with their control characters escaped: a file of a pull request may be named so)."""
    from kubevet.output.escape import printable

    for crash in result.crashes:
        print(f"kubevet: internal error (a bug in kubevet; please report it at {ISSUES_URL}): {printable(str(crash))}", file=sys.stderr)
    if result.input_errors:
        n = len(result.input_errors)
        print(f"kubevet: error: {n} input{'s' if n != 1 else ''} could not be read or parsed:", file=sys.stderr)
        for error in result.input_errors:
            print(f"  {printable(str(error))}", file=sys.stderr)
    if result.objects == 0 and not result.empty_lists and not allow_no_objects:
        print("kubevet: error: no Kubernetes objects found in the input; nothing was checked", file=sys.stderr)


def _suggest_fixes(directory: str, result, sources, context, config) -> bool:
    """Write the manifests that answer the scan's namespace guardrail findings; whether
    one was refused (an object's namespace or name would put it outside the directory)."""
    from kubevet import fixes
    from kubevet.output.escape import printable

    try:
        written, refused = fixes.write(directory, fixes.suggest(result.findings, fixes.load(sources, context), config))
    except OSError as exc:
        raise KubevetError(f"--suggest-fixes: cannot write to {directory}: {exc.strerror or exc}") from None
    print(f"kubevet: wrote {len(written)} suggested manifest{'s' if len(written) != 1 else ''} to {directory}", file=sys.stderr)
    for why in refused:
        print(f"kubevet: error: --suggest-fixes: refused {printable(why)}", file=sys.stderr)
    return bool(refused)


PARALLEL_THRESHOLD = 8 << 20  # below this much input, forking workers costs more than it saves


def _jobs(requested: int, inputs) -> int:
    """Worker processes for a scan: as asked, or one per core when the input is large.

    A batch decision, so the CLI's: the library forks only when told to."""
    if requested > 0:
        return requested
    if requested < 0:
        raise UsageError("--jobs must be 1 or more")
    if inputs.size < PARALLEL_THRESHOLD:
        return 1
    return os.cpu_count() or 1  # a single large file is cut into parts for the workers


def _kube_version_note(config) -> None:
    """Say so when the target Kubernetes version is older than every shipped schema."""
    from kubevet.schema.versions import older_than_schemas, parse

    try:
        note = older_than_schemas(parse(config.kube_version))
    except ValueError:
        return  # not a version kubevet knows: the scan's configuration check says so (exit 2)
    if note:
        print(f"kubevet: note: {note}", file=sys.stderr)


def _rules(args: argparse.Namespace) -> int:
    from kubevet.rules import all_rules

    rules = all_rules()
    if args.format == "json":
        data = [
            {
                "code": r.code,
                "name": r.name,
                "category": r.category,
                "severity": str(r.severity),
                "scope": r.scope,
                "enabled": r.enabled,
                "kinds": sorted(r.kinds) if isinstance(r.kinds, frozenset) else r.kinds,
                "title": r.title,
                "options": [{"name": o.name, "default": o.default, "help": o.help} for o in r.options],
            }
            for r in rules
        ]
        print(json.dumps(data, indent=2))
        return EXIT_CLEAN
    if args.format == "markdown":
        from kubevet.docs import rules_markdown

        sys.stdout.write(rules_markdown())
        return EXIT_CLEAN
    width = max(len(r.name) for r in rules)
    print(f"{'CODE':<7} {'NAME':<{width}} {'SEVERITY':<8} {'CATEGORY':<13} TITLE")
    for r in rules:
        flag = "" if r.enabled else " (off by default)"
        print(f"{r.code:<7} {r.name:<{width}} {str(r.severity):<8} {r.category:<13} {r.title}{flag}")
    from kubevet.groups import GROUPS

    print("\nGroups: the findings of these rules at one place are reported as one (docs/grouping.md)")
    for g in GROUPS:
        print(f"{g.code:<7} {g.name:<{width}} {g.scope:<8} {', '.join(g.members)}")
    return EXIT_CLEAN


def _explain(args: argparse.Namespace) -> int:
    from kubevet.rules import did_you_mean, lookup_named

    try:
        r = lookup_named(args.rule)
    except KeyError:
        raise UsageError(f"unknown rule {args.rule!r}{did_you_mean(args.rule) or '; `kubevet rules` lists them'}") from None
    sys.stdout.write(r.doc_markdown())
    return EXIT_CLEAN


def _init(args: argparse.Namespace) -> int:
    from kubevet.init_config import write

    try:
        write(args.path, force=args.force)
    except FileExistsError:
        raise UsageError(f"{args.path} exists; use --force to overwrite it") from None
    except OSError as exc:
        raise UsageError(f"cannot write {args.path}: {exc.strerror}") from None
    print(f"wrote {args.path}")
    return EXIT_CLEAN


def _completion(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from kubevet.completion import script
    from kubevet.rules import all_rules

    sys.stdout.write(script(args.shell, parser, [r.name for r in all_rules()]))
    return EXIT_CLEAN
