"""TLS certificates that change under a running server (cert-manager rotates them).

The server's ``ssl.SSLContext`` is live: ``load_cert_chain`` on it applies to every new
handshake, while connections already open keep the session they negotiated, so nothing is
dropped. ``Watch.refresh()`` (called every few seconds by each worker) reloads the pair
when either file's size, mtime or inode changes. A pair caught half-written (the key no
longer matches the certificate) fails to load: the old one stays and the next tick retries.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass


@dataclass
class Watch:
    context: ssl.SSLContext
    certfile: str
    keyfile: str
    signature: tuple = ()
    error: str | None = None

    def __post_init__(self) -> None:
        self.signature = self._stat()

    def _stat(self) -> tuple:
        out = []
        for path in (self.certfile, self.keyfile):
            try:
                st = os.stat(path)
                out.append((st.st_size, st.st_mtime_ns, st.st_ino))
            except OSError:
                out.append(None)
        return tuple(out)

    def refresh(self) -> str | None:
        """Reload when the files changed: "reloaded", "failed", or None (no change)."""
        now = self._stat()
        if now == self.signature:
            return None
        try:
            self.context.load_cert_chain(self.certfile, self.keyfile)
        except (OSError, ssl.SSLError, ValueError) as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            return "failed"  # keep the old pair; try again at the next change or tick
        self.signature = now
        self.error = None
        return "reloaded"


def harden(context: ssl.SSLContext) -> None:
    """TLS 1.2 at least, as the API server's own client requires."""
    context.minimum_version = ssl.TLSVersion.TLSv1_2


WATCH: Watch | None = None  # this worker's live context, set when the server loads its config
