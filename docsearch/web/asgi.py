"""The application for a server with several worker processes
(``docsearch serve --workers N``): each worker builds it from the
environment, which the ``serve`` command has filled from its options."""

from __future__ import annotations

import socket
from typing import Any

from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

from docsearch.config import Settings
from docsearch.search.service import SearchService
from docsearch.search.shared_results import SharedResults
from docsearch.web.app import create_app


def app() -> Starlette:
    """Each worker keeps its result pages and shares them with the others
    (``search/shared_results.py``)."""
    settings = Settings.from_env()
    return create_app(settings, SearchService(settings, shared=SharedResults.in_instance(settings.instance_dir)))


class NoDelayHTTP(H11Protocol):
    """HTTP/1.1 with Nagle's algorithm off on every connection.

    asyncio turns it off only on sockets it recognises as TCP; the sockets
    uvicorn's worker processes accept from the shared listener are not, and a
    response written in two parts then waited for the client's delayed
    acknowledgement: 40 ms more for every request on a kept-alive connection.
    """

    def connection_made(self, transport: Any) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        super().connection_made(transport)
