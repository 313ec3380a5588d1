"""Serving the API over an open store: one process, or N uvicorn worker processes."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hub.commands.listening import listening_socket
from hub.config import Settings
from hub.store import FhirStore

__all__ = ["serve_store"]

#: How long a worker may take to answer uvicorn's health ping before it is replaced.
WORKER_HEALTHCHECK_SECONDS = 60

#: The app factory every worker process calls (it reads the settings and opens the store).
APP_FACTORY = "hub.api.asgi:app"


def serve_store(settings: Settings, store: FhirStore, *, workers: int = 1) -> None:
    """Run uvicorn with the hub's app until interrupted; ``workers`` > 1 forks processes."""
    import uvicorn

    if workers > 1:
        _serve_workers(settings, store, workers)
        return

    from hub.api import create_app

    uvicorn.run(
        create_app(settings, store),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
    )


def _serve_workers(settings: Settings, store: FhirStore, workers: int) -> None:
    """uvicorn's process manager over the app factory: each worker builds its own app.

    Workers are spawned, so they read their settings the way this process did; the
    listen address given on the command line reaches them through uvicorn's env file
    (the public base URL derives from it). The store opened here only migrated the
    schema; its connections are closed so no worker inherits them. Each worker listens
    on a socket of its own (``ReusePortSocket``) where the system can share a port.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from hub.api.asgi import NoDelayHttpToolsProtocol

    store.engine.dispose()
    with tempfile.TemporaryDirectory(prefix="hub-serve-") as scratch:
        env_file = Path(scratch) / "listen.env"
        env_file.write_text(f"HUB_HOST={settings.host}\nHUB_PORT={settings.port}\n")
        config = uvicorn.Config(
            APP_FACTORY,
            factory=True,
            workers=workers,
            env_file=env_file,
            host=settings.host,
            port=settings.port,
            # asyncio turns Nagle off only on sockets it knows are TCP; this protocol
            # does it on every accepted connection (see hub/api/asgi.py).
            http=NoDelayHttpToolsProtocol,
            log_level=settings.log_level.lower(),
            access_log=False,
            # A worker answers the supervisor's health ping only once its imports are
            # done; uvicorn's 5 s default killed and respawned workers in a loop on a
            # busy machine (seen with bench/api.py at load average 10).
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )
        sock = listening_socket(settings.host, settings.port)
        Multiprocess(config, sockets=[sock]).run()
