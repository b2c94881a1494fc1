"""Front-end subcommands beyond scan: one module each, found by discovery.

A module here (``serve.py``, ``diff.py``, ...) defines::

    ORDER = 50                      # where its commands stand in ``kubevet --help``
    def register(sub) -> None:      # sub: the argparse subparsers object
        p = sub.add_parser("NAME", help="...")
        p.add_argument(...)
        p.set_defaults(handler=run)  # run(args) -> exit code

The module must import only argparse-level things at the top: the work is imported inside
``run``, so that ``kubevet scan`` does not pay for front ends it does not use. Front ends
use the library API (``kubevet.api``), never the CLI's internals.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    """Every command module of this package, in ORDER."""
    found = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    ]
    return sorted(found, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def register_all(sub) -> None:
    for module in modules():
        module.register(sub)
