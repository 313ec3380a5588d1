"""``_include=*`` and ``_revinclude=*`` (with ``:iterate``) against references followed here.

Every reference in the data sits at a reference search parameter's path, so "every
reference the resource holds" (computed below by walking the JSON) is what ``*`` means.
"""

from __future__ import annotations

from typing import Any

import pytest

from hub.api.capability import READ_ONLY_TYPES
from hub.store import FhirStore
from tests.api.conftest import TestClient, ids

_GRAPH: list[dict[str, Any]] = [
    {"resourceType": "Organization", "id": "org", "name": "Station"},
    {"resourceType": "Practitioner", "id": "dr", "name": [{"family": "Sun"}]},
    {
        "resourceType": "Patient",
        "id": "a",
        "generalPractitioner": [{"reference": "Practitioner/dr"}],
        "managingOrganization": {"reference": "Organization/org"},
    },
    {"resourceType": "Patient", "id": "b"},
    {
        "resourceType": "Encounter",
        "id": "e1",
        "status": "finished",
        "class": {"code": "AMB"},
        "subject": {"reference": "Patient/a"},
        "serviceProvider": {"reference": "Organization/org"},
    },
    {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"text": "mood"},
        "subject": {"reference": "Patient/a"},
        "encounter": {"reference": "Encounter/e1"},
        "performer": [{"reference": "Practitioner/dr"}],
    },
    {
        "resourceType": "Observation",
        "id": "o2",
        "status": "final",
        "code": {"text": "mood"},
        "subject": {"reference": "Patient/b"},
    },
]
_BY_KEY = {(r["resourceType"], r["id"]): r for r in _GRAPH}


def _references(node: Any) -> set[tuple[str, str]]:
    """Every ``Type/id`` reference anywhere in a resource."""
    found: set[tuple[str, str]] = set()
    if isinstance(node, dict):
        reference = node.get("reference")
        if isinstance(reference, str) and reference.count("/") == 1:
            rtype, rid = reference.split("/")
            found.add((rtype, rid))
        for value in node.values():
            found |= _references(value)
    elif isinstance(node, list):
        for value in node:
            found |= _references(value)
    return found


def _forward(keys: set[tuple[str, str]], rounds: int) -> set[tuple[str, str]]:
    reached: set[tuple[str, str]] = set()
    frontier = keys
    for _ in range(rounds):
        frontier = {k for key in frontier for k in _references(_BY_KEY[key])} - reached - keys
        reached |= frontier
    return reached


def _referring(keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {k for k, r in _BY_KEY.items() if _references(r) & keys} - keys


@pytest.fixture
def graph(store: FhirStore) -> None:
    """Patients, their practitioner and organisation, an encounter and observations."""
    store.write_many(_GRAPH)


def _included(api: TestClient, url: str) -> set[str]:
    response = api.get(url)
    assert response.status_code == 200, response.text
    return ids(response.json(), "include")


def test_include_star_follows_every_reference_of_the_matches(graph: None, api: TestClient) -> None:
    expected = _forward({("Observation", "o1")}, rounds=1)
    assert {rid for _, rid in expected} == {"a", "e1", "dr"}  # the walk itself is sound
    assert _included(api, "/fhir/Observation?_id=o1&_include=*") == {i for _, i in expected}


def test_include_iterate_star_follows_references_of_included_resources(
    graph: None, api: TestClient
) -> None:
    expected = _forward({("Observation", "o1")}, rounds=4)
    found = _included(api, "/fhir/Observation?_id=o1&_include:iterate=*")
    assert found == {rid for _, rid in expected}
    assert "org" in found  # reached only through the patient and the encounter


def test_revinclude_star_brings_everything_that_refers_to_the_matches(
    graph: None, api: TestClient
) -> None:
    for patient in ("a", "b"):
        expected = _referring({("Patient", patient)})
        found = _included(api, f"/fhir/Patient?_id={patient}&_revinclude=*")
        assert found == {rid for _, rid in expected}, patient


def test_capability_statement_declares_the_wildcards(api: TestClient) -> None:
    for entry in api.get("/fhir/metadata").json()["rest"][0]["resource"]:
        if entry["type"] in READ_ONLY_TYPES:
            continue  # served read-only by their own routes (audit trail, quality runs)
        assert "*" in entry["searchInclude"]
        assert "*" in entry["searchRevInclude"]
