"""How to reach etcd: the same flags and ETCDCTL_* variables as etcdctl.

A flag given on the command line wins over its environment variable (etcdctl does the same,
ignoring the variable). Files are checked here, before any request, so that a typo in a
path is a usage error (exit 2) rather than a TLS failure on the first member.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from kubevet.errors import UsageError

DEFAULT_ENDPOINT = "http://127.0.0.1:2379"  # etcdctl's default

# flag attribute -> environment variable (etcdctl 3.4 reads ETCDCTL_<FLAG NAME>)
ENV = {
    "endpoints": "ETCDCTL_ENDPOINTS",
    "cacert": "ETCDCTL_CACERT",
    "cert": "ETCDCTL_CERT",
    "key": "ETCDCTL_KEY",
    "insecure_skip_tls_verify": "ETCDCTL_INSECURE_SKIP_TLS_VERIFY",
    "dial_timeout": "ETCDCTL_DIAL_TIMEOUT",
    "command_timeout": "ETCDCTL_COMMAND_TIMEOUT",
}


@dataclass(frozen=True)
class Settings:
    endpoints: tuple[str, ...] = (DEFAULT_ENDPOINT,)
    cacert: str | None = None
    cert: str | None = None
    key: str | None = None
    insecure_skip_tls_verify: bool = False
    dial_timeout: float = 2.0  # seconds to connect (etcdctl --dial-timeout)
    command_timeout: float = 5.0  # seconds per request (etcdctl --command-timeout)
    defrag_timeout: float = 300.0  # seconds for one member's defragmentation
    cluster: bool = False  # discover every member from the member list
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False, repr=False)

    def tls(self) -> ssl.SSLContext:
        """The SSL context for https endpoints (built once: loading certificates is not free)."""
        assert self.ssl_context is not None
        return self.ssl_context


def parse_duration(text: str, what: str) -> float:
    """etcdctl durations (``2s``, ``500ms``, ``1m``) or plain seconds, as seconds."""
    value = str(text).strip()
    units = (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0))
    for suffix, scale in units:
        if value.endswith(suffix) and value[: -len(suffix)].replace(".", "", 1).isdigit():
            return float(value[: -len(suffix)]) * scale
    try:
        seconds = float(value)
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not a duration (e.g. 5s, 500ms, 2m)") from None
    if seconds <= 0:
        raise UsageError(f"{what}: must be above zero, not {text!r}")
    return seconds


def _flag_or_env(args, name: str, environ) -> object:
    value = getattr(args, name, None)
    if value is None or value is False:
        env = environ.get(ENV[name])
        if env not in (None, ""):
            return env
    return value


def _named(args, name: str) -> str:
    """How an error names a setting: the flag when it was given, else its ETCDCTL_ variable."""
    value = getattr(args, name, None)
    return "--" + name.replace("_", "-") if value is not None and value is not False else ENV[name]


def _truthy(value: object, what: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise UsageError(f"{what}: {value!r} is not true or false")


def normalize_endpoint(raw: str, secure: bool, what: str = "--endpoints") -> str:
    """``host:port`` gets a scheme (https when TLS files are given, as etcdctl does)."""
    text = raw.strip().rstrip("/")
    if "://" not in text:
        text = ("https://" if secure else "http://") + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{what}: {raw!r} is not an http(s) URL or host:port")
    try:
        parts.port
    except ValueError:
        raise UsageError(f"{what}: {raw!r} has a bad port") from None
    return f"{parts.scheme}://{parts.netloc}"


def build_ssl_context(cacert: str | None, cert: str | None, key: str | None, insecure: bool,
                      names: dict[str, str] | None = None) -> ssl.SSLContext:
    """The client's TLS: the given CA (else the system's), the client certificate if any.
    ``names`` says how errors name each file (the flag, or the ETCDCTL_ variable it came from)."""
    names = {"cacert": "--cacert", "cert": "--cert", "key": "--key", **(names or {})}
    for name, path in (("cacert", cacert), ("cert", cert), ("key", key)):
        if path is not None and not Path(path).is_file():
            raise UsageError(f"{names[name]}: {path}: no such file")
    if (cert is None) != (key is None):
        raise UsageError(f"{names['cert']} and {names['key']} go together: give both or neither")
    ctx = ssl.create_default_context(cafile=cacert) if cacert else ssl.create_default_context()
    if insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert is not None:
        try:
            ctx.load_cert_chain(cert, key)
        except (ssl.SSLError, OSError) as exc:
            raise UsageError(f"{names['cert']}/{names['key']}: cannot load {cert} with {key}: {exc}") from None
    return ctx


def settings_from_args(args, environ=None) -> Settings:
    """Settings from parsed arguments, with ETCDCTL_* variables filling what was not given."""
    environ = os.environ if environ is None else environ
    try:
        cacert = _flag_or_env(args, "cacert", environ)
        cert = _flag_or_env(args, "cert", environ)
        key = _flag_or_env(args, "key", environ)
        insecure = _truthy(_flag_or_env(args, "insecure_skip_tls_verify", environ),
                           _named(args, "insecure_skip_tls_verify"))
        names = {n: _named(args, n) for n in ("cacert", "cert", "key")}
        ctx = build_ssl_context(cacert, cert, key, insecure, names)
    except ssl.SSLError as exc:
        raise UsageError(f"{_named(args, 'cacert')}: {exc}") from None
    raw = _flag_or_env(args, "endpoints", environ) or DEFAULT_ENDPOINT
    secure = bool(cacert or cert)
    where = _named(args, "endpoints")
    endpoints = tuple(dict.fromkeys(normalize_endpoint(e, secure, where) for e in str(raw).split(",") if e.strip()))
    if not endpoints:
        raise UsageError(f"{where}: no endpoint given")
    dial = _flag_or_env(args, "dial_timeout", environ)
    command = _flag_or_env(args, "command_timeout", environ)
    defrag = getattr(args, "defrag_timeout", None)
    return Settings(
        endpoints=endpoints,
        cacert=cacert,
        cert=cert,
        key=key,
        insecure_skip_tls_verify=insecure,
        dial_timeout=parse_duration(dial, _named(args, "dial_timeout")) if dial else 2.0,
        command_timeout=parse_duration(command, _named(args, "command_timeout")) if command else 5.0,
        defrag_timeout=parse_duration(defrag, "--defrag-timeout") if defrag else 300.0,
        cluster=bool(getattr(args, "cluster", False)),
        ssl_context=ctx,
    )
