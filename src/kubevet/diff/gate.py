"""``kubevet gate OLD NEW [-- COMMAND...]``: the diff, the findings and the change freeze in
one verdict, for CI and for a pre-upgrade step.

In a freeze the gate exits 1 unless ``--override-freeze REASON`` is given; the override,
its reason, the user (from the CI system's environment, else the operating system) and the
time go into every report format. A COMMAND after ``--`` runs only when the gate passes,
and its exit code becomes the gate's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import subprocess
import sys

from kubevet.diff.report import EXIT_PASS, Override
from kubevet.errors import UsageError

# where CI systems say who started a run, in order of preference
USER_VARIABLES = ("KUBEVET_USER", "GITHUB_ACTOR", "GITLAB_USER_LOGIN", "BUILDKITE_BUILD_CREATOR", "CIRCLE_USERNAME",
                  "BUILD_USER_ID", "BITBUCKET_STEP_TRIGGERER_UUID")


def current_user(environ=None) -> str:
    env = os.environ if environ is None else environ
    for name in USER_VARIABLES:
        if env.get(name):
            return f"{env[name]} ({name})"
    try:
        return f"{getpass.getuser()} (os)"
    except Exception:  # noqa: BLE001 - no user name in a bare container
        return f"uid {os.getuid()} (os)" if hasattr(os, "getuid") else "unknown"


def freeze_status(raw: dict, now_text: str | None, namespaces, environment):
    """The freeze state for the moment and scope given (``--now``, namespaces, ``--environment``)."""
    from kubevet.freeze.settings import parse
    from kubevet.freeze.windows import parse_now, status

    freeze = parse(raw.get("freeze"))
    try:
        now = parse_now(now_text, freeze.tz)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return status(freeze, now, namespaces, environment)


def main(args: argparse.Namespace) -> int:
    import gc

    from kubevet.diff.run import build, print_errors, write

    gc.disable()
    if args.override_freeze is not None and not args.override_freeze.strip():
        raise UsageError("--override-freeze needs a reason: say why this change cannot wait")
    command = list(getattr(args, "run_command", None) or [])
    report, _, raw = build(args, "gate")
    report.command_line = command
    try:
        c = report.comparison
        namespaces = sorted({d.key[2] for d in c.objects if d.status != "unchanged" and d.key[2]}) if c else None
        report.freeze = freeze_status(raw, args.now, namespaces, args.environment)
        if report.freeze.frozen and args.override_freeze:
            report.override = Override(args.override_freeze.strip(), current_user(),
                                       dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
                                       [i.reason for i in report.freeze.active])
        elif args.override_freeze:
            report.notes.append("--override-freeze given, but no freeze is in force: nothing was overridden")
        write(report, args)
    finally:
        for side in (report.comparison.old, report.comparison.new) if report.comparison else ():
            side.close()
    code, reasons = report.verdict()
    if code != EXIT_PASS:
        if code == 2:
            print_errors(report.errors)
        if command:
            print(f"kubevet: gate: not running {command[0]}: {'; '.join(reasons)}", file=sys.stderr)
        return code
    if not command:
        return EXIT_PASS
    sys.stdout.flush()
    try:
        done = subprocess.run(command, check=False)
    except OSError as exc:
        print(f"kubevet: gate: cannot run {command[0]}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return done.returncode if done.returncode >= 0 else 128 - done.returncode
