"""Each continuity rule on hand-built histories, at the edges of its intervals."""

from __future__ import annotations

from datetime import date

import pytest

from hub.config import FollowUpRules, Settings
from hub.continuity.catalogue import RULES, rule_by_id
from hub.continuity.facts import PersonFacts, read_facts
from hub.continuity.rules import (
    ContinuityOptions,
    Finding,
    case_plan_missing,
    discharge_follow_up,
    follow_up_overdue,
    high_risk_response,
    lost_to_follow_up,
    medication_non_adherence,
    readmission_review,
)
from tests.continuity.history import History, days

D0 = date(2024, 3, 1)
OPTIONS = ContinuityOptions(FollowUpRules())


def _open(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_open]


def _facts(h: History) -> PersonFacts:
    return read_facts(h.patient_id, h.resources)


# --- discharge without community follow-up ------------------------------------------------


def test_discharge_fourteen_days_ago_is_not_yet_a_gap_fifteen_is() -> None:
    h = History()
    h.station(date(2023, 1, 1))
    stay = h.admission(days(D0, -20), D0)
    facts = _facts(h)
    assert _open(discharge_follow_up(facts, days(D0, 14), OPTIONS)) == []
    gaps = _open(discharge_follow_up(facts, days(D0, 15), OPTIONS))
    assert [(g.key, g.due) for g in gaps] == [(stay, days(D0, 14))]


def test_no_discharge_gap_for_a_patient_who_moved_away() -> None:
    h = History()
    h.station(date(2023, 1, 1), status="moved")
    h.admission(days(D0, -20), D0)
    assert discharge_follow_up(_facts(h), days(D0, 30), OPTIONS) == []


def test_follow_up_on_day_fourteen_meets_the_rule() -> None:
    h = History()
    h.admission(days(D0, -20), D0)
    visit = h.follow_up(days(D0, 14))
    findings = discharge_follow_up(_facts(h), days(D0, 40), OPTIONS)
    assert [(f.is_open, f.closed_by) for f in findings] == [(False, visit)]


def test_late_follow_up_closes_the_gap_with_itself_as_evidence() -> None:
    h = History()
    h.admission(days(D0, -20), D0)
    late = h.follow_up(days(D0, 20))
    assert _open(discharge_follow_up(_facts(h), days(D0, 19), OPTIONS))
    (finding,) = discharge_follow_up(_facts(h), days(D0, 21), OPTIONS)
    assert (finding.closed_by, finding.closed_on) == (late, days(D0, 20))


def test_the_discharge_window_is_configurable() -> None:
    h = History()
    h.admission(days(D0, -20), D0)
    options = ContinuityOptions(FollowUpRules(discharge_follow_up_days=7))
    assert _open(discharge_follow_up(_facts(h), days(D0, 8), options))
    assert not _open(discharge_follow_up(_facts(h), days(D0, 8), OPTIONS))


def test_readmission_before_any_follow_up_answers_the_discharge() -> None:
    h = History()
    h.admission(days(D0, -20), D0)
    again = h.admission(days(D0, 5), None)
    findings = [
        f for f in discharge_follow_up(_facts(h), days(D0, 30), OPTIONS) if f.evidence[0] != again
    ]
    assert [f.closed_by for f in findings] == [again]


# --- follow-up overdue for the stability class ----------------------------------------------


@pytest.mark.parametrize(("klass", "allowed"), [("1", 14), ("3", 92)])
def test_overdue_after_the_interval_of_the_class(klass: str, allowed: int) -> None:
    h = History()
    h.station(date(2023, 1, 1))
    visit = h.follow_up(D0, klass=klass)
    assert not _open(follow_up_overdue(_facts(h), days(D0, allowed), OPTIONS))
    (gap,) = _open(follow_up_overdue(_facts(h), days(D0, allowed + 1), OPTIONS))
    assert (gap.key, gap.due) == (visit, days(D0, allowed))


def test_basically_stable_first_two_weeks_then_one_month() -> None:
    """The class changes between visits: stable -> basically stable -> basically stable."""
    h = History()
    h.station(date(2023, 1, 1))
    h.follow_up(days(D0, -60), klass="3")
    first = h.follow_up(D0, klass="2")
    (gap,) = _open(follow_up_overdue(_facts(h), days(D0, 15), OPTIONS))
    assert (gap.key, gap.due) == (first, days(D0, 14))
    second = h.follow_up(days(D0, 14), klass="2")
    assert not _open(follow_up_overdue(_facts(h), days(D0, 14 + 31), OPTIONS))
    (gap,) = _open(follow_up_overdue(_facts(h), days(D0, 14 + 32), OPTIONS))
    assert gap.key == second


def test_a_visit_after_the_deadline_closes_the_overdue_gap() -> None:
    h = History()
    h.station(date(2023, 1, 1))
    first = h.follow_up(D0, klass="1")
    late = h.follow_up(days(D0, 20), klass="3")
    closed = [f for f in follow_up_overdue(_facts(h), days(D0, 21), OPTIONS) if f.key == first]
    assert [(f.is_open, f.closed_by) for f in closed] == [(False, late)]


def test_no_overdue_gap_while_in_hospital_or_after_the_episode_closed() -> None:
    h = History()
    h.station(date(2023, 1, 1))
    h.follow_up(D0, klass="1")
    h.admission(days(D0, 5), None)
    assert follow_up_overdue(_facts(h), days(D0, 30), OPTIONS) == []
    moved = History()
    moved.station(date(2023, 1, 1), status="moved")
    moved.follow_up(D0, klass="1")
    assert follow_up_overdue(_facts(moved), days(D0, 30), OPTIONS) == []


# --- risk level 3 or more without the required response ---------------------------------------


def test_high_risk_without_response_after_two_weeks() -> None:
    h = History()
    h.follow_up(D0, klass="1", risk=3)
    facts = _facts(h)
    assert not _open(high_risk_response(facts, days(D0, 14), OPTIONS))
    (gap,) = _open(high_risk_response(facts, days(D0, 15), OPTIONS))
    assert gap.due == days(D0, 14)


def test_risk_two_needs_no_response_and_emergency_handling_answers_risk_four() -> None:
    low = History()
    low.follow_up(D0, klass="2", risk=2)
    assert high_risk_response(_facts(low), days(D0, 30), OPTIONS) == []
    high = History()
    high.follow_up(D0, klass="1", risk=4)
    handled = high.emergency(days(D0, 1))
    (finding,) = high_risk_response(_facts(high), days(D0, 30), OPTIONS)
    assert finding.closed_by == handled


def test_a_referral_alone_does_not_answer_risk_three_a_follow_up_in_two_weeks_does() -> None:
    h = History()
    h.follow_up(D0, klass="1", risk=3)
    h.referral(D0)
    (gap,) = _open(high_risk_response(_facts(h), days(D0, 15), OPTIONS))
    assert gap.due == days(D0, 14)
    h.follow_up(days(D0, 12), klass="1", risk=1)
    assert not _open(high_risk_response(_facts(h), days(D0, 15), OPTIONS))


def test_no_station_gaps_once_the_patient_died_or_moved_away() -> None:
    for status in ("deceased", "moved"):
        h = History()
        h.station(date(2023, 1, 1), status=status)
        h.follow_up(D0, klass="1", risk=4, adherence="3")
        h.follow_up(days(D0, 10), klass="1", risk=4, adherence="3")
        facts = _facts(h)
        assert high_risk_response(facts, days(D0, 60), OPTIONS) == []
        assert medication_non_adherence(facts, days(D0, 60), OPTIONS) == []
        assert lost_to_follow_up(facts, days(D0, 60), OPTIONS) == []
    alive = History()
    alive.station(date(2023, 1, 1))
    alive.follow_up(D0, klass="1", risk=4, adherence="3")
    alive.follow_up(days(D0, 10), klass="1", risk=4, adherence="3")
    assert _open(medication_non_adherence(_facts(alive), days(D0, 60), OPTIONS))
    assert _open(high_risk_response(_facts(alive), days(D0, 60), OPTIONS))


def test_the_visit_that_assessed_the_risk_is_not_its_own_response() -> None:
    h = History()
    h.follow_up(D0, klass="1", risk=3)
    follow = h.follow_up(days(D0, 10), klass="1", risk=1)
    findings = high_risk_response(_facts(h), days(D0, 30), OPTIONS)
    assert [(f.is_open, f.closed_by) for f in findings] == [(False, follow)]


# --- no active care plan for an open social-work case --------------------------------------


def test_open_case_without_plan_after_the_agreed_days() -> None:
    h = History(source="agency")
    case = h.case(D0)
    assert not _open(case_plan_missing(_facts(h), days(D0, 30), OPTIONS))
    (gap,) = _open(case_plan_missing(_facts(h), days(D0, 31), OPTIONS))
    assert gap.key == case
    plan = h.case_plan(days(D0, 35))
    (finding,) = case_plan_missing(_facts(h), days(D0, 36), OPTIONS)
    assert finding.closed_by == plan


def test_an_expired_plan_opens_the_gap_again() -> None:
    h = History(source="agency")
    h.case(D0)
    h.case_plan(D0, days(D0, 90))
    assert not _open(case_plan_missing(_facts(h), days(D0, 100), OPTIONS))
    (gap,) = _open(case_plan_missing(_facts(h), days(D0, 121), OPTIONS))
    assert gap.due == days(D0, 120)


def test_a_plan_completed_since_was_in_force_through_its_period() -> None:
    """Evaluated on a past day, a plan that is completed today still covered that day."""
    h = History(source="agency")
    h.case(D0)
    h.case_plan(D0, days(D0, 180), status="completed")
    h.case_plan(days(D0, 181))
    assert not _open(case_plan_missing(_facts(h), days(D0, 100), OPTIONS))
    assert not _open(case_plan_missing(_facts(h), days(D0, 200), OPTIONS))
    revoked = History(source="agency")
    revoked.case(D0)
    revoked.case_plan(D0, days(D0, 180), status="revoked")  # withdrawn: never in force
    assert _open(case_plan_missing(_facts(revoked), days(D0, 100), OPTIONS))


# --- medication non-adherence at two consecutive follow-ups -------------------------------------


def test_two_non_adherent_visits_in_a_row() -> None:
    h = History()
    first = h.follow_up(D0, adherence="2")
    assert medication_non_adherence(_facts(h), days(D0, 1), OPTIONS) == []
    h.follow_up(days(D0, 30), adherence="1")
    h.follow_up(days(D0, 60), adherence="3")
    assert medication_non_adherence(_facts(h), days(D0, 61), OPTIONS) == []  # not consecutive
    third = h.follow_up(days(D0, 90), adherence="2")
    (gap,) = _open(medication_non_adherence(_facts(h), days(D0, 91), OPTIONS))
    assert gap.evidence[-1] == third
    assert first not in gap.evidence
    regular = h.follow_up(days(D0, 100), adherence="1")
    (finding,) = medication_non_adherence(_facts(h), days(D0, 101), OPTIONS)
    assert finding.closed_by == regular


# --- rehospitalisation within 30 days -----------------------------------------------------


def test_readmission_on_day_thirty_counts_day_thirty_one_does_not() -> None:
    h = History(source="hospital")
    h.admission(days(D0, -10), D0)
    again = h.admission(days(D0, 30), days(D0, 50))
    (gap,) = _open(readmission_review(_facts(h), days(D0, 31), OPTIONS))
    assert gap.key == again
    late = History(source="hospital")
    late.admission(days(D0, -10), D0)
    late.admission(days(D0, 31), None)
    assert readmission_review(_facts(late), days(D0, 40), OPTIONS) == []


def test_discharge_plan_of_the_readmission_closes_the_review() -> None:
    h = History(source="hospital")
    h.admission(days(D0, -10), D0)
    again = h.admission(days(D0, 5), days(D0, 20))
    plan = h.discharge_plan(again, days(D0, 20))
    (finding,) = readmission_review(_facts(h), days(D0, 25), OPTIONS)
    assert finding.closed_by == plan
    (before,) = readmission_review(_facts(h), days(D0, 19), OPTIONS)  # still in hospital then
    assert before.is_open


# --- lost to follow-up -------------------------------------------------------------------


def test_lost_after_three_missed_intervals() -> None:
    h = History()
    h.station(date(2023, 1, 1))
    visit = h.follow_up(D0, klass="1")
    assert not _open(lost_to_follow_up(_facts(h), days(D0, 42), OPTIONS))
    (gap,) = _open(lost_to_follow_up(_facts(h), days(D0, 43), OPTIONS))
    assert gap.key == visit
    back = h.follow_up(days(D0, 50), klass="1")
    closed = [f for f in lost_to_follow_up(_facts(h), days(D0, 51), OPTIONS) if f.key == visit]
    assert [f.closed_by for f in closed] == [back]


def test_recorded_as_lost_by_the_station() -> None:
    h = History()
    h.station(date(2023, 1, 1), status="lost")
    h.follow_up(D0, klass="3")
    assert _open(lost_to_follow_up(_facts(h), days(D0, 10), OPTIONS))


def test_recorded_as_lost_with_the_episode_finished_as_the_mapping_writes_it() -> None:
    h = History()
    episode = h.station(date(2023, 1, 1), status="lost")
    episode["status"] = "finished"
    visit = h.follow_up(D0, klass="3")
    (gap,) = _open(lost_to_follow_up(_facts(h), days(D0, 10), OPTIONS))
    assert (gap.key, gap.due) == (visit, days(D0, 10))
    assert follow_up_overdue(_facts(h), days(D0, 100), OPTIONS) == []


# --- the catalogue ------------------------------------------------------------------------


def test_every_rule_has_an_id_a_description_and_a_source() -> None:
    assert len({r.id for r in RULES}) == len(RULES) >= 7
    for rule in RULES:
        assert all((rule.description, rule.source, *rule.title))
        assert rule_by_id(rule.id) is rule
    with pytest.raises(KeyError, match="known"):
        rule_by_id("nope")


# --- the rule choices come from the Settings ------------------------------------------------


def test_rule_choices_are_read_from_the_environment_through_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_FOLLOW_UP__CASE_PLAN_DAYS", "10")
    monkeypatch.setenv("HUB_FOLLOW_UP__LOST_AFTER_MISSED_VISITS", "2")
    options = ContinuityOptions(Settings().follow_up)
    h = History(source="agency")
    h.case(D0)
    assert _open(case_plan_missing(_facts(h), days(D0, 11), options))
    assert not _open(case_plan_missing(_facts(h), days(D0, 11), OPTIONS))
    h = History()
    h.station(date(2023, 1, 1))
    h.follow_up(D0, klass="1")
    assert _open(lost_to_follow_up(_facts(h), days(D0, 29), options))
    assert not _open(lost_to_follow_up(_facts(h), days(D0, 29), OPTIONS))


def test_readmission_review_and_lookback_days_are_settings() -> None:
    h = History()
    h.admission(days(D0, -20), D0)
    again = h.admission(days(D0, 10), None)
    short = ContinuityOptions(FollowUpRules(readmission_review_days=3, lookback_days=5))
    (review,) = readmission_review(_facts(h), days(D0, 12), short)
    assert (review.key, review.due) == (again, days(D0, 13))
    assert readmission_review(_facts(h), days(D0, 16), short) == []  # older than the lookback
    lone = History()
    lone.admission(days(D0, -20), D0)
    assert discharge_follow_up(_facts(lone), days(D0, 16), short) == []
    assert _open(discharge_follow_up(_facts(lone), days(D0, 16), OPTIONS))


def test_a_status_recorded_later_does_not_hold_on_an_earlier_day() -> None:
    h = History()
    episode = h.station(date(2023, 1, 1), status="lost")
    episode["status"] = "finished"
    episode["period"]["end"] = days(D0, 200).isoformat()
    visit = h.follow_up(D0, klass="3")
    facts = _facts(h)
    (overdue,) = _open(follow_up_overdue(facts, days(D0, 150), OPTIONS))
    assert overdue.key == visit
    assert not _open(lost_to_follow_up(facts, days(D0, 150), OPTIONS))
    assert follow_up_overdue(facts, days(D0, 250), OPTIONS) == []
    assert _open(lost_to_follow_up(facts, days(D0, 250), OPTIONS))
