"""`kubevet serve`: the validating admission webhook (see docs/admission.md)."""

from __future__ import annotations

ORDER = 60


def register(sub) -> None:
    p = sub.add_parser(
        "serve",
        help="run the validating admission webhook (HTTPS, AdmissionReview v1 on /validate)",
        description="Judge what reaches the API server with the rules and configuration of kubevet scan. "
        "See docs/admission.md for installing it in a cluster.",
    )
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default: 0.0.0.0)")
    p.add_argument("--port", type=int, default=8443, help="port to listen on (default: 8443)")
    p.add_argument("--tls-cert", metavar="FILE", help="TLS certificate (PEM, with its chain); reloaded when it changes")
    p.add_argument("--tls-key", metavar="FILE", help="TLS private key (PEM); reloaded when it changes")
    p.add_argument("--insecure", action="store_true", help="serve plain HTTP, no TLS (local tests only: the API server calls webhooks over HTTPS)")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes sharing the port (default: 1)")
    p.add_argument("--config", metavar="FILE", help="configuration file (default: the nearest .kubevet.yaml); its serve: section sets modes and the deletion guard")
    p.add_argument("--no-config", action="store_true", help="kubevet's defaults only")
    p.add_argument("--context", action="append", default=[], metavar="PATH", help="manifests of the cluster's guardrails (Namespaces, quotas, policies, roles), reloaded when they change")
    p.add_argument("--kube-version", metavar="VERSION", help="Kubernetes version the cluster runs, e.g. 1.30")
    p.add_argument("--max-body-bytes", type=int, default=8 << 20, metavar="N", help="largest request body accepted (default: 8 MiB; the API server sends at most a few)")
    p.add_argument("--body-timeout", type=float, default=10.0, metavar="SECONDS", help="time allowed for a request body to arrive (default: 10)")
    p.add_argument("--max-connections", type=int, default=1000, metavar="N", help="connections served at once per worker; more get 503 (default: 1000)")
    p.add_argument("--reload-interval", type=float, default=2.0, metavar="SECONDS", help="how often the certificates and context files are checked for changes (default: 2)")
    p.add_argument("--shutdown-timeout", type=float, default=25.0, metavar="SECONDS", help="on SIGTERM, how long in-flight requests may take to finish (default: 25)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.add_argument("--manifests", action="store_true", help="print the manifests that deploy the webhook (Namespace ... ValidatingWebhookConfiguration) and exit")
    p.add_argument("--namespace", default="kubevet", help="--manifests: namespace to deploy into (default: kubevet)")
    p.add_argument("--image", default=None, metavar="IMAGE", help="--manifests: the container image (default: kubevet's release image)")
    p.add_argument("--replicas", type=int, default=2, help="--manifests: replicas of the webhook (default: 2)")
    p.add_argument("--failure-policy", choices=["Fail", "Ignore"], default="Fail", help="--manifests: what the API server does when the webhook cannot answer (default: Fail)")
    p.set_defaults(handler=run)


def run(args) -> int:
    from kubevet.errors import UsageError

    if args.manifests:
        from kubevet.serve.manifests import render

        if args.replicas < 1:
            raise UsageError("--replicas must be 1 or more")
        print(render(namespace=args.namespace, image=args.image, replicas=args.replicas, failure_policy=args.failure_policy), end="")
        return 0
    if args.no_config and args.config:
        raise UsageError("--config and --no-config contradict each other")
    if args.workers < 1:
        raise UsageError("--workers must be 1 or more")
    if not 0 < args.port < 65536:
        raise UsageError("--port must be between 1 and 65535")
    if args.max_connections < 1:
        raise UsageError("--max-connections must be 1 or more")
    if args.max_body_bytes < 1024:
        raise UsageError("--max-body-bytes must be at least 1024")
    if args.insecure:
        if args.tls_cert or args.tls_key:
            raise UsageError("--insecure serves plain HTTP: leave out --tls-cert and --tls-key")
    else:
        if not (args.tls_cert and args.tls_key):
            raise UsageError("--tls-cert and --tls-key are required (plain HTTP only with --insecure, for local tests)")
        _check_tls(args.tls_cert, args.tls_key)
    import os

    if args.config and not os.path.isfile(args.config):
        raise UsageError(f"--config: no such file: {args.config}")
    from kubevet.serve.app import Options
    from kubevet.serve.server import run as serve

    options = Options(
        config=args.config,
        no_config=args.no_config,
        context=tuple(args.context),
        max_body=args.max_body_bytes,
        body_timeout=args.body_timeout,
        reload_interval=args.reload_interval,
        insecure=args.insecure,
        kube_version=args.kube_version,
    )
    return serve(options, args.host, args.port, args.workers, args.tls_cert, args.tls_key, args.shutdown_timeout, args.log_level,
                 args.max_connections)


def _check_tls(cert: str, key: str) -> None:
    import ssl

    from kubevet.errors import UsageError

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except FileNotFoundError as exc:
        raise UsageError(f"cannot read {exc.filename}: no such file") from None
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"--tls-cert/--tls-key: cannot load the pair: {exc}") from None
