"""Special files: a FIFO found in a directory must not hang the scan; one named is read."""

from __future__ import annotations

import json
import os
import threading

POD = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x:1}]}\n"


def test_a_fifo_found_by_walking_is_skipped_visibly(run_cli, tmp_path):
    (tmp_path / "pod.yaml").write_bytes(POD)
    os.mkfifo(tmp_path / "pipe.yaml")  # nobody writes to it: reading it would block forever
    r = run_cli("scan", "--no-config", "--select", "RES001", "-f", "json", str(tmp_path))
    report = json.loads(r.out)
    assert r.code == 1 and report["summary"]["objects"] == 1
    assert [s["file"] for s in report["skipped"]] == [str(tmp_path / "pipe.yaml")]
    assert "not a regular file" in report["skipped"][0]["reason"]


def test_a_fifo_named_on_the_command_line_is_read(run_cli, tmp_path):
    """As with `kubevet scan <(helm template ...)`: the shell passes a pipe."""
    fifo = tmp_path / "rendered"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "wb") as fh:
            fh.write(POD)

    writer = threading.Thread(target=feed)
    writer.start()
    r = run_cli("scan", "--no-config", "--select", "RES001", "-f", "json", str(fifo))
    writer.join(timeout=10)
    assert r.code == 1 and json.loads(r.out)["summary"]["objects"] == 1


def test_config_and_no_config_together_is_a_usage_error(run_cli, tmp_path):
    (tmp_path / "pod.yaml").write_bytes(POD)
    r = run_cli("scan", "--no-config", "--config", "x.yaml", str(tmp_path / "pod.yaml"))
    assert r.code == 2 and "contradict" in r.err
