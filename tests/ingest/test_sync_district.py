"""A sync of a small simulated district on SQLite and PostgreSQL: every record accounted for."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors import connector_class
from connectors.base import Connector
from hub.ingest.report import SourceReport
from hub.ingest.runner import run_sync
from hub.ingest.schema import quarantine, source_record
from hub.ingest.sources import load_sources
from hub.store import FhirStore
from hub.wiring import quality_gate
from tests.connectors.conftest import District, simulate_district
from tests.connectors.fake_agency import FakeAgency


@pytest.fixture(scope="module")
def small_district(tmp_path_factory: pytest.TempPathFactory) -> District:
    """A 40-patient district for this module."""
    return simulate_district(tmp_path_factory.mktemp("ingest_district"))


@pytest.fixture
def sources(small_district: District, tmp_path: Path) -> Path:
    """A private copy of the district's source files (tests change them)."""
    root = tmp_path / "district"
    shutil.copytree(small_district.root, root)
    text = (root / "sources.toml").read_text(encoding="utf-8")
    (root / "sources.toml").write_text(text.replace(str(small_district.root), str(root)))
    return root


def _sync(store: FhirStore, root: Path, agency: FakeAgency) -> dict[str, SourceReport]:
    config = load_sources(root / "sources.toml")

    def factory(name: str, kind: str, options: dict[str, Any]) -> Connector:
        if kind == "agency_api":
            return agency.connector(name, page_size=50)
        return connector_class(kind).from_config(name, options, secret=lambda _n: None)

    reports = run_sync(store=store, config=config, factory=factory, gate=quality_gate(store))
    return {r.source: r for r in reports}


def _kinds(district: District, source: str) -> tuple[str, ...]:
    prefix = {"hospital_db": "hospital.", "hospital_adt": "hospital.adt", "station": "station."}
    wanted = prefix.get(source, "agency.")
    return tuple(
        k
        for k in district.records
        if k.startswith(wanted) and not (source == "hospital_db" and k == "hospital.adt")
    )


def test_sync_accounts_for_every_record_and_quarantines_damaged_ones(
    store: FhirStore, small_district: District, sources: Path
):
    agency = FakeAgency.from_store(sources / "agency" / "agency.sqlite")
    reports = _sync(store, sources, agency)
    for name, report in reports.items():
        assert report.status == "succeeded", report.error
        assert report.pulled == report.stored + report.quarantined + report.unchanged, name
        assert report.pulled == small_district.expected(_kinds(small_district, name)), name
    with store.engine.connect() as conn:
        rows = conn.execute(select(quarantine.c.record_kind, quarantine.c.source_key)).all()
    quarantined = {(r.record_kind, r.source_key) for r in rows}
    for system in ("hospital", "station", "agency"):
        assert small_district.fatal_keys(system) <= quarantined, system


def test_second_sync_stores_nothing_and_a_change_makes_one_new_version(
    store: FhirStore, sources: Path
):
    agency = FakeAgency.from_store(sources / "agency" / "agency.sqlite")
    _sync(store, sources, agency)
    with store.engine.connect() as conn:
        states = conn.execute(select(func.count()).select_from(source_record)).scalar_one()
    again = _sync(store, sources, agency)
    assert all(r.stored == 0 and r.quarantined == 0 for r in again.values())
    case = next(d for d in agency.docs["cases"] if d.get("phone"))
    changed = {**case, "phone": "13900000000", "updated_at": "2099-01-01T00:00:00+08:00"}
    agency.docs["cases"] = [d for d in agency.docs["cases"] if d is not case] + [changed]
    third = _sync(store, sources, agency)
    assert third["agency"].pulled == 1
    assert third["agency"].changed + third["agency"].quarantined == 1
    assert all(r.pulled == 0 for n, r in third.items() if n != "agency")
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(source_record)).scalar_one() == states


def test_unreachable_source_fails_alone_with_a_clear_message(store: FhirStore, sources: Path):
    shutil.rmtree(sources / "station" / "exports")
    agency = FakeAgency.from_store(sources / "agency" / "agency.sqlite")
    reports = _sync(store, sources, agency)
    assert reports["station"].status == "failed"
    assert "station export folder" in (reports["station"].error or "")
    assert all(r.status == "succeeded" for n, r in reports.items() if n != "station")


def test_bad_input_ends_in_quarantine_with_a_reason(store: FhirStore, sources: Path):
    exports, adt = sources / "station" / "exports", sources / "hospital" / "adt"
    follow_up = sorted(exports.glob("随访记录_*.csv"))[0]
    follow_up.write_bytes(follow_up.read_bytes()[:-7])  # truncated mid-row
    (exports / "随访记录_209901.csv").write_bytes(b"\x81\x30\xff\xfe" * 50)  # no encoding fits
    (adt / "ADT_20990101.hl7").write_text("MSH|^~\\&|HIS\rPID|||\r!!broken\r", encoding="utf-8")
    agency = FakeAgency.from_store(sources / "agency" / "agency.sqlite")
    agency.faults.extend(["garbage", "garbage"])
    reports = _sync(store, sources, agency)
    assert all(r.status == "succeeded" for r in reports.values())
    with store.engine.connect() as conn:
        reasons = [
            str(r.reasons)
            for r in conn.execute(select(quarantine.c.reasons))
            if "read" in r.reasons
        ]
    text = "\n".join(reasons)
    assert "truncated" in text
    assert "neither UTF-8 nor GB18030" in text
    assert "is not an HL7 segment" in text
    assert "not JSON" in text


def test_agency_faults_end_complete_and_report_retries(
    store: FhirStore, small_district: District, sources: Path
):
    agency = FakeAgency.from_store(sources / "agency" / "agency.sqlite")
    agency.faults.extend(["timeout", "429", "500"])
    contacts = sorted(agency.docs["contacts"], key=lambda d: (d["updated_at"], d["contact_id"]))
    moved = {**contacts[0], "notes": "changed meanwhile", "updated_at": "2099-01-01T00:00:00"}
    agency.change_after_first_page["contacts"] = [moved]
    report = _sync(store, sources, agency)["agency"]
    assert report.status == "succeeded"
    assert report.retries == 3
    assert report.reconciles
    # every document once, plus the contact that changed under the pagination as a new version
    assert report.pulled == small_district.expected(_kinds(small_district, "agency")) + 1
