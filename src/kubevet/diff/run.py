"""The pipeline behind ``kubevet diff`` and ``kubevet gate``: load, compare, judge, report."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from kubevet.diff import risks as risk_checks
from kubevet.diff.compare import compare
from kubevet.diff.report import EXIT_ERROR, DiffReport
from kubevet.diff.sides import Side, SideSpec, key_text, load, load_live
from kubevet.errors import UsageError
from kubevet.findings import Severity
from kubevet.loading.rendered import HelmOptions
from kubevet.output.escape import printable_lines


def load_config(args: argparse.Namespace):
    """The configuration (through ``kubevet.api``) and the raw file settings, whose
    ``freeze:`` section only the gate and ``kubevet freeze`` read (as ``serve`` reads its own)."""
    from kubevet import api, config_file

    config = api.load_config(args.config, no_config=args.no_config)
    raw: dict = {}
    if not args.no_config:
        found = Path(args.config) if args.config else config_file.find(Path.cwd())
        if found is not None:
            raw = config_file.load(found)[1]
    return config, raw, args.config


def side_specs(args: argparse.Namespace, kube_version: str | None, exclude=()) -> tuple[SideSpec, SideSpec]:
    paths = list(args.paths)
    if (args.kubeconfig or args.context) and not args.live:
        raise UsageError("--kubeconfig and --context only go with --live (they say which cluster OLD is read from)")
    if args.old_ref or args.live:
        if args.old_ref and args.live:
            raise UsageError("--old-ref and --live both name OLD: give one")
        if len(paths) != 1 and not (args.old_ref and len(paths) > 1):
            raise UsageError("with --old-ref or --live give NEW only")
        old_paths, new_paths = paths, paths
    else:
        if len(paths) != 2:
            raise UsageError(f"expected OLD and NEW, got {len(paths)} path{'s' if len(paths) != 1 else ''}")
        old_paths, new_paths = [paths[0]], [paths[1]]
        if paths == ["-", "-"]:
            raise UsageError("only one side can be standard input (-)")

    def helm(side: str) -> HelmOptions:
        return HelmOptions(
            values=[*args.values, *getattr(args, f"{side}_values")],
            set=[*args.set, *getattr(args, f"{side}_set")],
            set_string=[*args.set_string, *getattr(args, f"{side}_set_string")],
            release_name=args.release_name,
            namespace=args.namespace,
            kube_version=kube_version,
            include_crds=args.include_crds,
            helm_binary=args.helm_binary,
        )

    exclude = [*exclude, *args.exclude]
    return (SideSpec("old", old_paths, helm("old"), exclude, git_ref=args.old_ref),
            SideSpec("new", new_paths, helm("new"), exclude))


def side_errors(side: Side, allow_empty: bool) -> tuple[list[str], list[str]]:
    """Input errors of a side (the diff is incomplete: exit 2), and notes."""
    errors = []
    for p in side.problems:
        where = f"{p.file}:{p.line}" if p.line else p.file
        errors.append(f"{side.label.upper()}: {where}: {p.message}")
    for key, first, second in side.duplicates:
        errors.append(f"{side.label.upper()}: {key_text(key)} is defined twice ({first} and {second}): which one to compare?")
    if not side.objects and not side.problems and not allow_empty:
        errors.append(f"{side.label.upper()}: no Kubernetes objects in {side.display}; nothing to compare "
                      "(--allow-no-objects for a first install)")
    notes = []
    unnamed = [k for k in side.order if not k[3]]
    if unnamed:
        notes.append(f"{side.label.upper()}: {len(unnamed)} object{'s' if len(unnamed) != 1 else ''} without metadata.name "
                     "(generateName?) compared as one per kind and namespace")
    return errors, notes


def build(args: argparse.Namespace, command: str, stdin=None) -> tuple[DiffReport, object, dict]:
    config, raw, config_path = load_config(args)
    if getattr(args, "kube_version", None):
        config.kube_version = args.kube_version
    if args.fail_on:
        config.fail_on = Severity.parse(args.fail_on)
    old_spec, new_spec = side_specs(args, config.kube_version or None, config.exclude)
    if args.live:  # OLD is what the cluster holds for NEW's objects
        new = load(new_spec, stdin=stdin)
        try:
            old = load_live(old_spec, new, args.kubeconfig, args.context)
        except BaseException:
            new.close()
            raise
    else:
        old = load(old_spec, stdin=stdin)
        try:
            new = load(new_spec, stdin=stdin)
        except BaseException:
            old.close()
            raise
    report = DiffReport(command, None, fail_on=config.fail_on, gate_existing=args.fail_on_existing)
    for side in (old, new):
        errors, notes = side_errors(side, args.allow_no_objects)
        report.errors.extend(errors)
        report.notes.extend(notes)
    report.comparison = compare(old, new, _random_fields(new_spec, new))
    report.risks = risk_checks.run(report.comparison)
    if not args.no_findings and not report.errors:
        from kubevet.diff.findings import mark_incremental, scan_side

        report.findings = mark_incremental(config, report.comparison, scan_side(config, new))
    return report, config, raw


def _random_fields(spec: SideSpec, side: Side) -> frozenset:
    """Render NEW's Helm charts once more: fields that come out different are random noise."""
    from kubevet.diff.compare import random_fields
    from kubevet.loading.rendered import RenderedSource

    if "-" in spec.paths or not any(isinstance(s, RenderedSource) and s.render.kind == "helm" for s in side.sources):
        return frozenset()
    again = load(spec)
    try:
        return random_fields(side, again)
    finally:
        again.close()


def write(report: DiffReport, args: argparse.Namespace) -> None:
    from kubevet.diff.output import FORMATS, render
    from kubevet.output import refuse_two_on_stdout, use_color

    outputs = getattr(args, "outputs", None) or [["text", None]]
    for fmt, _ in outputs:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    refuse_two_on_stdout(outputs)
    for fmt, path in outputs:
        to_stdout = path in (None, "-")
        color = fmt == "text" and to_stdout and use_color(args.color, sys.stdout)
        text = render(fmt, report, color=color, limit=args.markdown_limit)
        if to_stdout:
            sys.stdout.write(text)
        else:
            try:
                Path(path).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    sys.stdout.flush()


def main(args: argparse.Namespace, command: str) -> int:
    gc.disable()  # as for scan: many acyclic containers, a one-shot process
    report, _, _ = build(args, command)
    try:
        write(report, args)
    finally:
        for side in (report.comparison.old, report.comparison.new) if report.comparison else ():
            side.close()
    code, reasons = report.verdict()
    if code == EXIT_ERROR:
        print_errors(report.errors)
    return code


def print_errors(errors: list[str], most: int = 20) -> None:
    for e in errors[:most]:
        print(printable_lines(f"kubevet: error: {e}"), file=sys.stderr)
    if len(errors) > most:
        print(f"kubevet: error: ... and {len(errors) - most} more (the reports list them all)", file=sys.stderr)
