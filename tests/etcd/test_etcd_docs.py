"""docs/etcd.md and the README's etcd section match the code: commands parse, defaults agree."""

from __future__ import annotations

import re
import shlex

from conftest import ROOT

from kubevet.cli import build_parser
from kubevet.etcd.verdicts import Thresholds

DOC = (ROOT / "docs" / "etcd.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(text: str) -> list[list[str]]:
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("kubevet etcd"):
                out.append(shlex.split(line)[1:])
    return out


def test_every_documented_command_parses():
    found = commands(DOC) + commands(README)
    assert len(found) >= 4
    parser = build_parser("kubevet")
    for argv in found:
        args = parser.parse_args(argv)
        assert args.etcd_command in ("status", "defrag")
        assert args.cacert == "/etc/kubernetes/pki/etcd/ca.crt" and args.cluster


def test_documented_defaults_are_the_codes():
    parser = build_parser("kubevet")
    args = parser.parse_args(["etcd", "defrag"])
    th = Thresholds()
    rows = dict(re.findall(r"^\| `(--[a-z0-9-]+)` \| `([^`]+)` \|", DOC, re.M))
    assert rows["--max-fsync-p99"] == args.max_fsync_p99 == f"{th.max_fsync_p99 * 1000:g}ms"
    assert rows["--max-commit-p99"] == args.max_commit_p99 == f"{th.max_commit_p99 * 1000:g}ms"
    assert float(rows["--quota-warn-percent"]) == args.quota_warn_percent == th.quota_warn_ratio * 100
    assert float(rows["--defrag-min-free-percent"]) == args.defrag_min_free_percent == th.defrag_min_free_ratio * 100
    assert rows["--defrag-min-free"] == args.defrag_min_free == "100Mi" and th.defrag_min_free_bytes == 100 << 20
    assert int(rows["--max-lag"]) == args.max_lag == th.max_lag
    assert "(60 s by default" in DOC and args.pause == "60s"
