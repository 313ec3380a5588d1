"""The CapabilityStatement tells the truth: everything it advertises answers."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from tests.api.conftest import TestClient

_SAMPLE = {
    "token": "x",
    "uri": "http://example.org/x",
    "string": "x",
    "date": "ge2024-01-01",
    "reference": "x",
    "quantity": "5",
    "number": "5",
}
_STRICT = {"Prefer": "handling=strict"}


@pytest.fixture
def statement(api: TestClient) -> dict[str, Any]:
    """The hub's CapabilityStatement."""
    body: dict[str, Any] = api.get("/fhir/metadata").json()
    return body


def test_statement_is_valid_r4b(statement: dict[str, Any]) -> None:
    CapabilityStatement.model_validate(statement)
    codes = {i["code"] for i in statement["rest"][0]["interaction"]}
    assert {"transaction", "batch"} <= codes


def test_every_search_parameter_and_include_answers(
    api: TestClient, statement: dict[str, Any]
) -> None:
    for entry in statement["rest"][0]["resource"]:
        type_ = entry["type"]
        for param in entry["searchParam"]:
            value = _SAMPLE[param["type"]]
            response = api.get(f"/fhir/{type_}", params={param["name"]: value}, headers=_STRICT)
            assert response.status_code == 200, (type_, param, response.text)
        for include in entry.get("searchInclude", []):
            response = api.get(f"/fhir/{type_}?_include={include}", headers=_STRICT)
            assert response.status_code == 200, (type_, include, response.text)
        for include in entry.get("searchRevInclude", [])[:5]:
            response = api.get(f"/fhir/{type_}?_revinclude={include}", headers=_STRICT)
            assert response.status_code == 200, (type_, include, response.text)
        if "validate" not in {o["name"] for o in entry.get("operation", [])}:
            continue
        validate = api.post(
            f"/fhir/{type_}/$validate",
            content=b'{"resourceType":"%s"}' % type_.encode(),
            headers={"Content-Type": "application/fhir+json"},
        )
        assert validate.status_code == 200, type_


def test_unadvertised_types_and_operations_are_404(api: TestClient) -> None:
    assert api.get("/fhir/Medication").status_code == 404
    assert api.get("/fhir/Observation/x/$everything").status_code == 404


def test_read_only_types_declare_only_what_their_routes_answer(api: TestClient) -> None:
    """AuditEvent is append-only (405 on writes) and quality runs are OperationOutcomes."""
    statement = api.get("/fhir/metadata").json()
    entries = {r["type"]: r for r in statement["rest"][0]["resource"]}
    for rtype in ("AuditEvent", "OperationOutcome"):
        assert [i["code"] for i in entries[rtype]["interaction"]] == ["read", "search-type"]
    assert api.delete("/fhir/AuditEvent/x").status_code == 405
    assert api.get("/fhir/OperationOutcome").status_code == 200
