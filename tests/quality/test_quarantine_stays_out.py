"""A quarantined record stays out of what people read, and comes in once fixed and replayed."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import orjson

from connectors.base import Page, RawRecord
from hub.api import create_app
from hub.config import Settings
from hub.domain.identifiers import stable_id
from hub.ingest.pipeline import PagePipeline
from hub.ingest.quarantine import list_quarantine, replay
from hub.ingest.report import SourceReport
from hub.quality.gate import CheckingGate
from hub.store import FhirStore
from mappings import MappingContext
from tests.mappings.mapping_samples import SAMPLES

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's TestClient warns on import (as in tests/api)
    from fastapi.testclient import TestClient

DISTRICT = "110105"
LATER = "2024-09-20"


def _record(kind: str, key: str, **changes: Any) -> RawRecord:
    payload = SAMPLES[kind].model_dump(mode="json") | {SAMPLES[kind].key_field: key} | changes
    return RawRecord(kind, key, payload)


def _encounter(visit_id: str) -> str:
    return f"Encounter/{stable_id('station', 'Encounter', f'follow_up|{visit_id}')}"


def _views(client: TestClient, patient: str) -> tuple[set[str], str]:
    """(references in the patient's $everything, the patient's timeline as text)."""
    everything = client.get(f"/fhir/Patient/{patient}/$everything")
    assert everything.status_code == 200, everything.text
    refs = {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in everything.json().get("entry", [])
    }
    timeline = client.get(f"/api/patients/{patient}/timeline")
    assert timeline.status_code == 200, timeline.text
    return refs, timeline.text


def test_a_quarantined_visit_is_in_no_view_until_replayed_after_its_fix(
    sqlite_store: FhirStore, tmp_path: Path
) -> None:
    gate = CheckingGate()
    pipeline = PagePipeline(
        store=sqlite_store,
        source="station",
        source_system="station",
        context=MappingContext(source_system="station", run_id="run-1", district_code=DISTRICT),
        gate=gate,
        report=SourceReport(source="station", kind="station", run_id="run-1"),
    )
    registration = SAMPLES["station.registration"]
    page = [
        _record("station.registration", registration.source_key),
        _record("station.follow_up", "V1"),
        _record("station.follow_up", "V2", risk_level=7),  # fatal: outside 0-5
    ]
    pipeline.land_page(Page(records=page, cursor={"page": 1}))
    (held,) = list_quarantine(sqlite_store)
    assert held.source_key == "V2"
    visit = orjson.loads(sqlite_store.read("Encounter", _encounter("V1").split("/")[1]).content)
    patient = visit["subject"]["reference"].split("/")[1]

    settings = Settings(data_dir=tmp_path / "var", base_url="http://hub.test/fhir")
    with TestClient(create_app(settings, sqlite_store), base_url="http://hub.test") as client:
        refs, timeline = _views(client, patient)
        assert _encounter("V1") in refs
        assert _encounter("V2") not in refs
        assert _encounter("V1") in timeline
        assert _encounter("V2") not in timeline

        # Another day than V1: two medication statements on one day break the timeline's
        # sort (hub/timeline/events.py, reported), which is not what this test is about.
        fixed = _record("station.follow_up", "V2", risk_level=3, visit_date=LATER).payload
        (result,) = replay(
            sqlite_store,
            [held.quarantine_id],
            district_code=DISTRICT,
            gate=gate,
            fixed_payload=fixed,
        )
        assert result.released
        refs, timeline = _views(client, patient)
        assert _encounter("V2") in refs
        assert _encounter("V2") in timeline
