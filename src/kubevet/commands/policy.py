"""`kubevet policy`: export rules as ValidatingAdmissionPolicy + Binding (see docs/admission.md)."""

from __future__ import annotations

ORDER = 61


def register(sub) -> None:
    p = sub.add_parser(
        "policy",
        help="export the rules CEL can express as ValidatingAdmissionPolicy objects (Kubernetes 1.30+)",
        description="Print ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding objects "
        "(admissionregistration.k8s.io/v1) that enforce kubevet rules inside the API server, with the "
        "severities, exemptions and suppression annotations of the configuration.",
    )
    p.add_argument("--rules", action="append", default=[], metavar="RULES", help="export only these rules (names or codes, comma-separated, repeatable); default: every exportable rule the configuration enables")
    p.add_argument("-o", "--output", metavar="FILE", help="write the manifests to FILE instead of stdout")
    p.add_argument("--format", choices=["yaml", "json"], default="yaml", help="yaml (default: one document per object) or json (a List)")
    p.add_argument("--list", action="store_true", help="list every rule: exported, or why not")
    p.add_argument("--config", metavar="FILE", help="configuration file (default: the nearest .kubevet.yaml)")
    p.add_argument("--no-config", action="store_true", help="kubevet's defaults only")
    p.set_defaults(handler=run)


def run(args) -> int:
    import sys

    from kubevet import api
    from kubevet.errors import UsageError
    from kubevet.policy import export

    if args.list:
        width = max(len(r.name) for r, _, _ in export.listing())
        print(f"{'CODE':<7} {'NAME':<{width}} EXPORTED")
        for r, ok, why in export.listing():
            print(f"{r.code:<7} {r.name:<{width}} {'yes' if ok else 'no: ' + why}")
        return 0
    config = api.load_config(args.config, no_config=args.no_config)
    names = [n.strip() for value in args.rules for n in value.split(",") if n.strip()]
    try:
        rules = export.select(config, names or None)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not rules:
        raise UsageError("no exportable rule is enabled by the configuration (`kubevet policy --list`)")
    objects = export.build(config, rules)
    if args.format == "json":
        import json

        text = json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, indent=2) + "\n"
    else:
        import yaml

        head = f"# kubevet policy: {len(rules)} rule{'s' if len(rules) != 1 else ''} as ValidatingAdmissionPolicy (Kubernetes 1.30+)\n"
        text = head + yaml.safe_dump_all(objects, sort_keys=False, width=100)
    if args.output and args.output != "-":
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
        print(f"wrote {args.output}: {len(rules)} policies, {len(objects) - len(rules)} bindings", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
