"""Writes addressed by search (conditional update, patch, delete) need the write permission."""

from __future__ import annotations

import pytest

from hub.security.policy import requirement_for
from hub.security.roles import Role
from tests.security.conftest import TestClient, token_for

TYPE_ROUTE = "/fhir/{resource_type}"


@pytest.mark.parametrize(
    ("method", "subtype", "needs"),
    [
        ("PUT", "update", {("Observation", "s"), ("Observation", "c"), ("Observation", "u")}),
        ("PATCH", "update", {("Observation", "s"), ("Observation", "u")}),
        ("DELETE", "delete", {("Observation", "s"), ("Observation", "d")}),
        ("GET", "search-type", {("Observation", "s")}),
        ("POST", "create", {("Observation", "c")}),
    ],
)
def test_each_method_on_a_type_needs_its_own_permission(
    method: str, subtype: str, needs: set[tuple[str, str]]
) -> None:
    needed = requirement_for(TYPE_ROUTE, method, {"resource_type": "Observation"})
    assert needed.subtype == subtype
    assert set(needed.needs) == needs


@pytest.mark.parametrize("method", ["DELETE", "PATCH"])
def test_a_read_search_token_cannot_write_by_search(secure_app: TestClient, method: str) -> None:
    """user/Observation.rs may search Observations but not delete or patch them by search."""
    reader = {
        "Authorization": f"Bearer {token_for(Role.INTEGRATION_TEAM, scopes='user/Observation.rs')}"
    }
    answer = secure_app.request(
        method,
        "/fhir/Observation?code=x",
        headers={**reader, "Content-Type": "application/json-patch+json"},
        content=b"[]" if method == "PATCH" else None,
    )
    assert answer.status_code == 403, answer.text
    assert answer.json()["resourceType"] == "OperationOutcome"
