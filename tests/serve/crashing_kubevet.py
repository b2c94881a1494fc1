"""kubevet with one extra rule that raises on every Deployment named "boom": how the tests
make a rule crash inside the real server (run with --workers 1, so the rule registered
here is the one the server runs)."""

import sys

from kubevet.cli import main
from kubevet.rules._base import rule


@rule(code="TST901", name="test-crash", severity="error", kinds=["Deployment"], category="test")
def check(obj, ctx):
    """A rule that crashes (tests only).

    ## What it checks
    Nothing.
    """
    if obj.name == "boom":
        raise RuntimeError("boom goes the rule")
    return []


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
