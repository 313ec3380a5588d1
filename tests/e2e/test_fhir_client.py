"""A real FHIR client (fhirpy) against the hub running as a process."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fhirpy import SyncFHIRClient

from tests.e2e.conftest import RunningHub

pytestmark = pytest.mark.e2e

_PATIENTS = 12


def _transaction() -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    for i in range(_PATIENTS):
        patient_url = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
        entries.append(
            {
                "fullUrl": patient_url,
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": "urn:carehub:mrn", "value": f"MRN-{i}"}],
                    "name": [{"family": f"Family{i}", "given": ["Test"]}],
                },
                "request": {"method": "POST", "url": "Patient"},
            }
        )
        for j in range(3):
            entries.append(
                {
                    "resource": {
                        "resourceType": "Observation",
                        "status": "final",
                        "code": {"coding": [{"system": "http://loinc.org", "code": "72133-2"}]},
                        "subject": {"reference": patient_url},
                        "effectiveDateTime": f"2024-0{j + 1}-15",
                    },
                    "request": {"method": "POST", "url": "Observation"},
                }
            )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


@pytest.fixture(scope="module")
def client(running_hub: RunningHub) -> SyncFHIRClient:
    """fhirpy's synchronous client on the hub's FHIR base, with a loaded transaction."""
    fhir = SyncFHIRClient(f"{running_hub.base_url}/fhir")
    response = fhir.execute("", method="post", data=_transaction())
    assert response["type"] == "transaction-response"
    assert all(e["response"]["status"].startswith("201") for e in response["entry"])
    return fhir


def test_pages_through_every_resource_type(client: SyncFHIRClient, running_hub: RunningHub) -> None:
    statement = httpx.get(f"{running_hub.base_url}/fhir/metadata").json()
    for entry in statement["rest"][0]["resource"]:
        resources = client.resources(entry["type"]).limit(5).fetch_all()
        ids = [r["id"] for r in resources]
        assert len(ids) == len(set(ids)) == client.resources(entry["type"]).count()
    assert len(client.resources("Observation").limit(5).fetch_all()) == 3 * _PATIENTS


def test_search_by_identifier_and_everything(client: SyncFHIRClient) -> None:
    patient = client.resources("Patient").search(identifier="urn:carehub:mrn|MRN-3").get()
    assert patient["name"][0]["family"] == "Family3"
    observations = client.resources("Observation").search(patient=patient["id"]).fetch()
    assert len(observations) == 3
    everything = client.execute(f"Patient/{patient['id']}/$everything", method="get")
    types = sorted(e["resource"]["resourceType"] for e in everything["entry"])
    assert types == ["Observation"] * 3 + ["Patient"]


def test_creates_a_questionnaire_response(client: SyncFHIRClient) -> None:
    patient = client.resources("Patient").search(identifier="urn:carehub:mrn|MRN-1").get()
    response = client.resource(
        "QuestionnaireResponse",
        status="completed",
        subject={"reference": f"Patient/{patient['id']}"},
        authored="2024-05-01",
        item=[{"linkId": "1", "answer": [{"valueInteger": 3}]}],
    )
    response.save()
    assert response["id"]
    assert response["meta"]["versionId"] == "1"
    found = client.resources("QuestionnaireResponse").search(patient=patient["id"]).fetch()
    assert [r["id"] for r in found] == [response["id"]]
