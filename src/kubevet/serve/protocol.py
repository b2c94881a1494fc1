"""uvicorn's HTTP protocol (httptools) with a deadline for a request's headers.

uvicorn times out a keep-alive connection that sits idle after a response, but not one
whose request headers never finish arriving (a slowloris client). This subclass arms the
same timer whenever no request is in progress: on a new connection, and after data that
did not complete a request's headers. A connection that does not deliver its headers
within ``--body-timeout`` seconds is closed. The body has its own deadline in the
application (408).
"""

from __future__ import annotations

import os
from functools import lru_cache

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


@lru_cache(maxsize=1)
def _deadline() -> float:
    from kubevet.serve.app import OPTIONS_ENV

    return float(orjson.loads(os.environ.get(OPTIONS_ENV, "{}")).get("body_timeout", 10.0))


class Protocol(HttpToolsProtocol):
    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is None or self.cycle.response_complete:
            self._arm_header_deadline()  # still waiting for a request's headers

    def _arm_header_deadline(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self._unset_keepalive_if_required()
        self.timeout_keep_alive_task = self.loop.call_later(_deadline(), self.timeout_keep_alive_handler)
