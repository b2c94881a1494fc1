"""A stand-in for the ``helm`` executable: ``helm template`` only.

No helm binary can be installed here from a package registry, so the tests of
``--helm-binary`` run this script (through a small shell wrapper that names the Python
interpreter). It accepts the flags kubevet passes, renders with Helm's library, prints the
output the way ``helm template`` does (``---`` and ``# Source:`` before every document,
test hooks left out with ``--skip-tests``), and fails like helm: ``Error: ...`` on stderr,
exit code 1. Every call's arguments are appended, as a JSON line, to $FAKE_HELM_LOG.
"""

from __future__ import annotations

import json
import os
import re
import sys


def main(argv: list[str]) -> int:
    log = os.environ.get("FAKE_HELM_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(argv) + "\n")
    if not argv or argv[0] != "template":
        print("Error: this fake helm only knows `helm template`", file=sys.stderr)
        return 1
    args = argv[1:]
    positional: list[str] = []
    opts: dict[str, list[str]] = {}
    flags = set()
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--include-crds", "--skip-tests"):
            flags.add(a)
        elif a.startswith("--"):
            opts.setdefault(a, []).append(args[i + 1])
            i += 1
        else:
            positional.append(a)
        i += 1
    name, chart_path = positional

    import helm_python as helm
    from helm_python import _native

    def merge(a: dict, b: dict) -> dict:
        out = dict(a)
        for k, v in b.items():
            out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        return out

    try:
        chart = helm.Chart.load(chart_path)
        meta = chart.metadata
        declared = {d["name"] for d in meta.get("dependencies") or []}
        loaded = {d.get("name") for d in chart.dependencies}
        missing = sorted(declared - loaded)
        if missing:
            raise helm.HelmError(f"found in Chart.yaml, but missing in charts/ directory: {', '.join(missing)}")
        values: dict = {}
        for path in opts.get("--values", []):
            with open(path, encoding="utf-8") as fh:
                try:
                    values = merge(values, helm.values_from_yaml(fh.read()))
                except helm.HelmError as exc:
                    raise helm.HelmError(f"failed to parse {path}: {exc}") from None
        for expr in opts.get("--set", []):
            values = merge(values, helm.parse_set_string(expr))
        for expr in opts.get("--set-string", []):
            values = merge(values, helm.parse_set_string_values(expr))
        render_opts = {"name": name, "namespace": opts.get("--namespace", ["default"])[0], "is_install": True}
        if "--kube-version" in opts:
            render_opts["kube_version"] = opts["--kube-version"][0]
        if "--api-versions" in opts:
            render_opts["api_versions"] = opts["--api-versions"]
        manifests = json.loads(_native.call_string("helm_render", chart._raw(), json.dumps(values), json.dumps(render_opts)))
        crds = chart.crds if "--include-crds" in flags else []
    except helm.HelmError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    out = []
    for crd in crds:
        out.append(f"---\n# Source: {crd['filename']}\n{crd['data'].strip()}\n")
    for template in sorted(manifests):
        if template.endswith("NOTES.txt"):
            continue
        for doc in re.split(r"^---\s*$", manifests[template], flags=re.M):
            doc = doc.strip()
            if not doc:
                continue
            if "--skip-tests" in flags and re.search(r"helm\.sh/hook\"?:\s*\"?test", doc):
                continue
            out.append(f"---\n# Source: {template}\n{doc}\n")
    sys.stdout.write("".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
