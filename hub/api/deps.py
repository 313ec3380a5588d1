"""FastAPI dependencies as ``Annotated`` aliases: what a route needs, handed in.

They are ``async``: FastAPI runs a sync dependency in the thread pool, one thread hop per
dependency per request, which cost more than the whole read of a resource.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hub.api.export import ExportManager
from hub.api.single_reads import SingleReads
from hub.config import Settings
from hub.security.errors import Forbidden
from hub.security.roles import Principal
from hub.security.scopes import allows
from hub.store import FhirStore

__all__ = ["ExportsDep", "ReadsDep", "SettingsDep", "StoreDep", "require_permission"]


async def _store(request: Request) -> FhirStore:
    store: FhirStore = request.app.state.store
    return store


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[FhirStore, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]


async def _exports(request: Request) -> ExportManager:
    exports: ExportManager = request.app.state.exports
    return exports


ExportsDep = Annotated[ExportManager, Depends(_exports)]


async def _reads(request: Request) -> SingleReads:
    reads: SingleReads = request.app.state.reads
    return reads


ReadsDep = Annotated[SingleReads, Depends(_reads)]


def require_permission(principal: Principal, resource_type: str, permission: str) -> None:
    """403 unless the caller's scopes allow ``permission`` (c, r, u, d, s) on the type.

    Conditional delete and patch share their route template with search, so the route
    policy asks only for search there; the write they do needs its own permission too.
    """
    if not allows(principal.scopes, resource_type, permission):
        raise Forbidden(f"The token's scopes do not allow {permission!r} on {resource_type}.")
