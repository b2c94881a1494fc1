"""The cluster script itself: it stops what it started, and a run killed outright leaves no
etcd behind (the members die with the process that started them)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"  # a zombie is dead
    except FileNotFoundError:
        return False


def test_members_die_with_a_killed_run():
    starter = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from etcd_cluster import Cluster\n"
         "c = Cluster(size=1).start()\nprint(c.nodes[0].proc.pid, c.root, flush=True)\ntime.sleep(60)"],
        cwd=HERE, stdout=subprocess.PIPE, text=True)
    try:
        pid_text, root = starter.stdout.readline().split()
        pid = int(pid_text)
        assert _alive(pid)
    finally:
        starter.kill()  # SIGKILL: no finally, no stop() in the starter
        starter.wait(timeout=10)
    deadline = time.monotonic() + 10
    try:
        while _alive(pid):
            assert time.monotonic() < deadline, f"etcd {pid} outlived the run that started it"
            time.sleep(0.1)
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)  # the member this test had started, by its PID
        shutil.rmtree(root, ignore_errors=True)  # what stop() would have removed
