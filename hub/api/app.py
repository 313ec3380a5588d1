"""The FastAPI application: wiring of settings, store, routers and the error handler."""

from __future__ import annotations

import logging

from fastapi import Depends, FastAPI

from hub.api.auth import AuditMiddleware, authorize
from hub.api.client_status import ClientStatusCache
from hub.api.edge import EdgeGuard
from hub.api.errors import install_error_handlers
from hub.api.export import ExportManager
from hub.api.privacy import IdentifierMasking
from hub.api.routes import (
    audit,
    auth,
    bundle,
    export,
    health,
    operations,
    patch,
    quality,
    rest,
    search,
)
from hub.api.routes import continuity as continuity_routes
from hub.api.routes import identity as identity_routes
from hub.api.routes import stats as stats_routes
from hub.api.single_reads import SingleReads
from hub.api.token_cache import CachingTokenService
from hub.config import DEFAULT_SECRET, Settings
from hub.security.audit import AuditLog
from hub.security.masking import install_log_masking
from hub.store import FhirStore
from hub.web import routes as web_routes

__all__ = ["create_app"]

log = logging.getLogger("hub.api")


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
    if settings.auth.enabled and settings.secret_key.get_secret_value() == DEFAULT_SECRET:
        # Anyone who reads the source could sign tokens with the default key.
        log.warning("HUB_SECRET_KEY is the default: set your own before real patient data")
    app.state.tokens = CachingTokenService(settings.auth, settings.secret_key.get_secret_value())
    app.state.client_status = ClientStatusCache(
        store.engine, settings.auth.revocation_check_seconds
    )
    app.state.audit = AuditLog(store.engine, settings.auth.audit_flush_seconds)
    # Write the last batch and stop the audit thread when the server stops.
    app.router.on_shutdown.append(app.state.audit.close)
    install_log_masking()
    install_error_handlers(app)
    app.add_middleware(IdentifierMasking)
    app.add_middleware(AuditMiddleware, audit=app.state.audit)
    app.add_middleware(EdgeGuard, max_body_bytes=settings.auth.max_body_bytes)
    # Every router that reaches records goes through `authorize` (scopes, compartment,
    # audit); only health, discovery, login and metadata are open.
    guarded = [Depends(authorize)]
    # Order matters twice. A route that a generic FHIR pattern would also take for the same
    # method (GET /fhir/AuditEvent/{id}, /fhir/OperationOutcome/{id}, /fhir/ViewDefinition/{id},
    # /fhir/Patient/$export, /fhir/$export-poll/{job}) comes before rest's /fhir/{type}/{id}.
    # Every other router comes after it: FastAPI (0.165) tries every route ahead of the one
    # that matches, and a read is the hub's most frequent request.
    # None of those later routes shares a path and method with a route of rest, patch or
    # search, so the request each of them takes is the same in either order.
    app.include_router(audit.router)
    app.include_router(quality.router, dependencies=guarded)
    app.include_router(stats_routes.router, dependencies=guarded)
    app.include_router(export.router, dependencies=guarded)
    app.include_router(rest.router, dependencies=guarded)
    app.include_router(operations.router, dependencies=guarded)
    app.include_router(bundle.router, dependencies=guarded)
    app.include_router(continuity_routes.router, dependencies=guarded)
    app.include_router(identity_routes.router, dependencies=guarded)
    app.include_router(patch.router, dependencies=guarded)
    app.include_router(search.router, dependencies=guarded)
    app.include_router(web_routes.router, dependencies=guarded)
    app.include_router(health.router)
    app.include_router(auth.router)
    return app
