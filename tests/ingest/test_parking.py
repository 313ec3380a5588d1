"""Parking: a child of a quarantined or missing parent waits, then comes back by itself."""

from __future__ import annotations

from typing import Any, ClassVar

import orjson
from sqlalchemy import select

from connectors.base import Connector, Cursor, Page, RawRecord
from hub.domain.identifiers import stable_id
from hub.ingest.parking import release_parked
from hub.ingest.pipeline import PagePipeline
from hub.ingest.quarantine import list_quarantine, replay
from hub.ingest.report import SourceReport
from hub.ingest.runner import run_source
from hub.ingest.schema import ingest_run, quarantine, source_record
from hub.quality.gate import CheckingGate
from hub.store import FhirStore
from hub.store.errors import ResourceNotFound
from mappings import MappingContext
from tests.mappings.mapping_samples import SAMPLES

DISTRICT = "110105"
REGISTRATION = SAMPLES["station.registration"].model_dump(mode="json")
REG_NO = str(REGISTRATION["registration_no"])


def _registration(**changes: Any) -> RawRecord:
    return RawRecord("station.registration", REG_NO, REGISTRATION | changes)


def _visit(visit_id: str) -> RawRecord:
    payload = {**SAMPLES["station.follow_up"].model_dump(mode="json"), "visit_id": visit_id}
    return RawRecord("station.follow_up", visit_id, payload)


def _stored(store: FhirStore, type_: str, key: str) -> bool:
    try:
        store.read(type_, stable_id("station", type_, key))
    except ResourceNotFound:
        return False
    return True


def _pipeline(store: FhirStore, gate: CheckingGate) -> PagePipeline:
    return PagePipeline(
        store=store,
        source="station",
        source_system="station",
        context=MappingContext(source_system="station", run_id="run-1", district_code=DISTRICT),
        gate=gate,
        report=SourceReport(source="station", kind="station", run_id="run-1"),
    )


def _status(store: FhirStore, quarantine_id: int) -> str:
    with store.reading() as session:
        return str(
            session.conn.execute(
                select(quarantine.c.status).where(quarantine.c.quarantine_id == quarantine_id)
            ).scalar_one()
        )


def test_a_child_of_a_quarantined_parent_is_parked_and_released_after_the_parents_fix(
    store: FhirStore,
) -> None:
    gate = CheckingGate()
    pipeline = _pipeline(store, gate)
    page = [_registration(diagnosis_code="99"), _visit("V1")]
    pipeline.land_page(Page(records=page, cursor={"page": 1}))

    held = {q.record_kind: q for q in list_quarantine(store)}
    assert held["station.registration"].stage == "raw_check"
    parked = held["station.follow_up"]
    assert parked.stage == "references"
    patient = f"Patient/{stable_id('station', 'Patient', REG_NO)}"
    assert patient in parked.reasons[0]["message"]
    assert "not in the store" in parked.reasons[0]["message"]
    assert not _stored(store, "Encounter", "follow_up|V1")  # none of its resources stored
    assert pipeline.report.reconciles
    assert pipeline.report.quarantined == 2

    waiting = release_parked(store, district_code=DISTRICT, gate=gate)
    # its target is still missing: not even mapped again, still waiting
    assert (waiting.examined, waiting.still_parked, waiting.released) == (0, 1, [])
    assert _status(store, parked.quarantine_id) == "open"

    (fixed,) = replay(
        store,
        [held["station.registration"].quarantine_id],
        district_code=DISTRICT,
        gate=gate,
        fixed_payload=_registration(diagnosis_code="01").payload,
    )
    assert fixed.released
    freed = release_parked(store, district_code=DISTRICT, gate=gate)
    assert [r.quarantine_id for r in freed.released] == [parked.quarantine_id]
    assert freed.released[0].by_type["Encounter"] == 1
    assert _stored(store, "Encounter", "follow_up|V1")
    assert _status(store, parked.quarantine_id) == "released"
    with store.reading() as session:
        outcome = session.conn.execute(
            select(source_record.c.outcome).where(source_record.c.source_key == "V1")
        ).scalar_one()
    assert outcome == "stored"
    assert release_parked(store, district_code=DISTRICT, gate=gate).examined == 0


def test_a_replay_of_a_child_whose_parent_is_still_missing_keeps_it_parked(
    store: FhirStore,
) -> None:
    gate = CheckingGate()
    _pipeline(store, gate).land_page(Page(records=[_visit("V2")], cursor={"page": 1}))
    (held,) = list_quarantine(store)
    (again,) = replay(store, [held.quarantine_id], district_code=DISTRICT, gate=gate)
    assert not again.released
    assert again.reasons[0]["stage"] == "references"
    assert not _stored(store, "Encounter", "follow_up|V2")


class _Pages(Connector):
    """A connector that hands out fixed pages, one per cursor step."""

    kind: ClassVar[str] = "fixed_pages"
    source_system: ClassVar[str] = "station"

    def __init__(self, pages: list[list[RawRecord]]) -> None:
        super().__init__("station")
        self.fixed = pages

    @classmethod
    def from_config(cls, name: str, options: dict[str, Any], *, secret: Any) -> Connector:
        """Not configured from a file in these tests."""
        raise NotImplementedError

    def fetch_page(self, cursor: Cursor) -> Page | None:
        """The page after ``cursor``."""
        at = int(cursor.get("page", 0))
        return Page(self.fixed[at], {"page": at + 1}) if at < len(self.fixed) else None


def test_a_child_that_arrives_before_its_parent_is_released_at_the_end_of_the_run(
    store: FhirStore,
) -> None:
    connector = _Pages([[_visit("V3")], [_registration()]])
    report = run_source(
        store=store,
        name="station",
        connector=connector,
        district_code=DISTRICT,
        gate=CheckingGate(),
    )
    assert report.status == "succeeded", report.error
    assert _stored(store, "Encounter", "follow_up|V3")
    assert (report.pulled, report.new, report.quarantined) == (2, 2, 0)
    assert report.quarantined_by_reason == {}
    assert report.reconciles
    assert list_quarantine(store) == []
    assert report.resources_by_type["Encounter"] == 1
    with store.reading() as session:
        kept = session.conn.execute(
            select(ingest_run.c.report).where(ingest_run.c.run_id == report.run_id)
        ).scalar_one()
    assert orjson.loads(kept)["released_from_quarantine"] == 1
