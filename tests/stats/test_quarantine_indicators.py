"""A quarantined record counts in no indicator, and counts once replayed after its fix."""

from __future__ import annotations

from pathlib import Path

from connectors.base import Page
from hub.config import Settings
from hub.ingest.quarantine import list_quarantine, replay
from hub.quality.gate import CheckingGate
from hub.stats.periods import parse_period
from hub.stats.service import compute_from_store
from hub.store import FhirStore, open_store
from tests.mappings.mapping_samples import SAMPLES
from tests.quality.station_page import DISTRICT, station_pipeline, station_record

#: The month of the visit that is quarantined; the patient has no other visit in it.
MONTH = "2024-09"
#: Indicators a single home follow-up in the month moves from 0 to 1 (adherence 1: regular).
MOVED = ("management_rate", "face_to_face_rate", "medication_rate", "regular_medication_rate")


def _numerators(store: FhirStore, settings: Settings) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) of the month's district-wide indicators."""
    result = compute_from_store(store, settings, [parse_period(MONTH)])
    rows = result.indicators.to_pylist()
    return {
        r["indicator"]: (r["numerator"], r["denominator"]) for r in rows if r["area"] == DISTRICT
    }


def test_a_quarantined_visit_counts_in_no_indicator_until_replayed_after_its_fix(
    tmp_path: Path,
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    settings = Settings(data_dir=tmp_path / "var", district_code=DISTRICT)
    gate = CheckingGate()
    pipeline = station_pipeline(store, gate)
    registration = SAMPLES["station.registration"]
    visit = {"visit_date": f"{MONTH}-20", "visit_type": "2", "adherence": "1"}
    try:
        page = [
            station_record("station.registration", registration.source_key),
            station_record("station.follow_up", "V1"),  # February: another month
            station_record("station.follow_up", "V2", **visit, risk_level=7),  # fatal: outside 0-5
        ]
        pipeline.land_page(Page(records=page, cursor={"page": 1}))
        (held,) = list_quarantine(store)
        assert held.source_key == "V2"

        before = _numerators(store, settings)
        # the patient is registered in the month, but the held visit is nowhere in the counts
        assert all(before[name] == (0, 1) for name in MOVED), before
        assert all(numerator == 0 for numerator, _ in before.values()), before
        assert before["stable_rate"][1] == 0  # managed patients: nobody

        fixed = station_record("station.follow_up", "V2", **visit, risk_level=1).payload
        (result,) = replay(
            store, [held.quarantine_id], district_code=DISTRICT, gate=gate, fixed_payload=fixed
        )
        assert result.released
        after = _numerators(store, settings)
        assert all(after[name] == (1, 1) for name in MOVED), after
        assert after["stable_rate"][1] == 1  # managed now: the replayed visit counts
    finally:
        store.engine.dispose()
