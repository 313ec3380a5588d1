"""The simulator's gap truth on hand-built event histories, and equal to the hub's gaps on a
small clean simulated district (precision and recall 1.0 per rule)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env
import pytest

from simulators.dates import NO_DAY
from simulators.gaptruth import (
    CASE_RULE,
    GAP_RULES,
    GapRules,
    PersonEvents,
    case_plan_gaps,
    casework_frame,
    evaluation_days,
    open_gaps,
    true_gaps,
)
from tests.continuity.truth import district_scores

D = 19_800  # a day number (2024-03-18)
RULES = GapRules()


def _person(
    visits: list[tuple[int, int, int, int]],
    stays: Sequence[tuple[int, int]] = (),
    emergencies: Sequence[int] = (),
    exit_reason: str = "",
) -> PersonEvents:
    """A person registered long before ``D``; visits are (day, class, adherence, risk)."""
    return PersonEvents(D - 400, exit_reason, visits, list(stays), list(emergencies))


def _rules(gaps: list[tuple[str, int, int]]) -> dict[str, int]:
    return {rule: due for rule, due, _ in gaps}


def test_overdue_by_class_and_first_basically_stable_two_weeks() -> None:
    stable = _person([(D, 3, 1, 0)])
    assert open_gaps(stable, D + 92, RULES) == []
    assert _rules(open_gaps(stable, D + 93, RULES)) == {"follow-up-overdue": D + 92}
    basic_first = _person([(D - 30, 3, 1, 0), (D, 2, 1, 1)])
    assert _rules(open_gaps(basic_first, D + 15, RULES)) == {"follow-up-overdue": D + 14}
    basic_again = _person([(D - 14, 2, 1, 1), (D, 2, 1, 1)])
    assert open_gaps(basic_again, D + 31, RULES) == []


def test_discharge_fourteen_days_is_not_a_gap_fifteen_is_unless_seen() -> None:
    stayed = _person([(D - 60, 1, 1, 3)], stays=[(D - 58, D)])
    assert "discharge-follow-up" not in _rules(open_gaps(stayed, D + 14, RULES))
    assert _rules(open_gaps(stayed, D + 15, RULES))["discharge-follow-up"] == D + 14
    seen = _person([(D - 60, 1, 1, 3), (D + 20, 3, 1, 0)], stays=[(D - 58, D)])
    assert "discharge-follow-up" not in _rules(open_gaps(seen, D + 21, RULES))


def test_high_risk_answered_by_admission_emergency_or_another_visit() -> None:
    alone = _person([(D, 1, 1, 4)])
    assert _rules(open_gaps(alone, D + 15, RULES))["high-risk-response"] == D + 14
    admitted = _person([(D, 1, 1, 4)], stays=[(D + 2, NO_DAY)])
    handled = _person([(D, 1, 1, 4)], emergencies=[D + 1])
    for answered in (admitted, handled):
        assert "high-risk-response" not in _rules(open_gaps(answered, D + 15, RULES))


def test_non_adherence_at_the_last_two_visits_and_readmission_still_in_hospital() -> None:
    person = _person([(D - 20, 2, 1, 1), (D - 10, 2, 2, 1), (D, 2, 3, 1)])
    assert _rules(open_gaps(person, D + 1, RULES))["medication-non-adherence"] == D + 14
    back = _person([(D - 80, 1, 1, 3)], stays=[(D - 78, D - 40), (D - 10, NO_DAY)])
    assert _rules(open_gaps(back, D, RULES))["readmission-review"] == D + 4
    late = _person([(D - 80, 1, 1, 3)], stays=[(D - 78, D - 40), (D - 9, NO_DAY)])
    assert "readmission-review" not in _rules(open_gaps(late, D, RULES))


def test_lost_recorded_or_after_three_intervals_and_nothing_for_the_dead() -> None:
    recorded = _person([(D, 3, 1, 0)], exit_reason="lost")
    assert _rules(open_gaps(recorded, D + 10, RULES)) == {"lost-to-follow-up": D + 10}
    silent = _person([(D, 1, 1, 1)])
    assert _rules(open_gaps(silent, D + 43, RULES))["lost-to-follow-up"] == D + 42
    dead = _person([(D, 1, 3, 4), (D + 5, 1, 3, 4)], exit_reason="deceased")
    assert open_gaps(dead, D + 200, RULES) == []


def test_true_gaps_names_persons_and_days() -> None:
    persons = pd.DataFrame(
        {
            "registered": [D - 400, D - 400],
            "exit": [10**6] * 2,
            "death": [10**6] * 2,
            "moved": [10**6] * 2,
        }
    )
    visits = pd.DataFrame(
        {"person": [0, 1], "day": [D, D], "cls": [3, 1], "adherence": [1, 1], "risk": [0, 1]}
    )
    none = pd.DataFrame({"person": [], "admitted": [], "discharged": [], "day": []}, dtype=int)
    frame = true_gaps(persons, visits, none, none, D + 20)
    assert frame.to_dict("records") == [
        {
            "as_of": "2024-04-07",
            "person_id": "P0000002",
            "rule": "follow-up-overdue",
            "due": "2024-04-01",
            "evidence_day": "2024-03-18",
        }
    ]


def test_the_truth_is_taken_on_each_anniversary_and_the_end() -> None:
    start, end = D - 10, D + 365 * 2 + 30
    days = evaluation_days(start, end)
    assert days == [start + 365, start + 730, end]
    assert evaluation_days(start, start + 365) == [start + 365]


@pytest.mark.slow
def test_gaps_found_on_a_clean_district_equal_the_truth(tmp_path: Path) -> None:
    # seed 29: true gaps of five of the six covered rules (risk 3+ gaps are rare: none here)
    result = district_scores(tmp_path, patients=80, years=2, seed=29)
    assert result.unmatched == 0
    assert sum(1 for s in result.scores if s.tp) >= 5, "the district should exercise the rules"
    for score in result.scores:
        assert (score.precision, score.recall) == (1.0, 1.0), (
            score,
            sorted(g for g in result.found ^ result.expected if g[1] == score.rule),
        )
    assert {s.rule for s in result.scores} == {*GAP_RULES, CASE_RULE}  # all seven rules


def _case_docs(status: str, plans: list[tuple[str, str]], closed_on: str | None = None) -> Any:
    docs: dict[str, list[dict[str, Any]]] = {
        "cases": [{"case_id": "C1", "intake_date": "2024-01-01", "status": status}],
        "care-plans": [{"case_id": "C1", "period_start": a, "period_end": b} for a, b in plans],
        "closures": [{"case_id": "C1", "closed_on": closed_on}] if closed_on else [],
    }
    return casework_frame(docs, {"cases": [4]})


def test_case_without_an_active_plan_after_the_agreed_days() -> None:
    as_of = int(pd.Timestamp("2024-03-01").value // 86_400_000_000_000)
    intake = as_of - 60
    none = _case_docs("open", [])
    assert case_plan_gaps(none, as_of, RULES) == [(4, intake + 30, intake)]
    assert case_plan_gaps(none, intake + 30, RULES) == []
    planned = _case_docs("open", [("2024-01-10", "2025-01-08")])
    assert case_plan_gaps(planned, as_of, RULES) == []
    lapsed = _case_docs("open", [("2024-01-10", "2024-01-20")])
    assert case_plan_gaps(lapsed, as_of, RULES) == [(4, intake + 19 + 30, intake)]
    for other in (_case_docs("on_hold", []), _case_docs("closed", [], "2024-02-01")):
        assert case_plan_gaps(other, as_of, RULES) == []
