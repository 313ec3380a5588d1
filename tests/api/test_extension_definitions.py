"""A validator that meets one of our extensions can read its definition from the hub."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hub.canonical import load_canonical_resources
from hub.extensions import EXTENSIONS
from hub.store import FhirStore


def test_each_extension_definition_is_read_at_its_canonical_id(
    api: TestClient, store: FhirStore
) -> None:
    load_canonical_resources(store)
    for extension in EXTENSIONS:
        response = api.get(f"/fhir/StructureDefinition/{extension.name}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["resourceType"] == "StructureDefinition"
        assert body["url"].endswith(f"/StructureDefinition/{extension.name}")
