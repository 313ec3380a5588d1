"""Serving the API over an open store."""

from __future__ import annotations

from hub.config import Settings
from hub.store import FhirStore

__all__ = ["serve_store"]


def serve_store(settings: Settings, store: FhirStore) -> None:
    """Run uvicorn with the hub's app until interrupted."""
    import uvicorn

    from hub.api import create_app

    uvicorn.run(
        create_app(settings, store),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
    )
