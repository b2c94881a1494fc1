"""examples/api_example.py, the library's runnable example, runs and says what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_api_example_runs():
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "api_example.py")], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert "request/checkout.yaml:1 error IMG001 image-tag-mutable: container 'checkout' runs image" in run.stdout
    assert lines[-1].startswith("verdict: exit 1: ") and lines[-1].endswith("findings at or above warning")
    # the state holds the namespace's default-deny NetworkPolicy: alone, the Deployment
    # would be reported as not isolated (NET002)
    assert "NET002" not in run.stdout
