"""The continuity API and pages in-process: timeline JSON and FHIR, worklist, HTML pages."""

from __future__ import annotations

from typing import Any

from tests.continuity.district import D0
from tests.continuity.history import days
from tests.web.conftest import TestClient


def _evaluate(client: TestClient) -> dict[str, Any]:
    response = client.post("/api/continuity/evaluate", params={"as_of": days(D0, 15).isoformat()})
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def test_timeline_json_covers_the_linked_source_patients(client: TestClient) -> None:
    body = client.get("/api/patients/w-g/timeline").json()
    assert {e["source"] for e in body["events"]} == {"hospital", "station", "agency"}
    assert {"admission", "discharge", "scale-result", "care-plan-change"} <= {
        e["kind"] for e in body["events"]
    }


def test_timeline_as_fhir_bundle(client: TestClient) -> None:
    response = client.get("/fhir/Patient/w-g/$timeline")
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = response.json()
    assert (bundle["type"], bundle["entry"][0]["resource"]["resourceType"]) == (
        "collection",
        "List",
    )


def test_unknown_patient_is_an_operation_outcome(client: TestClient) -> None:
    response = client.get("/api/patients/nobody/timeline")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


def test_worklist_api_filters_and_counts(client: TestClient) -> None:
    summary = _evaluate(client)
    everything = client.get("/api/worklist").json()
    assert everything["total"] == summary["open"] > 0
    station = client.get(
        "/api/worklist", params={"organization": "w-org", "rule": "discharge-follow-up"}
    )
    assert [i["rule"] for i in station.json()["items"]] == ["discharge-follow-up"]
    assert client.get("/api/worklist", params={"street": "999"}).json()["total"] == 0
    # The generic FHIR search finds them: Tasks are written (and indexed) through the store.
    tasks = client.get(
        "/fhir/Task", params={"code": "discharge-follow-up", "owner": "Organization/w-org"}
    )
    assert len(tasks.json()["entry"]) == 1


def test_pages_render_worklist_and_patient(client: TestClient) -> None:
    _evaluate(client)
    page = client.get("/web/worklist", params={"rule": "discharge-follow-up"}).text
    assert "患者w-s" in page
    assert "No community follow-up after discharge" in page
    patient = client.get("/web/patients/w-g").text
    for source in ("hospital", "station", "agency"):
        assert f'data-source="{source}"' in patient
    assert "<polyline" in patient  # risk level and scale charts
    assert "open-gap" in patient
    css = client.get("/web/static/hub.css")
    assert css.headers["content-type"].startswith("text/css")
    assert client.get("/web/static/../config.py").status_code == 404


def test_the_short_worklist_address_redirects(client: TestClient) -> None:
    response = client.get("/worklist", params={"rule": "x"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, "/web/worklist?rule=x")
