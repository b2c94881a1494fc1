"""``kubevet freeze status``: is now (or ``--now``) inside a change freeze, why, and until when.

The work is in ``kubevet.freeze``.
"""

from __future__ import annotations

import argparse

ORDER = 42


def register(sub) -> None:
    p = sub.add_parser("freeze", help="change freeze: kubevet freeze status says whether now is frozen")
    actions = p.add_subparsers(dest="freeze_command", metavar="ACTION", required=True)
    s = actions.add_parser("status", help="whether now is frozen, why, when the window ends or the next begins (exit 1 when frozen)")
    s.add_argument("--now", metavar="ISO-TIME", help="ask about this time instead of now (without an offset: the freeze's time zone)")
    s.add_argument("--namespace", action="append", default=[], metavar="NS", help="the change's namespaces, for windows scoped by namespaces")
    s.add_argument("--environment", metavar="NAME", help="the environment, for windows scoped by environments")
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.add_argument("--config", metavar="FILE", help="configuration file (default: the nearest .kubevet.yaml)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import json
    import os
    from pathlib import Path

    from kubevet.config_file import load
    from kubevet.diff.gate import freeze_status
    from kubevet.errors import UsageError

    if args.config and not os.path.isfile(args.config):
        raise UsageError(f"--config: no such file: {args.config}")
    _, raw = load(Path(args.config) if args.config else None)
    state = freeze_status(raw, args.now, args.namespace or None, args.environment)
    if args.format == "json":
        print(json.dumps(state.to_json(), indent=2))
    else:
        print("\n".join(state.describe()))
    return 1 if state.frozen else 0
