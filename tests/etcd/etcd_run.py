"""Run ``kubevet etcd ...`` as its own process, as an operator or a CronJob would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"Result(code={self.code}, out={self.out[-1500:]!r}, err={self.err[-1500:]!r})"


def clean_env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETCDCTL_")}
    env.update(extra or {})
    return env


def kubevet(*args: str, env: dict | None = None, stdin: str | None = None, timeout: float = 90) -> Result:
    proc = subprocess.run([sys.executable, "-m", "kubevet", "etcd", *args], capture_output=True, text=True,
                          env=clean_env(env), input=stdin if stdin is not None else "", timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr
    return Result(proc.returncode, proc.stdout, proc.stderr)


def start(*args: str) -> subprocess.Popen:
    """``kubevet etcd ...`` in the background, its progress (stderr) readable line by line."""
    return subprocess.Popen([sys.executable, "-m", "kubevet", "etcd", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=clean_env())


def wait_for_line(proc: subprocess.Popen, needle: str) -> list[str]:
    """Read the progress until a line containing ``needle``; every line read so far."""
    seen = []
    assert proc.stderr is not None
    for line in proc.stderr:
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} never printed; progress was:\n{''.join(seen)}")


def finish(proc: subprocess.Popen, seen: list[str], timeout: float = 90) -> Result:
    out, err = proc.communicate(timeout=timeout)
    err = "".join(seen) + err
    assert "Traceback" not in err, err
    return Result(proc.returncode, out, err)
