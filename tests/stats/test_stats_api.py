"""The statistics routes over the synced district: $run, MeasureReport search, page, downloads."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.api import create_app
from hub.config import Settings
from hub.stats.periods import parse_period
from hub.stats.publication import measure_url
from hub.stats.service import publish_to_store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's note about httpx2
    from fastapi.testclient import TestClient


@pytest.fixture
def client(synced: Any, tmp_path: Path) -> Iterator[TestClient]:
    """A client of the app over the synced district's store."""
    settings = Settings(data_dir=tmp_path, base_url="http://hub.test/fhir")
    with TestClient(create_app(settings, synced.store), base_url="http://hub.test") as api:
        yield api


def test_run_posted_view_as_csv(client: TestClient) -> None:
    from hub.stats.views import view_named

    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "viewResource", "resource": view_named("smd_admission")},
            {"name": "_format", "valueCode": "csv"},
        ],
    }
    response = client.post("/fhir/ViewDefinition/$run", json=body)
    assert response.status_code == 200, response.text
    lines = response.text.strip().splitlines()
    assert lines[0].replace('"', "") == "encounter_id,patient_id,admitted_at,discharged_at"
    assert len(lines) > 1


def test_run_by_reference_and_unknown_view(client: TestClient) -> None:
    ref = {"name": "viewReference", "valueReference": {"reference": "ViewDefinition/smd-patient"}}
    rows = client.post("/fhir/ViewDefinition/$run", json={"parameter": [ref]}).json()
    assert len(rows) >= 40
    assert {"patient_id", "sub_district", "resident_id"} <= set(rows[0])
    bad = {"name": "viewReference", "valueReference": {"reference": "ViewDefinition/nope"}}
    assert client.post("/fhir/ViewDefinition/$run", json={"parameter": [bad]}).status_code == 400


def test_measure_reports_are_searchable_after_publishing(
    client: TestClient, synced: Any, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    cells = publish_to_store(synced.store, settings, [parse_period("2023-06")], "2024-01-01")
    assert any(c.suppressed for c in cells) or all(c.numerator != 3 for c in cells)
    found = client.get(
        "/fhir/MeasureReport",
        params={
            "measure": measure_url("management_rate"),
            "period": "2023-06",
            "subject": "Location/area-310104",
        },
    ).json()
    entries = found.get("entry", [])
    assert len(entries) == 1, found
    report = entries[0]["resource"]
    counts = {
        p["code"]["coding"][0]["code"]: p.get("count") for p in report["group"][0]["population"]
    }
    district = next(c for c in cells if c.area == "310104" and c.indicator == "management_rate")
    assert counts == {"numerator": district.numerator, "denominator": district.denominator}
    views = client.get("/fhir/ViewDefinition", params={"name": "smd_follow_up"}).json()
    assert [e["resource"]["id"] for e in views["entry"]] == ["smd-follow-up"]
    assert client.get("/fhir/ViewDefinition/smd-admission").json()["resource"] == "Encounter"
    assert client.get("/fhir/ViewDefinition/none").status_code == 404


def test_page_and_downloads(client: TestClient) -> None:
    page = client.get("/stats", params={"period": "2023-06"})
    assert page.status_code == 200
    assert "<svg" in page.text
    assert "registered_by_diagnosis" in page.text
    assert "managed_by_risk_level" in page.text
    assert "http" not in page.text.split("<body>")[1].replace("http://www.w3.org", "")
    csv_text = client.get("/stats/indicators.csv", params={"period": "2023-06"}).text
    assert csv_text.startswith("period,area,indicator,numerator,denominator,rate,suppressed")
    from openpyxl import load_workbook

    xlsx = client.get("/stats/indicators.xlsx", params={"period": "2023-06"}).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    assert sheet.max_row == len(csv_text.strip().splitlines())
    assert client.get("/stats", params={"period": "June"}).status_code == 400
