"""Bulk $export: async kick-off, polling, NDJSON files of current versions, cancel."""

from __future__ import annotations

import time
from typing import Any

import orjson

from hub.store import FhirStore
from tests.api.conftest import BASE, TestClient

_ASYNC = {"Prefer": "respond-async"}


def _wait(api: TestClient, status_url: str) -> dict[str, Any]:
    path = status_url.removeprefix("http://hub.test")
    for _ in range(200):
        response = api.get(path)
        if response.status_code == 200:
            manifest: dict[str, Any] = response.json()
            return manifest
        assert response.status_code == 202
        assert "X-Progress" in response.headers
        time.sleep(0.05)
    raise AssertionError("export did not finish")


def _lines(api: TestClient, url: str) -> list[dict[str, Any]]:
    response = api.get(url.removeprefix("http://hub.test"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+ndjson")
    return [orjson.loads(line) for line in response.content.splitlines()]


def _seed(store: FhirStore) -> None:
    store.write_many(
        [
            {"resourceType": "Patient", "id": "p1"},
            {"resourceType": "Patient", "id": "p2"},
            {"resourceType": "Patient", "id": "gone"},
            {"resourceType": "Practitioner", "id": "dr"},
            {
                "resourceType": "Group",
                "id": "g",
                "type": "person",
                "actual": True,
                "member": [{"entity": {"reference": "Patient/p1"}}],
            },
            *(
                {
                    "resourceType": "Observation",
                    "id": f"o{i}",
                    "status": "final",
                    "code": {"text": "x"},
                    "subject": {"reference": f"Patient/p{1 + i % 2}"},
                }
                for i in range(6)
            ),
        ]
    )
    store.update({"resourceType": "Patient", "id": "p1", "gender": "female"})
    store.delete("Patient", "gone")


def test_system_export_writes_current_resources(store: FhirStore, api: TestClient) -> None:
    _seed(store)
    kick_off = api.get("/fhir/$export?_type=Patient,Observation", headers=_ASYNC)
    assert kick_off.status_code == 202
    manifest = _wait(api, kick_off.headers["Content-Location"])
    assert manifest["requiresAccessToken"] is False
    assert manifest["request"].endswith("/fhir/$export?_type=Patient,Observation")
    files = {item["type"]: item["url"] for item in manifest["output"]}
    assert set(files) == {"Patient", "Observation"}
    assert all(url.startswith(f"{BASE}/$export-file/") for url in files.values())
    patients = _lines(api, files["Patient"])
    assert sorted(p["id"] for p in patients) == ["p1", "p2"]
    assert next(p for p in patients if p["id"] == "p1")["gender"] == "female"
    assert len(_lines(api, files["Observation"])) == 6


def test_patient_and_group_exports_follow_compartments(store: FhirStore, api: TestClient) -> None:
    _seed(store)
    everyone = _wait(
        api, api.get("/fhir/Patient/$export", headers=_ASYNC).headers["Content-Location"]
    )
    types = {item["type"] for item in everyone["output"]}
    assert "Practitioner" not in types
    assert {"Patient", "Observation"} <= types
    group = api.get("/fhir/Group/g/$export?_type=Observation", headers=_ASYNC)
    manifest = _wait(api, group.headers["Content-Location"])
    observations = _lines(api, manifest["output"][0]["url"])
    assert {o["subject"]["reference"] for o in observations} == {"Patient/p1"}


def test_export_needs_respond_async_and_ndjson(api: TestClient) -> None:
    assert api.get("/fhir/$export").status_code == 400
    bad_format = api.get("/fhir/$export?_outputFormat=text/csv", headers=_ASYNC)
    assert bad_format.status_code == 400
    assert api.get("/fhir/$export?_type=Nonsense", headers=_ASYNC).status_code == 404
    assert api.get("/fhir/Group/none/$export", headers=_ASYNC).status_code == 404
    assert api.get("/fhir/$export-poll/0123456789abcdef0123456789abcdef").status_code == 404
    assert api.get("/fhir/$export-file/../../etc/passwd").status_code == 404


def test_delete_cancels_and_removes_the_job(store: FhirStore, api: TestClient) -> None:
    _seed(store)
    status_url = api.get("/fhir/$export", headers=_ASYNC).headers["Content-Location"]
    path = status_url.removeprefix("http://hub.test")
    assert api.delete(path).status_code == 202
    assert api.get(path).status_code == 404
