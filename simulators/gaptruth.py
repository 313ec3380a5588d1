"""Ground truth of the continuity-of-care gaps: which gaps are open at the end of the period.

Computed from the simulator's own true events (the life course and the cohort's exits), never
from what the hub stored, following DOMAIN.md's follow-up classification and intervals and
the hub's rule catalogue (``truth/gaps.parquet``). A gap is named by the true person, the rule
and the day its action was due, which is what the hub's Task carries as its due date.

Rules covered: discharge without follow-up, follow-up overdue for the class, risk level 3+
without response, non-adherence at two follow-ups in a row, readmission within 30 days,
lost to follow-up; and an open case without an active care plan when the case records are
given (:func:`casework_frame` of each batch; ``truth/gap_rules.parquet`` lists the rules the
truth covers).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from simulators.config import StandardIntervals
from simulators.dates import NO_DAY, day_number, iso_dates, to_date

__all__ = [
    "CASE_COLUMNS",
    "CASE_RULE",
    "GAP_COLUMNS",
    "GAP_RULES",
    "GapRules",
    "PersonEvents",
    "case_plan_gaps",
    "casework_frame",
    "evaluation_days",
    "open_gaps",
    "true_gaps",
]

#: Columns of ``truth/gaps.parquet``.
GAP_COLUMNS = ["as_of", "person_id", "rule", "due", "evidence_day"]
#: The rules this truth covers (ids as the hub's catalogue names them).
GAP_RULES = (
    "discharge-follow-up",
    "follow-up-overdue",
    "high-risk-response",
    "medication-non-adherence",
    "readmission-review",
    "lost-to-follow-up",
)
#: The agency's rule, covered when the case records are given.
CASE_RULE = "case-plan-missing"
#: Columns of a case frame: one row per care plan of a case (plan days NO_DAY: no plan).
CASE_COLUMNS = ["person", "intake", "closed", "on_hold", "plan_start", "plan_end"]
_NON_ADHERENT = (2, 3)  # intermittent, not taking


@dataclass(frozen=True)
class GapRules:
    """The rule parameters (DOMAIN.md defaults; the hub's follow_up settings mirror them)."""

    intervals: StandardIntervals = field(default_factory=StandardIntervals)
    discharge_follow_up_days: int = 14
    readmission_days: int = 30
    readmission_review_days: int = 14
    high_risk_level: int = 3
    lost_after_missed_visits: int = 3
    lookback_days: int = 365
    case_plan_days: int = 30


@dataclass(frozen=True)
class PersonEvents:
    """One person's true events, day numbers; visits as (day, class, adherence, risk)."""

    registered: int
    exit_reason: str  # "" (still managed), deceased, moved, lost
    visits: Sequence[Sequence[int]]
    stays: Sequence[Sequence[int]]  # (admitted, discharged or NO_DAY)
    emergencies: Sequence[int]


Gap = tuple[str, int, int]  # rule, due day, evidence day


def _interval(previous: int | None, cls: int, r: StandardIntervals) -> int:
    """Days allowed after a visit of class ``cls`` (2 weeks on a first 'basically stable')."""
    if cls == 1:
        return r.unstable
    if cls == 2:
        return r.basically_stable_first if previous != 2 else r.basically_stable_repeat
    return r.stable


def _in_hospital(e: PersonEvents, day: int) -> bool:
    return any(a <= day and (d == NO_DAY or d > day) for a, d in e.stays)


def _discharge(e: PersonEvents, as_of: int, r: GapRules) -> Iterator[Gap]:
    """A discharge needs a community follow-up (or a readmission) within N days."""
    for _, out in e.stays:
        if out == NO_DAY or not as_of - r.lookback_days <= out <= as_of:
            continue
        due = out + r.discharge_follow_up_days
        seen = any(out <= v[0] <= as_of for v in e.visits)
        back = any(out < a <= as_of for a, _ in e.stays)
        if as_of > due and not seen and not back:
            yield "discharge-follow-up", due, out


def _last_visit(e: PersonEvents, as_of: int) -> tuple[int | None, Sequence[int] | None]:
    """(class of the visit before the last, the last visit) up to ``as_of``."""
    done = [v for v in e.visits if v[0] <= as_of]
    if not done:
        return None, None
    return (done[-2][1] if len(done) > 1 else None), done[-1]


def _overdue(e: PersonEvents, as_of: int, r: GapRules) -> Iterator[Gap]:
    """The next follow-up is due within the interval of the class set at the last one."""
    if e.exit_reason or _in_hospital(e, as_of):
        return
    previous, last = _last_visit(e, as_of)
    if last is None:
        due = e.registered + r.intervals.stable
        if as_of > due:
            yield "follow-up-overdue", due, e.registered
        return
    due = last[0] + _interval(previous, last[1], r.intervals)
    discharged = any(d != NO_DAY and last[0] <= d <= as_of for _, d in e.stays)
    if as_of > due and not discharged:
        yield "follow-up-overdue", due, last[0]


def _high_risk(e: PersonEvents, as_of: int, r: GapRules) -> Iterator[Gap]:
    """Risk 3+ at a follow-up needs admission, emergency handling or another follow-up."""
    for i, (day, _, _, risk) in enumerate(e.visits):
        if risk < r.high_risk_level or not as_of - r.lookback_days <= day <= as_of:
            continue
        others = [v[0] for k, v in enumerate(e.visits) if k != i]
        answers = [*others, *e.emergencies, *(a for a, _ in e.stays)]
        due = day + r.intervals.unstable
        if as_of > due and not any(day <= d <= as_of for d in answers):
            yield "high-risk-response", due, day


def _non_adherence(e: PersonEvents, as_of: int, r: GapRules) -> Iterator[Gap]:
    """The last follow-ups, two or more in a row, all intermittent or not taking."""
    run = 0
    done = [v for v in e.visits if v[0] <= as_of]
    for v in reversed(done):
        if v[2] not in _NON_ADHERENT:
            break
        run += 1
    if run >= 2:
        second = done[len(done) - run + 1][0]
        yield "medication-non-adherence", second + r.intervals.basically_stable_first, second


def _readmission(e: PersonEvents, as_of: int, r: GapRules) -> Iterator[Gap]:
    """An admission within N days of a discharge, not yet answered by its discharge plan."""
    stays = sorted((a, d) for a, d in e.stays)
    for (_, out), (again, again_out) in pairwise(stays):
        if out == NO_DAY or not as_of - r.lookback_days <= again <= as_of:
            continue
        if 0 <= again - out <= r.readmission_days and (again_out == NO_DAY or again_out > as_of):
            yield "readmission-review", again + r.readmission_review_days, again


def _lost(e: PersonEvents, as_of: int, r: GapRules) -> Iterator[Gap]:
    """No contact for N intervals in a row, or recorded as lost by the station."""
    if e.exit_reason in ("deceased", "moved") or _in_hospital(e, as_of):
        return
    recorded = e.exit_reason == "lost"
    previous, last = _last_visit(e, as_of)
    if last is None:
        if recorded:
            yield "lost-to-follow-up", e.registered, e.registered
        return
    allowed = _interval(previous, last[1], r.intervals) * r.lost_after_missed_visits
    lost_on = last[0] + allowed
    if as_of > lost_on or recorded:
        yield "lost-to-follow-up", min(lost_on, as_of), last[0]


def open_gaps(e: PersonEvents, as_of: int, r: GapRules) -> list[Gap]:
    """Every gap of one person open on ``as_of``."""
    gaps = [*_readmission(e, as_of, r)]
    if e.exit_reason in ("deceased", "moved"):
        return gaps  # died or moved away: the station owes no more follow-up
    for rule in (_discharge, _overdue, _high_risk, _non_adherence, _lost):
        gaps += rule(e, as_of, r)
    return gaps


def _exit_reasons(persons: pd.DataFrame, as_of: int) -> np.ndarray:
    exit_day = persons["exit"].to_numpy()
    gone = exit_day <= as_of
    return np.select(
        [
            gone & (persons["death"].to_numpy() == exit_day),
            gone & (persons["moved"].to_numpy() == exit_day),
            gone,
        ],
        ["deceased", "moved", "lost"],
        "",
    )


def evaluation_days(start: int, end: int) -> list[int]:
    """The days the truth is taken on: each anniversary of the start, up to the period's end."""
    first = to_date(start)
    days = [
        day_number(first.replace(year=first.year + k)) for k in range(1, 1 + (end - start) // 365)
    ]
    return sorted({d for d in days if d < end} | {end})


def _grouped(frame: pd.DataFrame, columns: list[str]) -> dict[int, list[list[int]]]:
    """Rows of ``columns`` per person, in the frame's order within each person."""
    frame = frame.sort_values("person", kind="stable")
    persons = frame["person"].to_numpy(dtype=np.int64)
    values = frame[columns].to_numpy(dtype=np.int64).tolist()
    starts: list[int] = np.flatnonzero(np.diff(persons, prepend=-1) != 0).tolist()
    bounds = [*starts, len(persons)]
    return {int(persons[a]): values[a:b] for a, b in pairwise(bounds)}


def true_gaps(
    persons: pd.DataFrame,
    visits: pd.DataFrame,
    admissions: pd.DataFrame,
    emergencies: pd.DataFrame,
    as_of: int | list[int],
    rules: GapRules | None = None,
    cases: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Open gaps of every person on each ``as_of`` day (the period's end, the end of each year)."""
    r = rules or GapRules()
    days = [as_of] if isinstance(as_of, int) else list(as_of)
    by_visit = _grouped(visits.sort_values(["person", "day"]), ["day", "cls", "adherence", "risk"])
    by_stay = _grouped(admissions, ["admitted", "discharged"])
    by_event = _grouped(emergencies, ["day"])
    registered = persons["registered"].to_numpy().tolist()
    rows: list[tuple[int, int, str, int, int]] = []
    for day in days:
        reasons = _exit_reasons(persons, day).tolist()
        for person in range(len(persons)):
            events = PersonEvents(
                registered[person],
                reasons[person],
                by_visit.get(person, []),
                by_stay.get(person, []),
                [d[0] for d in by_event.get(person, [])],
            )
            rows += [(day, person, *gap) for gap in open_gaps(events, day, r)]
        if cases is not None:  # the agency's own case status decides, as its records say
            rows += [(day, p, CASE_RULE, due, ev) for p, due, ev in case_plan_gaps(cases, day, r)]
    frame = pd.DataFrame(rows, columns=["as_of", "person", "rule", "due", "evidence"])
    return pd.DataFrame(
        {
            "as_of": iso_dates(frame["as_of"].to_numpy(dtype=np.int64)),
            "person_id": np.array(
                [f"P{k + 1:07d}" for k in frame["person"].tolist()], dtype=object
            ),
            "rule": frame["rule"].astype(object).to_numpy(),
            "due": iso_dates(frame["due"].to_numpy(dtype=np.int64)),
            "evidence_day": iso_dates(frame["evidence"].to_numpy(dtype=np.int64)),
        },
        columns=GAP_COLUMNS,
    )


def _day(text: str | None) -> int:
    return int(np.datetime64(text[:10], "D").astype(np.int64)) if text else NO_DAY


def casework_frame(
    docs: dict[str, list[dict[str, Any]]], persons: dict[str, list[int]]
) -> pd.DataFrame:
    """The cases and care plans of one batch of agency records (before any defect)."""
    closed = {d["case_id"]: _day(d["closed_on"]) for d in docs.get("closures", [])}
    plans: dict[str, list[tuple[int, int]]] = {}
    for plan in docs.get("care-plans", []):
        span = (_day(plan["period_start"]), _day(plan["period_end"]))
        plans.setdefault(plan["case_id"], []).append(span)
    rows = [
        (
            person,
            _day(case["intake_date"]),
            closed.get(case["case_id"], NO_DAY),
            case["status"] == "on_hold",
            start,
            end,
        )
        for case, person in zip(docs.get("cases", []), persons.get("cases", []), strict=True)
        for start, end in plans.get(case["case_id"], [(NO_DAY, NO_DAY)])
    ]
    return pd.DataFrame(rows, columns=CASE_COLUMNS)


def case_plan_gaps(cases: pd.DataFrame, as_of: int, r: GapRules) -> list[tuple[int, int, int]]:
    """(person, due, intake) of each open case with no active care plan after the agreed days.

    A plan is active from its start to its end; after one ends, the agreed days run again.
    """
    gaps = []
    for (person, intake, closed, on_hold), plans in cases.groupby(
        ["person", "intake", "closed", "on_hold"], sort=True
    ):
        if on_hold or intake > as_of or NO_DAY < closed <= as_of:
            continue
        spans = [
            (a, b)
            for a, b in zip(plans["plan_start"], plans["plan_end"], strict=True)
            if a != NO_DAY and a <= as_of
        ]
        if any(b >= as_of for _, b in spans):
            continue
        due = max([int(intake), *(int(b) for _, b in spans if b < as_of)]) + r.case_plan_days
        if as_of > due:
            gaps.append((int(person), due, int(intake)))
    return gaps
