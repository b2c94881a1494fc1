"""``kubevet gate OLD NEW [-- COMMAND...]``: diff + findings + change freeze in one verdict.

The work is in ``kubevet.diff.gate``. Everything after ``--`` is the command to run when
the gate passes (``kubevet gate live.yaml chart/ -- helm upgrade web chart/``).
"""

from __future__ import annotations

import argparse

ORDER = 41


def register(sub) -> None:
    from kubevet.commands.diff import add_diff_arguments

    base = sub._parser_class
    sub._parser_class = _split_parser(base)  # only for this parser: -- ends the gate's own arguments
    try:
        p = sub.add_parser(
            "gate",
            help="diff + findings + change freeze in one verdict; runs the command after -- only when it passes",
            description="Judge a release as `kubevet diff` does, and refuse it during a change freeze (freeze: in "
                        ".kubevet.yaml) unless --override-freeze REASON is given. A command after -- runs only when "
                        "the gate passes, and its exit code is passed through.",
        )
    finally:
        sub._parser_class = base
    add_diff_arguments(p)
    p.add_argument("--now", metavar="ISO-TIME", help="judge the freeze at this time instead of now (e.g. 2026-03-27T16:45+01:00)")
    p.add_argument("--environment", metavar="NAME", help="the environment deployed to, for windows scoped by environments")
    p.add_argument("--override-freeze", metavar="REASON", help="pass despite a change freeze; the reason, user and time are recorded in every report")
    p.set_defaults(handler=run, run_command=None)


def _split_parser(base):
    class GateParser(base):
        """Parses what comes before ``--``; keeps the rest as the command to run."""

        def parse_known_args(self, args=None, namespace=None):
            args = list(args or [])
            command = None
            if "--" in args:
                i = args.index("--")
                args, command = args[:i], args[i + 1 :]
            ns, extra = super().parse_known_args(args, namespace)
            ns.run_command = command
            return ns, extra

    return GateParser


def run(args: argparse.Namespace) -> int:
    from kubevet.diff.gate import main

    return main(args)
