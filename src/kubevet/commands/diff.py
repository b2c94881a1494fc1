"""``kubevet diff OLD NEW``: what a release really changes, how risky it is, which findings it adds.

The work is in ``kubevet.diff``; this module only declares the command line (``gate``
shares these arguments).
"""

from __future__ import annotations

import argparse

ORDER = 40


class _Outputs(argparse.Action):
    """-f FORMAT starts a report; -o FILE sends the last one (or the text report) to a file."""

    def __call__(self, parser, namespace, values, option_string=None):
        pairs = list(getattr(namespace, "outputs", None) or [])
        if self.dest == "format":
            pairs.append([values, None])
        elif not pairs:
            pairs.append(["text", values])
        elif pairs[-1][1] is not None:
            raise argparse.ArgumentError(self, f"--format {pairs[-1][0]} already has an output file")
        else:
            pairs[-1][1] = values
        namespace.outputs = pairs


def add_diff_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="OLD NEW",
                   help="the two sides: files, directories, charts, kustomizations, saved `helm get manifest` or "
                        "`kubectl get -o yaml` output, or - (one side); only NEW with --old-ref")
    p.add_argument("--old-ref", metavar="GIT_REF", help="read OLD from NEW's path(s) at this git revision (e.g. origin/main), without touching the work tree")
    p.add_argument("--live", action="store_true", help="OLD is what the cluster holds for NEW's objects (read through the kubeconfig, GET only)")
    p.add_argument("--kubeconfig", metavar="FILE", help="with --live: kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    p.add_argument("--context", metavar="NAME", help="with --live: kubeconfig context (default: the current one)")
    p.add_argument("-f", "--format", action=_Outputs, dest="format", metavar="FORMAT",
                   help="text (default), json, markdown (a pull-request comment) or sarif; repeat for several reports")
    p.add_argument("-o", "--output", action=_Outputs, dest="output", metavar="FILE", help="write the preceding --format's report to FILE")
    p.add_argument("--fail-on", choices=["error", "warning", "info"], default=None,
                   help="lowest severity of a risk or a new finding that exits 1 (default: error, or the configuration's fail-on)")
    p.add_argument("--fail-on-existing", action="store_true", help="findings that OLD has already gate too, not only new ones")
    p.add_argument("--no-findings", action="store_true", help="compare and judge the risks only; do not run the rules on either side")
    p.add_argument("--allow-no-objects", action="store_true", help="a side without objects (a first install) is not an error")
    p.add_argument("--markdown-limit", type=int, default=60000, metavar="CHARS",
                   help="longest Markdown report (GitHub comments hold 65,536 characters; default 60000)")
    p.add_argument("--config", metavar="FILE", help="configuration file (default: the nearest .kubevet.yaml)")
    p.add_argument("--no-config", action="store_true", help="ignore configuration files")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    g = p.add_argument_group("Helm charts and kustomizations", "as for `kubevet scan`; --old-*/--new-* apply to one side only")
    for side in ("", "old-", "new-"):
        which = {"": "both sides", "old-": "OLD only", "new-": "NEW only"}[side]
        g.add_argument(f"--{side}values", action="append", default=[], metavar="FILE", help=f"Helm values file ({which}; repeatable)")
        g.add_argument(f"--{side}set", action="append", default=[], metavar="KEY=VAL", help=f"set a Helm value ({which}; repeatable)")
        g.add_argument(f"--{side}set-string", action="append", default=[], metavar="KEY=VAL", help=f"set a Helm value as a string ({which})")
    g.add_argument("--release-name", default="release-name", metavar="NAME")
    g.add_argument("--namespace", default="default", metavar="NS", help="the release namespace: objects without one land in it (default: default)")
    g.add_argument("--kube-version", metavar="VERSION")
    g.add_argument("--include-crds", action="store_true")
    g.add_argument("--helm-binary", metavar="PATH")
    g.add_argument("--exclude", action="append", default=[], metavar="GLOB")


def register(sub) -> None:
    p = sub.add_parser(
        "diff",
        help="compare two versions of the manifests: risky changes, new findings, the diff per object",
        description="Compare OLD (what is deployed) with NEW (what is about to be): every change classified by "
                    "risk, the findings NEW introduces, and the field-level diff. Exit 0: no blocking risk and no "
                    "new finding at or above --fail-on; 1: some; 2: an input could not be read.",
    )
    add_diff_arguments(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from kubevet.diff.run import main

    return main(args, "diff")
