"""Connections to `docsearch serve --workers N` answer without Nagle's delay.

uvicorn's worker processes accept on a socket bound without a protocol
number, which asyncio does not recognise as TCP: without ``NoDelayHTTP``
each response on a kept-alive connection waited 40 ms for the client's
delayed acknowledgement (`bench/perf.py` showed 52 ms per request).
"""

from __future__ import annotations

import asyncio
import socket

import pytest
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from docsearch.web.asgi import NoDelayHTTP


async def _app(scope, receive, send) -> None:  # pragma: no cover - never reached
    raise AssertionError


def nodelay_on_accepted_connection(protocol: type[H11Protocol]) -> int:
    async def main() -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # bound as uvicorn does for its workers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        config = uvicorn.Config(_app, log_level="error")
        config.load()
        state = ServerState()
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        accepted: list[asyncio.BaseTransport] = []

        class Observed(protocol):  # type: ignore[misc, valid-type]
            def connection_made(self, transport: asyncio.Transport) -> None:
                super().connection_made(transport)
                accepted.append(transport)
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        server = await asyncio.get_running_loop().create_server(
            lambda: Observed(config=config, server_state=state, app_state={}), sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname())
        try:
            return await asyncio.wait_for(seen, 5)
        finally:
            for transport in accepted:
                transport.close()
            writer.close()
            await writer.wait_closed()
            server.close()
            await server.wait_closed()

    return asyncio.run(main())


def test_worker_connections_have_nagle_off() -> None:
    assert nodelay_on_accepted_connection(NoDelayHTTP) != 0


def test_without_it_asyncio_leaves_nagle_on() -> None:
    # The case NoDelayHTTP is for: if asyncio starts setting the option itself, it can go.
    if nodelay_on_accepted_connection(H11Protocol) != 0:
        pytest.skip("this Python sets TCP_NODELAY on such sockets by itself")
    assert nodelay_on_accepted_connection(H11Protocol) == 0
