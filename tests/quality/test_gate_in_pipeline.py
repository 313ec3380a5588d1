"""The gate in the ingest: fatal records stay out of the store and come back once fixed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from connectors.base import Page, RawRecord
from hub.domain.identifiers import stable_id
from hub.ingest.quarantine import list_quarantine, replay
from hub.ingest.schema import quarantine
from hub.quality.gate import CheckingGate
from hub.store import FhirStore
from hub.store.errors import ResourceNotFound
from tests.mappings.mapping_samples import SAMPLES
from tests.quality.station_page import DISTRICT, station_pipeline


def _visit(visit_id: str, **changes: Any) -> RawRecord:
    payload = {**SAMPLES["station.follow_up"].model_dump(mode="json"), "visit_id": visit_id}
    payload |= changes
    return RawRecord("station.follow_up", visit_id, payload)


def _encounter_id(visit_id: str) -> str:
    return stable_id("station", "Encounter", f"follow_up|{visit_id}")


def _exists(store: FhirStore, visit_id: str) -> bool:
    try:
        store.read("Encounter", _encounter_id(visit_id))
    except ResourceNotFound:
        return False
    return True


def test_a_fatal_record_is_quarantined_then_stored_after_its_fix(sqlite_store: FhirStore) -> None:
    gate = CheckingGate()
    pipeline = station_pipeline(sqlite_store, gate)
    # The visits' registration comes first: a visit whose Patient and episode exist nowhere
    # would be parked (stage "references") rather than stored.
    registration = SAMPLES["station.registration"].model_dump(mode="json")
    parent = RawRecord("station.registration", registration["registration_no"], registration)
    page = [parent, _visit("V1"), _visit("V2", risk_level=7), _visit("V3", adherence="8")]
    pipeline.land_page(Page(records=page, cursor={"page": 1}))

    assert _exists(sqlite_store, "V1")
    assert not _exists(sqlite_store, "V2")
    assert not _exists(sqlite_store, "V3")
    held = {q.source_key: q for q in list_quarantine(sqlite_store)}
    assert set(held) == {"V2", "V3"}
    assert held["V2"].stage == "raw_check"
    assert held["V2"].reasons[0]["check"] == "station.follow_up.risk_level.range"
    failing = {r.check: r for r in gate.results() if r.status == "failed"}
    assert failing["station.follow_up.risk_level.range"].examples == ("V2",)
    kept = gate.save(sqlite_store)
    assert kept.kind == "sync"
    assert kept.summary["failed"] >= 2

    fixed = _visit("V2", risk_level=3).payload
    (result,) = replay(
        sqlite_store,
        [held["V2"].quarantine_id],
        district_code=DISTRICT,
        gate=gate,
        fixed_payload=fixed,
    )
    assert result.released
    assert _exists(sqlite_store, "V2")
    with sqlite_store.reading() as session:
        status = session.conn.execute(
            select(quarantine.c.status).where(
                quarantine.c.quarantine_id == held["V2"].quarantine_id
            )
        ).scalar_one()
    assert status == "replayed"

    (still,) = replay(sqlite_store, [held["V3"].quarantine_id], district_code=DISTRICT, gate=gate)
    assert not still.released
    assert not _exists(sqlite_store, "V3")
