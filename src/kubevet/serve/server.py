"""Run the webhook: uvicorn, TLS from files (reloaded live), N worker processes, JSON logs.

Why uvicorn: measured against granian and hypercorn on this workload (docs/admission.md,
benchmarks/bench_serve.py), its CPU per request is within about 10% of granian's (judging
the object is most of the cost) and below hypercorn's, and its TLS is Python's ``ssl``
module, whose live ``SSLContext`` reloads a rotated certificate for new handshakes without
dropping open connections. Workers share one listening socket
(uvicorn's multiprocess supervisor restarts one that dies). SIGTERM stops accepting, lets
in-flight requests finish (up to --shutdown-timeout), then exits 0.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import tempfile

import orjson

from kubevet.serve import logs, tls
from kubevet.serve.app import OPTIONS_ENV, Options, build


def _ssl_context(config, default_factory):
    """uvicorn's SSLContext, hardened and registered for live reloads in this worker."""
    context = default_factory()
    tls.harden(context)
    tls.WATCH = tls.Watch(context, config.ssl_certfile, config.ssl_keyfile)
    return context


def _stopped(signum, frame) -> None:
    pass


def run(
    options: Options,
    host: str,
    port: int,
    workers: int,
    certfile: str | None,
    keyfile: str | None,
    shutdown_timeout: float,
    log_level: str = "info",
    max_connections: int = 1000,
) -> int:
    import uvicorn

    app = build(options)  # fail here, in the parent, on a bad configuration or context
    os.environ[OPTIONS_ENV] = orjson.dumps(dataclasses.asdict(options)).decode()
    metrics_dir = None
    if workers > 1:
        metrics_dir = tempfile.mkdtemp(prefix="kubevet-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        app = None  # each worker builds its own, from the environment
    config = uvicorn.Config(
        app if app is not None else "kubevet.serve.app:create_app",
        factory=app is None,
        host=host,
        port=port,
        workers=workers,
        ssl_certfile=None if options.insecure else certfile,
        ssl_keyfile=None if options.insecure else keyfile,
        ssl_context_factory=None if options.insecure else _ssl_context,
        log_config=logs.config(log_level),
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=shutdown_timeout,
        timeout_keep_alive=30,
        # uvicorn counts the connection asking too: N + 1 serves N at once, the next gets 503
        limit_concurrency=max_connections + 1,
        http="kubevet.serve.protocol:Protocol",  # httptools, with a deadline for headers
        loop="uvloop",
        lifespan="on",
    )
    # uvicorn re-raises the signal that stopped it once it has shut down; after a graceful
    # shutdown the process exits 0 instead of dying by that signal
    signal.signal(signal.SIGTERM, _stopped)
    signal.signal(signal.SIGINT, _stopped)
    try:
        server = uvicorn.Server(config)
        if workers > 1:
            from uvicorn.supervisors import Multiprocess

            sock = config.bind_socket()
            Multiprocess(config, sockets=[sock]).run()
        else:
            server.run()
            if not server.started:
                return 2
    finally:
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0
