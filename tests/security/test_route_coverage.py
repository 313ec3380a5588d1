"""No route escapes access control: each is guarded, or on the short list of open ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hub.api.auth import authorize
from hub.security.policy import PUBLIC_ROUTES
from tests.security.conftest import TestClient

#: Routes anyone may call: they hold no records (health, discovery, login, API docs).
OPEN = {
    "/healthz",
    "/.well-known/smart-configuration",
    "/auth/token",
    "/web/login",
    "/web/logout",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
}


def _routes(
    routes: list[Any], prefix: str = "", guarded: bool = False
) -> Iterator[tuple[str, bool]]:
    """(path, guarded) of every endpoint, through included routers."""
    for route in routes:
        context = getattr(route, "include_context", None)
        if context is not None:
            router = route.original_router
            here = guarded or any(
                d.dependency is authorize for d in [*context.dependencies, *router.dependencies]
            )
            yield from _routes(router.routes, prefix + context.prefix, here)
            continue
        dependant = getattr(route, "dependant", None)
        own = dependant is not None and any(d.call is authorize for d in dependant.dependencies)
        yield prefix + route.path, guarded or own


def test_every_route_is_guarded_or_knowingly_open(secure_app: TestClient) -> None:
    """A router added without ``dependencies=guarded`` fails here, naming its paths."""
    found = list(_routes(secure_app.app.routes))  # type: ignore[attr-defined]
    assert len(found) > 40
    unguarded = {path for path, guarded in found if not guarded}
    assert unguarded <= OPEN, sorted(unguarded - OPEN)
    assert "/healthz" in unguarded  # the walk tells guarded from open
    assert {path for path, guarded in found if guarded} >= PUBLIC_ROUTES
