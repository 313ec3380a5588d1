"""The audit trail: one AuditEvent per patient-level request, append-only, for the auditor."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from hub.security.roles import Role
from tests.e2e.conftest import start_hub, stop_hub
from tests.security.conftest import SECRET, TestClient, district_records, token_for


def _bearer(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(role)}"}


def test_auditor_finds_who_read_which_patient(secure_app: TestClient) -> None:
    """A read of Patient/w-s is in the trail with the reader, role, address and outcome."""
    secure_app.get("/fhir/Patient/w-s", headers=_bearer(Role.PREVENTION_DOCTOR))
    found = secure_app.get("/fhir/AuditEvent?patient=Patient/w-s", headers=_bearer(Role.AUDITOR))
    assert found.status_code == 200
    [entry] = found.json()["entry"]
    event = entry["resource"]
    assert event["action"] == "R"
    assert event["outcome"] == "0"
    assert event["agent"][0]["who"]["display"] == "prevention_doctor-1"
    assert event["agent"][0]["role"][0]["text"] == "prevention_doctor"
    assert event["agent"][0]["network"]["address"]
    one = secure_app.get(f"/fhir/AuditEvent/{event['id']}", headers=_bearer(Role.AUDITOR))
    assert one.json()["id"] == event["id"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_trail_is_append_only_even_for_full_access(secure_app: TestClient, method: str) -> None:
    """No token, however broad, changes or removes an AuditEvent."""
    secure_app.get("/fhir/Patient/w-s", headers=_bearer(Role.INTEGRATION_TEAM))
    event_id = secure_app.app.state.audit.search()[1][0]["id"]  # type: ignore[attr-defined]
    broad = token_for(Role.AUDITOR, scopes="system/*.cruds user/AuditEvent.cruds")
    everything = {"Authorization": f"Bearer {broad}"}
    for path in ("/fhir/AuditEvent", f"/fhir/AuditEvent/{event_id}"):
        answer = secure_app.request(
            method, path, json={"resourceType": "AuditEvent"}, headers=everything
        )
        assert answer.status_code == 405, answer.text
    assert len(secure_app.app.state.audit.search()[1]) == 1  # type: ignore[attr-defined]


def test_a_failed_request_is_audited_with_its_outcome(secure_app: TestClient) -> None:
    """A refused read (other district) leaves one event with a failure outcome."""
    token = token_for(Role.INTEGRATION_TEAM, district="440305")
    secure_app.get("/fhir/Patient/w-s", headers={"Authorization": f"Bearer {token}"})
    [event] = secure_app.app.state.audit.search()[1]  # type: ignore[attr-defined]
    assert event["outcome"] == "4"
    assert event["outcomeDesc"] == "HTTP 403"


@pytest.mark.e2e
def test_each_request_to_a_running_hub_leaves_exactly_one_event(tmp_path: Path) -> None:
    """Against the real process: n patient-level requests, n AuditEvents, all queryable."""
    served = {"HUB_AUTH__ENABLED": "true", "HUB_SECRET_KEY": SECRET}
    hub = start_hub(tmp_path / "var", env=served)
    try:
        writer = _bearer(Role.CONNECTOR) | {"Content-Type": "application/fhir+json"}
        bundle = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "resource": r,
                    "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
                }
                for r in district_records()
            ],
        }
        assert httpx.post(f"{hub.base_url}/fhir", json=bundle, headers=writer).status_code == 200
        reader = _bearer(Role.INTEGRATION_TEAM)
        paths = [
            "/fhir/Patient/w-s",
            "/fhir/Patient?name=w",
            "/fhir/Patient/w-s/$everything",
            "/api/patients/w-s/timeline",
            "/fhir/Observation?subject=Patient/w-s",
        ]
        for path in paths:
            assert httpx.get(hub.base_url + path, headers=reader, timeout=10).status_code == 200, (
                path
            )
        audit = httpx.get(
            f"{hub.base_url}/fhir/AuditEvent?_count=1000", headers=_bearer(Role.AUDITOR)
        )
        events = [e["resource"] for e in audit.json()["entry"]]
    finally:
        stop_hub(hub)
    assert len(events) == 1 + len(paths)
    assert len({e["id"] for e in events}) == len(events)
    # $everything is an operation: action E (execute); the rest are reads.
    assert sorted(e["action"] for e in events) == ["C", "E"] + ["R"] * (len(paths) - 1)
