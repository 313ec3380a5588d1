"""The continuity rules: each a pure function of a person's facts, the day of evaluation and
the configured intervals, returning findings (a gap still open, or one the evidence closed).

Every rule carries an id, a description in our words, the part of the national work
specification it comes from (see DOMAIN.md), and which organisation acts on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from hub.config import FollowUpRules
from hub.continuity.facts import Admission, Contact, Episode, PersonFacts

__all__ = [
    "ContinuityOptions",
    "Finding",
    "Rule",
    "case_plan_missing",
    "discharge_follow_up",
    "follow_up_interval",
    "follow_up_overdue",
    "high_risk_response",
    "lost_to_follow_up",
    "medication_non_adherence",
    "readmission_review",
]

Owner = Literal["station", "agency", "hospital"]
_NON_ADHERENT = ("2", "3")  # intermittent, not taking
_CLOSED_STATUSES = frozenset({"lost", "deceased", "moved"})


@dataclass(frozen=True)
class ContinuityOptions:
    """What the rules are told: the follow-up group of the Settings (intervals and choices)."""

    follow_up: FollowUpRules


@dataclass(frozen=True)
class Finding:
    """A gap: open (``closed_by`` None) or closed by the evidence named."""

    rule: str
    key: str  # the evidence the gap is about; with rule and patient it makes the Task id
    evidence: tuple[str, ...]
    opened: date
    due: date
    detail: str
    closed_by: str | None = None
    closed_on: date | None = None

    @property
    def is_open(self) -> bool:
        """Whether the gap still needs action."""
        return self.closed_by is None


Evaluate = Callable[[PersonFacts, date, ContinuityOptions], list[Finding]]


@dataclass(frozen=True)
class Rule:
    """One continuity rule."""

    id: str
    title: tuple[str, str]  # (zh, en)
    description: str
    source: str
    owner: Owner
    evaluate: Evaluate


def _status_on(episode: Episode, as_of: date) -> tuple[str, str | None]:
    """(episode status, management status) on a day: a status that ended the episode later
    than ``as_of`` did not hold yet (``hub gaps --as-of`` a past day)."""
    if episode.end is not None and episode.end > as_of:
        return "active", "managed"
    return episode.status, episode.management_status


def _gone(facts: PersonFacts, as_of: date) -> bool:
    """Died or moved away (station status): no community follow-up is owed here any more."""
    community = facts.episode("community-management")
    if community is None:
        return False
    return _status_on(community, as_of)[1] in _CLOSED_STATUSES - {"lost"}


def _in_hospital(facts: PersonFacts, as_of: date) -> bool:
    return any(a.start <= as_of and (a.end is None or a.end > as_of) for a in facts.admissions)


def _first(
    contacts: Sequence[Contact | Admission], after: date, as_of: date
) -> tuple[str, date] | None:
    dated = [(c.day if isinstance(c, Contact) else c.start, c.ref) for c in contacts]
    found = sorted((d, r) for d, r in dated if after <= d <= as_of)
    return (found[0][1], found[0][0]) if found else None


def _window(
    rule: str,
    key: str,
    evidence: tuple[str, ...],
    start: date,
    deadline: date,
    as_of: date,
    closer: tuple[str, date] | None,
    detail: str,
) -> list[Finding]:
    """The common shape: something must happen between start and deadline."""
    if closer is not None:
        return [Finding(rule, key, evidence, deadline, deadline, detail, closer[0], closer[1])]
    if as_of <= deadline:
        return []  # still inside the window: not a gap yet
    return [Finding(rule, key, evidence, deadline, deadline, detail)]


def discharge_follow_up(facts: PersonFacts, as_of: date, o: ContinuityOptions) -> list[Finding]:
    """Each discharge needs a community follow-up within N days (or a readmission first)."""
    if _gone(facts, as_of):
        return []
    findings: list[Finding] = []
    since = as_of - timedelta(days=o.follow_up.lookback_days)
    for stay in facts.admissions:
        if stay.end is None or not since <= stay.end <= as_of:
            continue
        deadline = stay.end + timedelta(days=o.follow_up.discharge_follow_up_days)
        later = [a for a in facts.admissions if a.start > stay.end]
        closer = _first([*facts.follow_ups, *later], stay.end, as_of)
        detail = f"discharged {stay.end.isoformat()}, follow-up due by {deadline.isoformat()}"
        findings += _window(
            "discharge-follow-up", stay.ref, (stay.ref,), stay.end, deadline, as_of, closer, detail
        )
    return findings


def follow_up_interval(previous: Contact | None, last: Contact | None, rules: FollowUpRules) -> int:
    """Days allowed after ``last`` for its stability class (2 weeks on first 'basically stable')."""
    klass = last.follow_up_class if last else None
    if klass == "1":
        return rules.unstable_max_days
    if klass == "2":
        first_time = previous is None or previous.follow_up_class != "2"
        return rules.basically_stable_first_days if first_time else rules.basically_stable_max_days
    return rules.stable_max_days


def _managed(facts: PersonFacts, as_of: date) -> tuple[str, date | None] | None:
    """The active community-management episode (ref, start), unless closed or in hospital."""
    episode = facts.episode("community-management")
    if episode is None:
        return None
    status, management = _status_on(episode, as_of)
    if status not in ("active", "waitlist", "onhold"):
        return None
    if management in _CLOSED_STATUSES or (episode.start and episode.start > as_of):
        return None
    return None if _in_hospital(facts, as_of) else (episode.ref, episode.start)


def _visit_pairs(facts: PersonFacts, as_of: date) -> list[tuple[Contact | None, Contact]]:
    visits = [f for f in facts.follow_ups if f.day <= as_of]
    return [(visits[i - 1] if i else None, v) for i, v in enumerate(visits)]


def follow_up_overdue(facts: PersonFacts, as_of: date, o: ContinuityOptions) -> list[Finding]:
    """The next follow-up is due within the interval of the class set at the last one."""
    managed = _managed(facts, as_of)
    if managed is None:
        return []
    pairs = _visit_pairs(facts, as_of)
    findings: list[Finding] = []
    for i, (previous, visit) in enumerate(pairs):
        due = visit.day + timedelta(days=follow_up_interval(previous, visit, o.follow_up))
        nxt = pairs[i + 1][1] if i + 1 < len(pairs) else None
        detail = f"last follow-up {visit.day.isoformat()} (class {visit.follow_up_class or '?'})"
        if nxt is not None and nxt.day > due:
            findings.append(
                Finding(
                    "follow-up-overdue", visit.ref, (visit.ref,), due, due, detail, nxt.ref, nxt.day
                )
            )
        elif nxt is None and as_of > due and not _discharged_since(facts, visit.day, as_of):
            findings.append(Finding("follow-up-overdue", visit.ref, (visit.ref,), due, due, detail))
    if not pairs and managed[1] is not None:
        due = managed[1] + timedelta(days=o.follow_up.stable_max_days)
        if as_of > due:
            findings.append(
                Finding(
                    "follow-up-overdue",
                    managed[0],
                    (managed[0],),
                    due,
                    due,
                    "no follow-up since registration",
                )
            )
    return findings


def _discharged_since(facts: PersonFacts, since: date, as_of: date) -> bool:
    """A discharge after the last visit: the discharge rule asks for the next visit instead."""
    return any(a.end is not None and since <= a.end <= as_of for a in facts.admissions)


def high_risk_response(facts: PersonFacts, as_of: date, o: ContinuityOptions) -> list[Finding]:
    """Risk level 3+ needs admission, emergency handling or a follow-up within 2 weeks.

    A referral alone does not answer it: DOMAIN.md asks, if not admitted, for the next
    follow-up within 2 weeks whatever was referred.
    """
    if _gone(facts, as_of):
        return []
    findings: list[Finding] = []
    since = as_of - timedelta(days=o.follow_up.lookback_days)
    for risk in facts.risks:
        if risk.level < o.follow_up.high_risk_level or not since <= risk.day <= as_of:
            continue
        deadline = risk.day + timedelta(days=o.follow_up.unstable_max_days)
        later_visits = [f for f in facts.follow_ups if f.ref != risk.encounter]
        handled = [c for c in facts.responses if c.kind != "referral"]
        candidates: list[Contact | Admission] = [*handled, *later_visits, *facts.admissions]
        closer = _first(candidates, risk.day, as_of)
        detail = f"risk level {risk.level} on {risk.day.isoformat()}"
        findings += _window(
            "high-risk-response", risk.ref, (risk.ref,), risk.day, deadline, as_of, closer, detail
        )
    return findings


def _plan_in_force(plan: tuple[str, str, date | None, date | None], as_of: date) -> bool:
    """Whether a case plan (ref, status, start, end) was in force on a day.

    The status is today's: a plan completed since was in force through its period's end, so
    a day inside that period has a plan (the evaluation may be of a past day).
    """
    _, status, _, end = plan
    if status == "active":
        return end is None or end >= as_of
    return status == "completed" and end is not None and end >= as_of


def case_plan_missing(facts: PersonFacts, as_of: date, o: ContinuityOptions) -> list[Finding]:
    """An open social-work case needs an active care plan within the agreed days."""
    case = facts.episode("social-work-case")
    if case is None or case.status != "active" or case.start is None or case.start > as_of:
        return []
    plans = [p for p in facts.case_plans if p[2] is None or p[2] <= as_of]
    active = [p for p in plans if _plan_in_force(p, as_of)]
    ends = [p[3] for p in plans if p[3] is not None and p[3] < as_of]
    start = max([case.start, *ends])
    due = start + timedelta(days=o.follow_up.case_plan_days)
    detail = f"case open since {case.start.isoformat()} without an active care plan"
    if active:
        newest = max(active, key=lambda p: (p[2] or date.min, p[0]))
        return [
            Finding(
                "case-plan-missing",
                case.ref,
                (case.ref,),
                due,
                due,
                detail,
                newest[0],
                newest[2] or as_of,
            )
        ]
    return (
        [Finding("case-plan-missing", case.ref, (case.ref,), due, due, detail)]
        if as_of > due
        else []
    )


def _runs(visits: Sequence[Contact]) -> Iterator[tuple[list[Contact], Contact | None]]:
    """Runs of consecutive non-adherent visits, each with the visit that ended it (or None)."""
    run: list[Contact] = []
    for v in visits:
        if v.adherence in _NON_ADHERENT:
            run.append(v)
            continue
        if run:
            yield run, v
        run = []
    if run:
        yield run, None


def medication_non_adherence(
    facts: PersonFacts, as_of: date, o: ContinuityOptions
) -> list[Finding]:
    """Not taking medication (or only intermittently) at two follow-ups in a row."""
    if _gone(facts, as_of):
        return []
    visits = [f for f in facts.follow_ups if f.day <= as_of and f.adherence is not None]
    findings: list[Finding] = []
    for run, ended_by in _runs(visits):
        if len(run) < 2:
            continue
        opened = run[1].day
        due = opened + timedelta(days=o.follow_up.basically_stable_first_days)
        evidence = tuple(v.ref for v in run)
        detail = f"non-adherent at {len(run)} follow-ups from {run[0].day.isoformat()}"
        closed = (ended_by.ref, ended_by.day) if ended_by else (None, None)
        findings.append(
            Finding("medication-non-adherence", run[0].ref, evidence, opened, due, detail, *closed)
        )
    return findings


def readmission_review(facts: PersonFacts, as_of: date, o: ContinuityOptions) -> list[Finding]:
    """An admission within N days of a discharge asks the hospital for a readmission review."""
    findings: list[Finding] = []
    since = as_of - timedelta(days=o.follow_up.lookback_days)
    plans = {enc: ref for ref, enc in facts.discharge_plans if enc}
    for before, after in zip(facts.admissions, facts.admissions[1:], strict=False):
        if before.end is None or not since <= after.start <= as_of:
            continue
        gap = (after.start - before.end).days
        if not 0 <= gap <= o.follow_up.readmission_days:
            continue
        due = after.start + timedelta(days=o.follow_up.readmission_review_days)
        detail = f"readmitted {after.start.isoformat()}, {gap} days after discharge"
        plan = plans.get(after.ref)
        # the plan is written at discharge: evaluated as of an earlier day, it is not there yet
        planned = plan is not None and (after.end is None or after.end <= as_of)
        closed = (plan, after.end or as_of) if planned else (None, None)
        findings.append(
            Finding(
                "readmission-review",
                after.ref,
                (before.ref, after.ref),
                after.start,
                due,
                detail,
                *closed,
            )
        )
    return findings


def lost_to_follow_up(facts: PersonFacts, as_of: date, o: ContinuityOptions) -> list[Finding]:
    """No contact for three intervals in a row, or the station recorded the patient as lost."""
    episode = facts.episode("community-management")
    if episode is None or _gone(facts, as_of) or _in_hospital(facts, as_of):
        return []
    # the station closes the episode when it records the patient as lost: still a gap to act on
    status, management = _status_on(episode, as_of)
    if status not in ("active", "onhold") and management != "lost":
        return []
    pairs = _visit_pairs(facts, as_of)
    findings: list[Finding] = []
    for i, (previous, visit) in enumerate(pairs):
        allowed = (
            follow_up_interval(previous, visit, o.follow_up) * o.follow_up.lost_after_missed_visits
        )
        lost_on = visit.day + timedelta(days=allowed)
        nxt = pairs[i + 1][1] if i + 1 < len(pairs) else None
        detail = f"no contact since {visit.day.isoformat()}"
        if nxt is not None and nxt.day > lost_on:
            findings.append(
                Finding(
                    "lost-to-follow-up",
                    visit.ref,
                    (visit.ref,),
                    lost_on,
                    lost_on,
                    detail,
                    nxt.ref,
                    nxt.day,
                )
            )
        elif nxt is None and (as_of > lost_on or management == "lost"):
            opened = min(lost_on, as_of)
            findings.append(
                Finding(
                    "lost-to-follow-up", visit.ref, (visit.ref, episode.ref), opened, opened, detail
                )
            )
    if not pairs and management == "lost" and episode.start:
        findings.append(
            Finding(
                "lost-to-follow-up",
                episode.ref,
                (episode.ref,),
                episode.start,
                episode.start,
                "recorded as lost",
            )
        )
    return findings
