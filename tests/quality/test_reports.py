"""Quality runs over the landed data: kept per run, served as JSON, HTML and OperationOutcome."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from connectors.base import Page, RawRecord
from hub.api import create_app
from hub.config import Settings
from hub.ingest.pipeline import PagePipeline
from hub.ingest.report import SourceReport
from hub.quality.gate import CheckingGate
from hub.quality.service import check_landing, list_runs
from hub.store import FhirStore
from mappings import MappingContext
from tests.mappings.mapping_samples import RESIDENT_ID, SAMPLES

with warnings.catch_warnings():
    # starlette's TestClient warns about its httpx transport on import (as in tests/api).
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def _land(store: FhirStore, payloads: list[dict[str, Any]]) -> None:
    pipeline = PagePipeline(
        store=store,
        source="station",
        source_system="station",
        context=MappingContext(source_system="station", run_id="r1", district_code="110105"),
        gate=CheckingGate(),
        report=SourceReport(source="station", kind="station", run_id="r1"),
    )
    records = [RawRecord("station.follow_up", p["visit_id"], p) for p in payloads]
    pipeline.land_page(Page(records=records, cursor={"page": 1}))


def _register(store: FhirStore) -> None:
    """Store the visits' registration: a visit whose Patient exists nowhere is parked."""
    registration = SAMPLES["station.registration"].model_dump(mode="json")
    key = registration["registration_no"]
    pipeline = PagePipeline(
        store=store,
        source="station",
        source_system="station",
        context=MappingContext(source_system="station", run_id="r0", district_code="110105"),
        gate=CheckingGate(),
        report=SourceReport(source="station", kind="station", run_id="r0"),
    )
    record = RawRecord("station.registration", key, registration)
    pipeline.land_page(Page(records=[record], cursor={"page": 0}))


def _visits() -> list[dict[str, Any]]:
    base = SAMPLES["station.follow_up"].model_dump(mode="json")
    return [
        {**base, "visit_id": "V1"},
        {**base, "visit_id": "V2", "risk_level": 7},
        {**base, "visit_id": "V3", "adherence": "8"},
    ]


def test_a_landing_run_is_kept_and_served(sqlite_store: FhirStore, tmp_path: Path) -> None:
    _land(sqlite_store, _visits())
    first = check_landing(sqlite_store)
    rows = {r.check: r for r in first.results}
    risk = rows["station.follow_up.risk_level.range"]
    assert (risk.checked, risk.failed, risk.status, risk.examples) == (3, 1, "failed", ("V2",))
    assert rows["station.follow_up.visit_date.date_range"].status == "passed"
    assert rows["station.follow_up.death_date.date_range"].status == "not_applicable"
    second = check_landing(sqlite_store, source="station")
    assert [r.run_id for r in list_runs(sqlite_store)] == [second.run_id, first.run_id]

    settings = Settings(data_dir=tmp_path / "var", base_url="http://hub.test/fhir")
    with TestClient(create_app(settings, sqlite_store), base_url="http://hub.test") as client:
        listed = client.get("/api/quality/runs").json()
        assert [r["run_id"] for r in listed] == [second.run_id, first.run_id]
        detail = client.get(f"/api/quality/runs/{first.run_id}").json()
        assert detail["summary"]["failed"] >= 2
        outcome = client.get(f"/api/quality/runs/{first.run_id}/$outcome")
        assert outcome.headers["content-type"].startswith("application/fhir+json")
        issues = outcome.json()["issue"]
        assert any(
            "risk_level.range" in i["diagnostics"] and "V2" in i["diagnostics"] for i in issues
        )
        page = client.get("/quality")
        assert page.status_code == 200
        assert "station.follow_up.adherence.code" in page.text
        assert "V3" in page.text
        assert client.get("/api/quality/runs/nope").status_code == 404


def test_reports_never_carry_resident_ids_or_phones(sqlite_store: FhirStore) -> None:
    base = SAMPLES["station.registration"].model_dump(mode="json")
    typo = RESIDENT_ID[:-1] + ("1" if RESIDENT_ID[-1] != "1" else "2")
    payload = {**base, "resident_id": typo, "sex": "5"}
    pipeline = PagePipeline(
        store=sqlite_store,
        source="station",
        source_system="station",
        context=MappingContext(source_system="station", run_id="r1", district_code="110105"),
        gate=CheckingGate(),
        report=SourceReport(source="station", kind="station", run_id="r1"),
    )
    record = RawRecord("station.registration", base["registration_no"], payload)
    pipeline.land_page(Page(records=[record], cursor={"page": 1}))
    text = str(check_landing(sqlite_store).as_dict())
    for secret in (typo, RESIDENT_ID, base["phone"], base["guardian_phone"]):
        assert secret not in text


def test_the_cross_source_pass_is_kept_as_its_own_run(sqlite_store: FhirStore) -> None:
    from hub.quality.service import check_store

    _register(sqlite_store)
    _land(sqlite_store, _visits())
    run = check_store(sqlite_store)
    assert run.kind == "cross_source"
    rows = {r.check: r for r in run.results}
    assert set(rows) == {
        "xsource.follow_up_during_stay",
        "xsource.discharge_before_admission",
        "xsource.high_risk_without_action",
        "xsource.scale_total_mismatch",
        "xsource.visits_after_death",
    }
    assert rows["xsource.follow_up_during_stay"].checked == 1  # the one stored home visit
    assert rows["xsource.follow_up_during_stay"].status == "passed"
    assert rows["xsource.discharge_before_admission"].status == "not_applicable"


def test_runs_are_fhir_operation_outcomes_read_and_searched_by_run(
    sqlite_store: FhirStore, tmp_path: Path
) -> None:
    _land(sqlite_store, _visits())
    first, second = check_landing(sqlite_store), check_landing(sqlite_store, source="station")
    settings = Settings(data_dir=tmp_path / "var", base_url="http://hub.test/fhir")
    with TestClient(create_app(settings, sqlite_store), base_url="http://hub.test") as client:
        read = client.get(f"/fhir/OperationOutcome/{first.run_id}")
        assert read.status_code == 200
        assert read.headers["content-type"].startswith("application/fhir+json")
        body = read.json()
        assert (body["resourceType"], body["id"]) == ("OperationOutcome", first.run_id)
        assert any("risk_level.range" in i["diagnostics"] for i in body["issue"])
        missing = client.get("/fhir/OperationOutcome/no-such-run")
        assert missing.status_code == 404
        assert missing.json()["resourceType"] == "OperationOutcome"

        everything = client.get("/fhir/OperationOutcome").json()
        assert everything["type"] == "searchset"
        assert [e["resource"]["id"] for e in everything["entry"]] == [
            second.run_id,
            first.run_id,
        ]
        counted = client.get("/fhir/OperationOutcome", params={"_count": 0}).json()
        assert (counted["total"], counted["entry"]) == (2, [])  # _count=0: the total only
        one = client.get("/fhir/OperationOutcome", params={"_id": first.run_id}).json()
        assert [e["fullUrl"] for e in one["entry"]] == [
            f"http://hub.test/fhir/OperationOutcome/{first.run_id}"
        ]
        page = client.get("/quality", params={"run": first.run_id}).text
        assert f'href="/fhir/OperationOutcome/{first.run_id}"' in page


def test_the_html_report_names_sample_failing_records_for_every_failing_check(
    sqlite_store: FhirStore, tmp_path: Path
) -> None:
    _land(sqlite_store, _visits())
    run = check_landing(sqlite_store)
    failing = [r for r in run.results if r.status == "failed"]
    assert {r.check for r in failing} >= {
        "station.follow_up.risk_level.range",
        "station.follow_up.adherence.code",
    }
    settings = Settings(data_dir=tmp_path / "var", base_url="http://hub.test/fhir")
    with TestClient(create_app(settings, sqlite_store), base_url="http://hub.test") as client:
        page = client.get("/quality", params={"run": run.run_id}).text
    failing_table = page.split("<h2>All checks</h2>")[0]
    rows = {
        row.split("</td>")[1].removeprefix("<td>"): row for row in failing_table.split("<tr>")[2:]
    }
    for result in failing:
        assert result.examples, result.check
        row = rows[result.check]
        assert all(key in row for key in result.examples), (result.check, row)
