"""The webhook as an ASGI application: /validate, /healthz, /readyz, /metrics.

Served by uvicorn (see kubevet.serve.server and docs/admission.md for why). Each worker
process builds its own ``App`` from the options ``kubevet serve`` passes in the
environment (``create_app`` is the factory uvicorn calls), so every worker has the rules,
the configuration and the context loaded before it answers anything.

HTTP answers:

- ``POST /validate`` with an AdmissionReview: 200 and an AdmissionReview (allowed, denied
  with a status, or warnings); 400 for a body that is not JSON or not an answerable
  AdmissionReview (wrong apiVersion or kind, no uid); 413 for a body over the limit; 408
  when the body does not arrive in time; 415 when it is not sent as JSON.
- ``GET /healthz``: 200 while the process serves. ``GET /readyz``: 200 once the rules, the
  configuration, the context and (unless --insecure) the TLS certificates are loaded, 503
  during shutdown. ``GET /metrics``: Prometheus text format.
- Anything else: 404, or 405 for a known path with the wrong method.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from dataclasses import dataclass

import orjson

from kubevet.serve import logs, metrics, tls
from kubevet.serve.context import Context
from kubevet.serve.judge import Judge
from kubevet.serve.review import review
from kubevet.serve.settings import ServeSettings

OPTIONS_ENV = "KUBEVET_SERVE_OPTIONS"


@dataclass
class Options:
    """What ``kubevet serve`` passes to every worker (as JSON in the environment)."""

    config: str | None = None
    no_config: bool = False
    context: tuple[str, ...] = ()
    max_body: int = 8 << 20
    body_timeout: float = 10.0
    reload_interval: float = 2.0
    insecure: bool = False
    kube_version: str | None = None


class App:
    def __init__(self, options: Options, config, settings: ServeSettings, context: Context) -> None:
        self.options = options
        self.judge = Judge(config)
        self.settings = settings
        self.context = context
        self.ready = False
        self.stopping = False
        self._watcher: asyncio.Task | None = None
        self._warm_up()

    def _warm_up(self) -> None:
        """Judge a sample of each common kind once, so that every rule module and schema is
        loaded before /readyz says ready and the first real request is as fast as the rest."""
        pod = {"containers": [{"name": "warm-up", "image": "example.invalid/warm-up:1"}]}
        samples = [
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "warm-up", "namespace": "default"}, "spec": pod},
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "warm-up", "namespace": "default"},
             "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": pod}}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "warm-up", "namespace": "default"},
             "spec": {"selector": {"a": "b"}, "ports": [{"port": 80}]}},
        ]
        for obj in samples:
            self.judge.judge(obj, self.context.state)
        # the rules, schemas and context loaded now live as long as the worker: move them out
        # of the cyclic GC's reach, so that its full collections stay short (no latency spikes)
        gc.collect()
        gc.freeze()

    async def __call__(self, scope, receive, send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    # --- lifespan: start and stop the reload watcher
    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.ready = self.options.insecure or tls.WATCH is not None
                self._watcher = asyncio.get_running_loop().create_task(self._watch())
                logs.log("worker ready", pid=os.getpid(), rules=len(self.judge.rules),
                         contextObjects=self.context.objects, tls=not self.options.insecure)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.ready = False
                self.stopping = True
                if self._watcher is not None:
                    self._watcher.cancel()
                logs.log("worker stopped", pid=os.getpid())
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.options.reload_interval)
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - the watcher must outlive any one failure
                logging.getLogger(logs.LOGGER).exception("reload failed")

    def refresh(self) -> None:
        """Reload the TLS pair and the context manifests when their files changed."""
        watch = tls.WATCH
        if watch is not None:
            outcome = watch.refresh()
            if outcome is not None:
                metrics.RELOADS.labels("tls", outcome).inc()
                level = logging.INFO if outcome == "reloaded" else logging.ERROR
                logs.log(f"tls certificate {outcome}", level, pid=os.getpid(), certFile=watch.certfile, error=watch.error)
        if self.context.changed():
            try:
                fresh = Context.load(self.context.paths, self.judge.config)
            except Exception as exc:  # noqa: BLE001 - keep serving with the previous context
                self.context.signature = _fresh_signature(self.context)
                metrics.RELOADS.labels("context", "failed").inc()
                logs.log("context reload failed; keeping the previous context", logging.ERROR, error=str(exc))
                return
            self.context = fresh
            metrics.RELOADS.labels("context", "reloaded").inc()
            logs.log("context reloaded", pid=os.getpid(), contextObjects=fresh.objects)

    # --- HTTP
    async def _http(self, scope, receive, send) -> None:
        path, method = scope["path"], scope["method"]
        if path == "/validate":
            if method != "POST":
                return await _plain(send, 405, "use POST\n", [(b"allow", b"POST")])
            return await self._validate(scope, receive, send)
        if path in ("/healthz", "/readyz", "/metrics"):
            if method not in ("GET", "HEAD"):
                return await _plain(send, 405, "use GET\n", [(b"allow", b"GET, HEAD")])
            if path == "/healthz":
                return await _plain(send, 200, "ok\n")
            if path == "/readyz":
                if self.ready and not self.stopping:
                    return await _plain(send, 200, "ready\n")
                return await _plain(send, 503, "not ready\n")
            return await _send(send, 200, metrics.exposition(), metrics.CONTENT_TYPE)
        return await _plain(send, 404, "not found: kubevet serves /validate, /healthz, /readyz and /metrics\n")

    async def _validate(self, scope, receive, send) -> None:
        started = time.perf_counter()
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if ctype != b"application/json":
            return await self._fail(send, 415, "send the AdmissionReview as Content-Type: application/json")
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.options.max_body):
            return await self._fail(send, 413, f"the body is over the limit of {self.options.max_body} bytes")
        try:
            body = await asyncio.wait_for(_read(receive, self.options.max_body), self.options.body_timeout)
        except asyncio.TimeoutError:
            return await self._fail(send, 408, f"the body did not arrive within {self.options.body_timeout:g} s")
        except _TooLarge:
            return await self._fail(send, 413, f"the body is over the limit of {self.options.max_body} bytes")
        except _Disconnected:
            return
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return await self._fail(send, 400, f"the body is not valid JSON: {exc}")
        verdict = review(data, self.judge, self.settings, self.context)
        elapsed = time.perf_counter() - started
        if verdict.body is None:
            return await self._fail(send, verdict.status, verdict.error or "bad request")
        metrics.record(verdict, elapsed)
        for crash in verdict.crashes:
            logs.log("rule crashed", logging.ERROR, uid=verdict.uid, error=crash, policy=self.settings.on_rule_error)
        line = verdict.log()
        line["durationMs"] = round(elapsed * 1000, 3)
        logs.log("admission", logging.WARNING if verdict.verdict == "denied" else logging.INFO, **line)
        await _send(send, 200, orjson.dumps(verdict.body), "application/json")

    async def _fail(self, send, status: int, message: str) -> None:
        metrics.BAD_REQUESTS.labels(str(status)).inc()
        logs.log("bad request", logging.WARNING, status=status, error=message)
        await _plain(send, status, f"kubevet: {message}\n")


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


async def _read(receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send(send, status: int, body: bytes, content_type: str, extra=()) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _plain(send, status: int, text: str, extra=()) -> None:
    await _send(send, status, text.encode(), "text/plain; charset=utf-8", extra)


def _fresh_signature(context: Context) -> tuple:
    from kubevet.serve.context import signature

    return signature(context.paths)


def build(options: Options) -> App:
    """Load the configuration, the serve settings and the context: everything a worker needs.

    Raises KubevetError (ConfigError) with a message naming what is wrong.
    """
    from pathlib import Path

    from kubevet import api, config_file
    from kubevet.serve.settings import parse

    overrides = {"kube-version": options.kube_version} if options.kube_version else None
    config = api.load_config(options.config, no_config=options.no_config, overrides=overrides)
    raw: dict = {}
    if not options.no_config:  # the serve: section, which only kubevet serve reads
        found = Path(options.config) if options.config else config_file.find(Path.cwd())
        if found is not None:
            raw = config_file.load(found)[1]
    settings = parse(raw.get("serve"), f"{options.config or 'configuration'}: serve")
    context = Context.load(options.context, config)
    return App(options, config, settings, context)


def create_app() -> App:
    """The factory uvicorn calls in each worker: options from the environment."""
    raw = orjson.loads(os.environ.get(OPTIONS_ENV, "{}"))
    raw["context"] = tuple(raw.get("context") or ())
    return build(Options(**raw))
