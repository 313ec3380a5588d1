"""An app factory for ASGI servers run from the command line (``uvicorn --factory``).

``hub serve`` runs one process; a deployment that wants several worker processes runs
``uvicorn hub.api.asgi:app --factory --workers N --http hub.api.asgi:NoDelayHttpToolsProtocol``
(each worker calls this factory). ``hub serve --workers N`` runs the same factory under
uvicorn's supervisor with one listening socket per worker (``hub.commands.listening``), so
connections opened together spread over the workers instead of bunching on one.
"""

from __future__ import annotations

import asyncio
import socket

from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hub.api.app import create_app
from hub.canonical import load_canonical_resources
from hub.config import load_settings
from hub.security.at_rest import field_sealer
from hub.store import open_store

__all__ = ["NoDelayHttpToolsProtocol", "app"]


def app() -> FastAPI:
    """Read the settings, open (and migrate) the store, load the definitions, build the app."""
    settings = load_settings()
    store = open_store(settings.effective_database_url, sealer=field_sealer(settings))
    load_canonical_resources(store)
    return create_app(settings, store)


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools HTTP/1.1 protocol with Nagle's algorithm off on every connection.

    With ``--workers N`` uvicorn creates the listening socket itself with protocol 0, so
    asyncio does not set TCP_NODELAY on accepted connections; a response written in two
    pieces then waits for the client's delayed ACK (about 40 ms per request on loopback).
    Use with ``--http hub.api.asgi:NoDelayHttpToolsProtocol``.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Turn Nagle off, then carry on as uvicorn does."""
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
