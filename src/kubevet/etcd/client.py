"""One etcd endpoint over the v3 HTTP/JSON gateway, with errors that name the member.

The gateway maps each gRPC method to ``POST /v3/<service>/<method>`` with the request as
JSON. Its JSON is protobuf's: 64-bit integers arrive as strings, bytes as base64, and a
field at its zero value is absent, so every reader here treats a missing field as zero.
etcd 3.4 serves the same gateway under ``/v3/`` and ``/v3beta/`` (3.3 only under
``/v3beta/``, 3.5 only under ``/v3/``): the client asks ``/v3/`` first and falls back once
to ``/v3beta/`` on a 404, remembering which one answered.

Every failure becomes an ``EtcdError`` whose message says which endpoint failed and why in
words an operator can act on (refused, timed out, wrong CA, client certificate rejected,
plain HTTP spoken to an HTTPS port or the reverse, a reply that is not etcd's JSON).
"""

from __future__ import annotations

import base64
import json
import ssl

import httpx

from kubevet.etcd.connection import Settings

PREFIXES = ("/v3", "/v3beta")


class EtcdError(Exception):
    """A request to one endpoint failed; ``str()`` names the endpoint and the cause."""

    def __init__(self, endpoint: str, message: str, *, grpc_code: int | None = None) -> None:
        super().__init__(f"{endpoint}: {message}")
        self.endpoint = endpoint
        self.reason = message
        self.grpc_code = grpc_code


def b64(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return base64.b64encode(data).decode("ascii")


def unb64(text: str | None) -> bytes:
    return base64.b64decode(text or "")


def as_int(reply: dict, key: str, endpoint: str = "") -> int:
    """A protobuf-JSON integer field: a string or a number, absent meaning zero."""
    value = reply.get(key, 0)
    if isinstance(value, bool):
        raise EtcdError(endpoint, f"malformed reply: {key} is {value!r}, not a number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise EtcdError(endpoint, f"malformed reply: {key} is {value!r}, not a number") from None


def _describe_transport(exc: Exception, endpoint: str, timeout: float) -> str:
    """What went wrong under HTTP, from the exception chain (ssl and socket errors)."""
    text = " ".join(str(e) for e in _chain(exc))
    low = text.lower()
    if isinstance(exc, httpx.TimeoutException):
        kind = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for the reply"
        return f"timed out after {timeout:g}s {kind}"
    if "certificate_verify_failed" in low or "certificate verify failed" in low:
        detail = text.split("certificate verify failed:", 1)[-1].split("(_ssl")[0].strip(" )")
        return (f"TLS: the server's certificate was not accepted ({detail or 'verify failed'}); "
                "is --cacert the CA that signed it?")
    if "wrong_version_number" in low or "wrong version number" in low or "record layer failure" in low \
            or "packet length too long" in low or "http_request" in low:
        return "TLS handshake failed: the endpoint answers plain HTTP; use http:// for it (or enable TLS on etcd)"
    if any(s in low for s in ("alert_bad_certificate", "alert_unknown_ca", "certificate_required",
                              "alert_certificate", "alert bad certificate", "alert unknown ca",
                              "handshake_failure", "alert_handshake")):
        return "TLS: the server rejected the client certificate (check --cert/--key and the CA etcd trusts)"
    if "connection refused" in low or "errno 111" in low:
        return "connection refused (is etcd running and listening on this address?)"
    if "name or service not known" in low or "nodename nor servname" in low or "errno -2" in low:
        return "the host name does not resolve"
    if "without sending a response" in low and endpoint.startswith("http://"):
        return ("the server closed the connection without answering: is it a TLS port? "
                "use https:// and the TLS flags (--cacert, --cert, --key)")
    if isinstance(exc, httpx.RemoteProtocolError) or "incomplete" in low or "peer closed" in low:
        return "truncated or malformed HTTP reply (the connection closed mid-answer)"
    reset = "connection reset" in low or "errno 104" in low or "eof occurred" in low or "unexpected eof" in low
    if reset and endpoint.startswith("https://") and isinstance(exc, httpx.ConnectError):
        return ("TLS handshake failed (the connection was reset): the endpoint probably answers plain HTTP; "
                "use http:// for it")
    if reset and endpoint.startswith("http://"):
        # a TLS port given plain HTTP either closes without answering or resets the
        # connection, depending on how much of the request it had read: the same hint
        return ("the connection was reset without an answer: the member went away, or is it a TLS port? "
                "use https:// and the TLS flags (--cacert, --cert, --key)")
    if reset:
        return "the connection was reset (TLS mismatch, or the member went away)"
    return f"request failed: {text or type(exc).__name__}"


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


class Member:
    """The gateway of one endpoint; ``call()`` returns the reply's JSON object."""

    def __init__(self, endpoint: str, settings: Settings) -> None:
        self.endpoint = endpoint
        self.settings = settings
        self._prefix: str | None = None
        verify: ssl.SSLContext | bool = settings.tls() if endpoint.startswith("https://") else False
        self._http = httpx.Client(
            base_url=endpoint,
            verify=verify,
            timeout=httpx.Timeout(settings.command_timeout, connect=settings.dial_timeout),
            trust_env=False,  # no proxies from the environment: etcd is reached directly
            headers={"Content-Type": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Member:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transport -------------------------------------------------------------------------

    def _send(self, method: str, path: str, body: dict | None, timeout: float | None) -> httpx.Response:
        t = timeout if timeout is not None else self.settings.command_timeout
        try:
            return self._http.request(
                method, path,
                content=None if body is None else json.dumps(body),
                timeout=httpx.Timeout(t, connect=self.settings.dial_timeout),
            )
        except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
            raise EtcdError(self.endpoint, _describe_transport(exc, self.endpoint, t)) from None

    def call(self, path: str, body: dict | None = None, *, timeout: float | None = None) -> dict:
        """POST ``/v3<path>`` (``/v3beta<path>`` on etcd 3.3) and decode the JSON reply."""
        prefixes = (self._prefix,) if self._prefix else PREFIXES
        for prefix in prefixes:
            resp = self._send("POST", prefix + path, body or {}, timeout)
            if resp.status_code == 404 and self._prefix is None and prefix != PREFIXES[-1]:
                continue
            if resp.status_code != 404:
                self._prefix = prefix
            return self._decode(resp, path)
        raise EtcdError(self.endpoint, f"no v3 gateway here: {path} answers 404 under /v3 and /v3beta")

    def _decode(self, resp: httpx.Response, path: str) -> dict:
        text = resp.text
        if resp.status_code == 400 and "https server" in text.lower():
            raise EtcdError(self.endpoint, "the endpoint speaks HTTPS; use https:// and the TLS flags")
        try:
            reply = json.loads(text)
        except ValueError:
            snippet = text[:80].replace("\n", " ")
            raise EtcdError(self.endpoint,
                            f"malformed reply to {path} (HTTP {resp.status_code}, not JSON): {snippet!r}") from None
        if not isinstance(reply, dict):
            raise EtcdError(self.endpoint, f"malformed reply to {path}: a JSON {type(reply).__name__}, not an object")
        if resp.status_code != 200 or "error" in reply:
            message = reply.get("message") or reply.get("error") or f"HTTP {resp.status_code}"
            code = reply.get("code")
            raise EtcdError(self.endpoint, f"etcd refused {path}: {message}",
                            grpc_code=code if isinstance(code, int) else None)
        return reply

    def get_text(self, path: str, *, timeout: float | None = None, ok: tuple[int, ...] = (200,)) -> str:
        """A plain GET (``/metrics``, ``/health``), its body as text."""
        resp = self._send("GET", path, None, timeout)
        if resp.status_code == 400 and "https server" in resp.text.lower():
            raise EtcdError(self.endpoint, "the endpoint speaks HTTPS; use https:// and the TLS flags")
        if resp.status_code not in ok:
            raise EtcdError(self.endpoint, f"GET {path} answered HTTP {resp.status_code}")
        return resp.text

    # -- etcd's methods --------------------------------------------------------------------

    def status(self) -> dict:
        return self.call("/maintenance/status")

    def member_list(self) -> list[dict]:
        reply = self.call("/cluster/member/list")
        members = reply.get("members", [])
        if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
            raise EtcdError(self.endpoint, "malformed reply to /cluster/member/list: members is not a list")
        return members

    def alarms(self) -> list[dict]:
        reply = self.call("/maintenance/alarm", {"action": "GET"})
        alarms = reply.get("alarms", [])
        if not isinstance(alarms, list):
            raise EtcdError(self.endpoint, "malformed reply to /maintenance/alarm: alarms is not a list")
        return [a for a in alarms if isinstance(a, dict)]

    def disarm(self, member_id: int, alarm: str) -> None:
        self.call("/maintenance/alarm", {"action": "DEACTIVATE", "memberID": str(member_id), "alarm": alarm})

    def health(self) -> tuple[bool, str]:
        """etcd's own ``/health``: (healthy, reason). 3.4 says false while any alarm is raised."""
        text = self.get_text("/health", ok=(200, 503))  # 503 with {"health":"false"} when unhealthy
        try:
            reply = json.loads(text)
        except ValueError:
            raise EtcdError(self.endpoint, f"malformed reply to /health: {text[:80]!r}") from None
        if not isinstance(reply, dict) or "health" not in reply:
            raise EtcdError(self.endpoint, f"malformed reply to /health: {text[:80]!r}")
        healthy = str(reply.get("health")).lower() == "true"
        return healthy, str(reply.get("reason") or "")

    def metrics(self) -> str:
        return self.get_text("/metrics")

    def defragment(self) -> None:
        self.call("/maintenance/defragment", timeout=self.settings.defrag_timeout)

    def move_leader(self, target_id: int) -> None:
        """Ask this member (it must be the leader) to hand leadership to ``target_id``."""
        self.call("/maintenance/transfer-leadership", {"targetID": str(target_id)},
                  timeout=max(self.settings.command_timeout, 10.0))

    def compact(self, revision: int) -> None:
        self.call("/kv/compaction", {"revision": str(revision), "physical": True},
                  timeout=max(self.settings.command_timeout, 60.0))

    def range(self, key: str, *, serializable: bool = False, prefix: bool = False) -> dict:
        body: dict = {"key": b64(key)}
        if prefix:
            body["range_end"] = b64(prefix_end(key.encode()))
        if serializable:
            body["serializable"] = True
        return self.call("/kv/range", body)


def prefix_end(key: bytes) -> bytes:
    """The range end that covers every key starting with ``key`` (etcd's GetPrefixRangeEnd)."""
    end = bytearray(key)
    for i in range(len(end) - 1, -1, -1):
        if end[i] < 0xFF:
            end[i] += 1
            return bytes(end[: i + 1])
    return b"\x00"
