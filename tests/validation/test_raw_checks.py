"""Raw suites through Great Expectations: verdicts land on the right records."""

from __future__ import annotations

from typing import Any

import pytest

from hub.quality.terminology import load_code_tables
from tests.mappings.mapping_samples import RESIDENT_ID, SAMPLES
from validation.raw import RawChecks


@pytest.fixture(scope="module")
def checks() -> RawChecks:
    return RawChecks(code_tables=load_code_tables())


def _visits(n: int) -> list[dict[str, Any]]:
    base = SAMPLES["station.follow_up"].model_dump(mode="json")
    return [{**base, "visit_id": f"V{i}"} for i in range(n)]


def test_a_clean_page_has_no_issues(checks: RawChecks) -> None:
    outcome = checks.check("station", "station.follow_up", _visits(5))
    assert outcome.issues == [[] for _ in range(5)]
    assert outcome.tallies
    assert all(t.failed == 0 and not t.errors for t in outcome.tallies)


def test_failures_are_attributed_to_the_failing_rows(checks: RawChecks) -> None:
    rows = _visits(6)
    rows[1]["risk_level"] = 7
    rows[4]["adherence"] = "8"
    rows[4]["visit_date"] = "1899-02-01"
    outcome = checks.check("station", "station.follow_up", rows)
    by_row = [{i.check for i in issues} for issues in outcome.issues]
    assert by_row[1] == {"station.follow_up.risk_level.range"}
    assert by_row[4] == {
        "station.follow_up.adherence.code",
        "station.follow_up.visit_date.date_range",
    }
    assert not by_row[0]
    assert not by_row[2]
    assert not by_row[3]
    assert not by_row[5]
    assert all(i.severity == "fatal" for i in outcome.issues[1])
    tally = {t.check: t for t in outcome.tallies}["station.follow_up.risk_level.range"]
    assert (tally.checked, tally.failed, tally.examples) == (6, 1, ["V1"])


def test_discharge_before_admission_is_caught(checks: RawChecks) -> None:
    base = SAMPLES["hospital.admission"].model_dump(mode="json")
    rows = [base, {**base, "admission_id": "A2", "discharged_at": "1999-01-01T00:00:00"}]
    outcome = checks.check("hospital", "hospital.admission", rows)
    assert not outcome.issues[0]
    assert {i.check for i in outcome.issues[1]} >= {"hospital.admission.discharged_at.order"}


def test_a_mistyped_resident_id_is_a_warning_whose_message_hides_the_number(
    checks: RawChecks,
) -> None:
    base = SAMPLES["hospital.patient"].model_dump(mode="json")
    typo = RESIDENT_ID[:-1] + ("1" if RESIDENT_ID[-1] != "1" else "2")
    outcome = checks.check("hospital", "hospital.patient", [{**base, "resident_id": typo}])
    (issue,) = outcome.issues[0]
    assert issue.severity == "warning"
    assert issue.check.endswith("resident_id.resident_id")
    assert typo not in issue.message
    assert RESIDENT_ID[:17] not in issue.message
    assert base["phone"] not in issue.message


def test_scale_items_outside_the_scale_are_fatal_and_a_wrong_total_is_a_warning(
    checks: RawChecks,
) -> None:
    base = SAMPLES["agency.scale"].model_dump(mode="json")  # its recorded total is wrong
    bad_item = {**base, "assessment_id": "S2", "items": {**base["items"], "5A": 6}}
    outcome = checks.check("agency", "agency.scale", [base, bad_item])
    assert [(i.check, i.severity) for i in outcome.issues[0]] == [
        ("agency.scale.reported_total.scale_total", "warning")
    ]
    assert ("agency.scale.items.scale_items", "fatal") in {
        (i.check, i.severity) for i in outcome.issues[1]
    }


def test_an_empty_page_checks_nothing(checks: RawChecks) -> None:
    outcome = checks.check("station", "station.follow_up", [])
    assert outcome.issues == []
    assert outcome.tallies == []


def test_a_check_that_cannot_run_fails_closed(checks: RawChecks) -> None:
    rows = _visits(2)
    for row in rows:
        del row["adherence"]  # an extract without the column: its checks cannot run
    outcome = checks.check("station", "station.follow_up", rows)
    for issues in outcome.issues:
        assert {i.check for i in issues} >= {
            "station.follow_up.adherence.columns",
            "station.follow_up.adherence.code",
        }
    errored = {t.check for t in outcome.tallies if t.errors}
    assert "station.follow_up.adherence.code" in errored
