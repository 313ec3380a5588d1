"""The listening socket of ``hub serve --workers N``: one per worker where the system allows.

With one listening socket shared by every worker, a new connection wakes them all and the
first to run accepts every connection waiting, up to its backlog, in one go (asyncio's
accept loop). Keep-alive clients that connect together then bunch on one worker: 32
connections opened at once split 29/3, 27/5, 23/9 or 16/16 between two workers (measured
with ``ss``), and ``bench/api.py``'s read at concurrency 32 alternated between about 820 and
1,600 requests/s on the same code, depending on the split. With ``SO_REUSEPORT`` each worker
listens on a socket of its own bound to the same address, and Linux hashes each new
connection to one of them: the split is even on average, whoever happens to be awake.

uvicorn binds one socket in the supervisor and hands it to the spawned workers (it pickles
it into each). ``ReusePortSocket`` is that socket, bound in the supervisor (so a port in use
fails before any worker starts, and port 0 is resolved once), that pickles as its address:
each worker unpickles it into a new socket of its own on that address. uvicorn's supervisor
(health pings, restarts, signals) stays as it is.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

from hub.config import ConfigurationError

__all__ = ["ReusePortSocket", "listening_socket", "reuse_port_socket"]


def _bound(family: int, host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A TCP socket bound to (host, port), not yet listening; a clear error if it cannot be."""
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigurationError(
            f"HUB_HOST/HUB_PORT: the hub cannot listen on {host}:{port} ({exc.strerror})."
        ) from None
    return sock


def _family(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def reuse_port_socket(family: int, host: str, port: int) -> socket.socket:
    """A worker's own socket on the supervisor's address (what a ReusePortSocket unpickles to)."""
    sock = _bound(family, host, port, reuse_port=True)
    sock.set_inheritable(True)
    return sock


class ReusePortSocket(socket.socket):
    """A socket bound with SO_REUSEPORT that a spawned worker receives as a socket of its own.

    multiprocessing sends the sockets a child needs by duplicating their descriptor (its
    reducer is registered for ``socket.socket`` exactly); a subclass falls back to
    ``__reduce__``, which here names the address instead of the descriptor.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        """Unpickle as a new socket on the same address, not as this socket's descriptor."""
        host, port = self.getsockname()[:2]
        return (reuse_port_socket, (int(self.family), host, port))


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket the supervisor hands to its workers: per-worker on Linux, shared elsewhere.

    Only Linux spreads connections over sockets that share a port (macOS and the BSDs give
    them all to one); elsewhere every worker shares this one socket, as uvicorn does.
    """
    family = _family(host)
    # Bound first without SO_REUSEPORT: a port another server (another hub too) listens on
    # is refused here, instead of being shared with it in silence.
    sock = _bound(family, host, port, reuse_port=False)
    if sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT"):
        port = sock.getsockname()[1]  # port 0 resolved once for every worker
        sock.close()
        sock = _bound(family, host, port, reuse_port=True)
        return ReusePortSocket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, sock.detach())
    sock.set_inheritable(True)
    return sock
