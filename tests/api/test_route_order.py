"""Which route takes a request: the specific ones before the generic FHIR patterns.

The routers are ordered for speed (the read's route early, hub/api/app.py); these are the
requests a generic pattern of the same method would also take, and where they must go.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module

import pytest
from starlette.routing import Match

from hub.api import create_app
from hub.config import Settings
from hub.store import open_store

CASES = [
    ("GET", "/fhir/AuditEvent/e1", "hub.api.routes.audit"),
    ("GET", "/fhir/OperationOutcome/r1", "hub.api.routes.quality"),
    ("GET", "/fhir/ViewDefinition/v1", "hub.api.routes.stats"),
    ("GET", "/fhir/Patient/$export", "hub.api.routes.export"),
    ("GET", "/fhir/$export-poll/j1", "hub.api.routes.export"),
    ("GET", "/fhir/Patient/p1", "hub.api.routes.rest"),
    ("GET", "/fhir/metadata", "hub.api.routes.rest"),
    ("GET", "/fhir/Patient/p1/_history", "hub.api.routes.rest"),
    ("GET", "/fhir/Patient/p1/$everything", "hub.api.routes.operations"),
    ("GET", "/fhir/Patient/p1/$timeline", "hub.api.routes.continuity"),
    ("POST", "/fhir/Patient/$validate", "hub.api.routes.operations"),
    ("POST", "/fhir/Patient/$match", "hub.api.routes.identity"),
    ("POST", "/fhir", "hub.api.routes.bundle"),
    ("PATCH", "/fhir/Patient/p1", "hub.api.routes.patch"),
    ("GET", "/fhir/Patient", "hub.api.routes.search"),
    ("GET", "/healthz", "hub.api.routes.health"),
]


def _taken_by(app: object, method: str, path: str) -> str:
    """The module of the router whose route takes the request (first full match, as Starlette)."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
    routers = {id(import_module(name).router): name for _m, _p, name in CASES}
    for route in app.router.routes:  # type: ignore[attr-defined]
        match, _child = route.matches(scope)
        if match == Match.FULL:
            return routers.get(id(getattr(route, "original_router", None)), repr(route))
    return "no route"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The hub's app, once for the module: routing does not depend on the database."""
    root = tmp_path_factory.mktemp("route_order")
    store = open_store(f"sqlite:///{root / 'hub.sqlite'}")
    yield create_app(Settings(data_dir=root), store)
    store.engine.dispose()


@pytest.mark.parametrize(("method", "path", "module"), CASES)
def test_each_request_goes_to_its_own_route(
    method: str, path: str, module: str, app: object
) -> None:
    assert _taken_by(app, method, path) == module
