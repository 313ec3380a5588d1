"""The FastAPI application: wiring of settings, store, routers and the error handler."""

from __future__ import annotations

from fastapi import FastAPI

from hub.api.errors import install_error_handlers
from hub.api.export import ExportManager
from hub.api.routes import bundle, export, health, operations, quality, rest, search
from hub.api.routes import continuity as continuity_routes
from hub.api.single_reads import SingleReads
from hub.config import Settings
from hub.store import FhirStore
from hub.web import routes as web_routes

__all__ = ["create_app"]


def create_app(settings: Settings, store: FhirStore) -> FastAPI:
    """The hub's HTTP application over an open store."""
    app = FastAPI(
        title="carehub",
        summary="Continuity-of-care hub: FHIR R4B API for community mental-health care",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.exports = ExportManager(store, settings.data_dir)
    app.state.reads = SingleReads(store)
    install_error_handlers(app)
    # Order matters: routes with literal segments ($export, $everything, metadata) come
    # before the generic /fhir/{type} and /fhir/{type}/{id} patterns.
    app.include_router(health.router)
    app.include_router(quality.router)
    app.include_router(continuity_routes.router)
    app.include_router(web_routes.router)
    app.include_router(export.router)
    app.include_router(operations.router)
    app.include_router(bundle.router)
    app.include_router(rest.router)
    app.include_router(search.router)
    return app
