"""Report rows: rates against thresholds, and an empty table is never a pass."""

from __future__ import annotations

from validation.catalogue import load_catalogue
from validation.results import CheckTally, summarise


def test_status_follows_the_tolerated_rate_and_an_empty_table_is_not_applicable() -> None:
    tallies = [
        CheckTally("station", "station.follow_up.risk_level.range", 100, 0),
        CheckTally("station", "station.follow_up.adherence.code", 100, 1, examples=["V9"]),
        CheckTally("hospital", "hospital.patient.resident_id.resident_id", 100, 1),
        CheckTally("agency", "agency.case.status.code", 0, 0),
        CheckTally("agency", "agency.case.sex.code", 10, 0, errors=1),
    ]
    rows = {r.check: r for r in summarise(tallies, load_catalogue())}
    assert rows["station.follow_up.risk_level.range"].status == "passed"
    failed = rows["station.follow_up.adherence.code"]
    assert (failed.status, failed.rate, failed.examples) == ("failed", 0.01, ("V9",))
    assert rows["hospital.patient.resident_id.resident_id"].status == "passed"  # 1% <= 2%
    assert rows["agency.case.status.code"].status == "not_applicable"
    assert rows["agency.case.status.code"].rate is None
    assert rows["agency.case.sex.code"].status == "error"
