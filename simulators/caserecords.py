"""The records of one social-work case: needs, care plans, scales, contacts, supervision.

Each builder appends documents in the agency's JSON shape (FORMATS.md) to a :class:`Casework`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulators.dates import agency_date as _d
from simulators.dates import agency_stamp as _stamp
from simulators.scales import sdss as _sdss
from simulators.scales import ssrs as _ssrs

__all__ = ["Casework", "contacts", "needs_and_plans", "scales", "supervisions"]

_MASLOW = {
    "income": 1,
    "daily_living": 1,
    "housing": 2,
    "medication_management": 2,
    "family_relations": 3,
    "social_participation": 3,
    "employment": 4,
}
_NEED_TEXT = {
    "income": "家庭经济困难，需申请低保",
    "daily_living": "日常生活自理能力不足",
    "housing": "居住条件差",
    "medication_management": "服药依从性差，需督促服药",
    "family_relations": "家庭关系紧张，照料者负担重",
    "social_participation": "社会交往少，长期居家",
    "employment": "有就业意愿，缺少机会",
}
_MODES = ["home_visit", "phone", "wechat", "office", "group_activity"]
_MODE_P = [0.35, 0.30, 0.25, 0.07, 0.03]
_KINDS = ["counselling", "family_work", "linking_resources", "group_work", "crisis_work"]
_KIND_P = [0.35, 0.25, 0.2, 0.15, 0.05]
_RESOURCES = ["subsistence_allowance", "medical_aid", "guardianship_subsidy", "disability_card"]
_STEPS = (
    "collect_information",
    "analyse_and_diagnose",
    "plan",
    "supervise_implementation",
    "feedback_and_evaluation",
)


@dataclass
class Casework:
    """Agency records by collection, each with the person (cohort index) it is about."""

    docs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    persons: dict[str, list[int]] = field(default_factory=dict)

    def add(self, collection: str, doc: dict[str, Any], person: int) -> None:
        """Append one record."""
        self.docs.setdefault(collection, []).append(doc)
        self.persons.setdefault(collection, []).append(person)


def needs_and_plans(
    rng: np.random.Generator,
    work: Casework,
    ctx: dict[str, str],
    person: int,
    intake: int,
    last: int,
    worker: str,
) -> list[tuple[str, int, int]]:
    """A needs assessment and a one-year care plan at intake and every year after."""
    plans: list[tuple[str, int, int]] = []
    for k, assessed in enumerate(range(intake + int(rng.integers(0, 14)), last + 1, 365), 1):
        domains = [str(d) for d in rng.choice(list(_MASLOW), int(rng.integers(2, 5)), False)]
        needs = [
            {
                "domain": d,
                "maslow_level": _MASLOW[d],
                "description": _NEED_TEXT[d],
                "priority": str(rng.choice(["high", "medium", "low"])),
            }
            for d in domains
        ]
        work.add(
            "needs-assessments",
            {
                **ctx,
                "assessment_id": f"{ctx['case_id']}-NA{k:02d}",
                "assessed_on": _d(assessed),
                "assessor_id": worker,
                "needs": needs,
                "updated_at": _stamp(assessed, 57600),
            },
            person,
        )
        created = min(assessed + int(rng.integers(1, 10)), last)
        plan = _care_plan(rng, ctx, f"{ctx['case_id']}-P{k:02d}", domains, created, last, worker)
        work.add("care-plans", plan, person)
        plans.append((plan["plan_id"], created, created + 364))
    return plans


def _care_plan(
    rng: np.random.Generator,
    ctx: dict[str, str],
    plan_id: str,
    domains: list[str],
    created: int,
    last: int,
    worker: str,
) -> dict[str, Any]:
    """A one-year care plan with a goal per need and a review every 91 days."""
    period_end = created + 364
    finished = period_end <= last
    goals = [
        {
            "goal_id": f"{plan_id}-G{g}",
            "need_domain": d,
            "description": f"改善：{_NEED_TEXT[d]}",
            "target_date": _d(period_end),
            "status": str(rng.choice(["achieved", "not_achieved"])) if finished else "active",
        }
        for g, d in enumerate(domains, 1)
    ]
    reviews = [
        {"reviewed_on": _d(r), "reviewer_id": worker, "note": "按计划推进"}
        for r in range(created + 91, min(last, period_end) + 1, 91)
    ]
    return {
        **ctx,
        "plan_id": plan_id,
        "status": "completed" if finished else "active",
        "created_on": _d(created),
        "period_start": _d(created),
        "period_end": _d(period_end),
        "problems": [_NEED_TEXT[d] for d in domains],
        "goals": goals,
        "planned_interventions": sorted({str(x) for x in rng.choice(_KINDS, 3, p=_KIND_P)}),
        "responsible_id": worker,
        "reviews": reviews,
        "updated_at": _stamp(min(last, created + 91 * len(reviews)), 61200),
    }


def scales(
    rng: np.random.Generator,
    work: Casework,
    ctx: dict[str, str],
    person: int,
    intake: int,
    last: int,
    worker: str,
) -> None:
    """SSRS and SDSS at intake and every six months."""
    for k, day in enumerate(range(intake + int(rng.integers(0, 14)), last + 1, 182), 1):
        for scale, draw in (("SSRS", _ssrs), ("SDSS", _sdss)):
            items, total = draw(rng)
            work.add(
                "scales",
                {
                    **ctx,
                    "assessment_id": f"{ctx['case_id']}-{scale}{k:02d}",
                    "scale": scale,
                    "assessed_on": _d(day),
                    "assessor_id": worker,
                    "informant": "client" if scale == "SSRS" else "family",
                    "items": items,
                    "reported_total": total,
                    "updated_at": _stamp(day, 59400),
                },
                person,
            )


def _plan_at(plans: list[tuple[str, int, int]], day: int) -> str | None:
    for plan_id, created, period_end in plans:
        if created <= day <= period_end:
            return plan_id
    return None


def contacts(
    rng: np.random.Generator,
    work: Casework,
    ctx: dict[str, str],
    person: int,
    intake: int,
    last: int,
    worker: str,
    plans: list[tuple[str, int, int]],
) -> None:
    """About 18 contacts a year (home visits, phone, WeChat, office, groups), then the
    interventions."""
    cid, years = ctx["case_id"], (last - intake + 1) / 365.25
    count = rng.poisson(18 * years)
    days = np.sort(rng.integers(intake, last + 1, count)).tolist()
    modes = rng.choice(_MODES, count, p=_MODE_P).tolist()
    seconds = rng.integers(8 * 3600, 18 * 3600, count).tolist()
    minutes = rng.integers(5, 90, count).tolist()
    on_day: dict[int, str] = {}
    for k in range(count):
        day, mode, second = days[k], modes[k], seconds[k]
        contact_id = f"{cid}-CT{k + 1:04d}"
        on_day.setdefault(day, contact_id)
        work.add(
            "contacts",
            {
                **ctx,
                "contact_id": contact_id,
                "mode": mode,
                "contact_at": _stamp(day, second),
                "duration_minutes": minutes[k],
                "participants": ["client", "family"] if mode == "home_visit" else ["client"],
                "purpose": "了解近况，督促服药",
                "notes": "情况稳定",
                "worker_id": worker,
                "plan_id": _plan_at(plans, day),
                "updated_at": _stamp(day, min(second + 7200, 86399)),
            },
            person,
        )
    _interventions(rng, work, ctx, person, (intake, last), worker, plans, on_day)


def _interventions(
    rng: np.random.Generator,
    work: Casework,
    ctx: dict[str, str],
    person: int,
    span: tuple[int, int],
    worker: str,
    plans: list[tuple[str, int, int]],
    on_day: dict[int, str],
) -> None:
    """About 15 interventions a year; one on a contact's day is done during that contact."""
    intake, last = span
    count = rng.poisson(15 * (last - intake + 1) / 365.25)
    days = np.sort(rng.integers(intake, last + 1, count)).tolist()
    kinds = rng.choice(_KINDS, count, p=_KIND_P).tolist()
    resources = rng.choice(_RESOURCES, count).tolist()
    outcomes = rng.choice(["requested", "granted", "pending"], count).tolist()
    for k in range(count):
        day, kind = days[k], kinds[k]
        linked = kind == "linking_resources"
        work.add(
            "interventions",
            {
                **ctx,
                "intervention_id": f"{ctx['case_id']}-IV{k + 1:04d}",
                "kind_code": kind,
                "performed_on": _d(day),
                "description": "个案辅导",
                "resource_linked": resources[k] if linked else None,
                "outcome": outcomes[k] if linked else None,
                "contact_id": on_day.get(day),
                "plan_id": _plan_at(plans, day),
                "worker_id": worker,
                "updated_at": _stamp(day, 64800),
            },
            person,
        )


def supervisions(
    rng: np.random.Generator,
    work: Casework,
    ctx: dict[str, str],
    person: int,
    intake: int,
    last: int,
) -> None:
    """A five-step supervision review every six months, the last one maybe still running."""
    for k, begin in enumerate(range(intake + 90, last + 1, 182), 1):
        done = [begin + 7 * i for i in range(5)]
        steps = [
            {"step": step, "done_on": _d(day) if day <= last else None, "note": None}
            for step, day in zip(_STEPS, done, strict=True)
        ]
        finished = done[-1] <= last
        work.add(
            "supervisions",
            {
                **ctx,
                "supervision_id": f"{ctx['case_id']}-SV{k:02d}",
                "supervisor_id": "SV01",
                "supervisor_name": "督导 周老师",
                "started_on": _d(begin),
                "status": "completed" if finished else "in_progress",
                "steps": steps,
                "updated_at": _stamp(min(done[-1], last), 54000),
            },
            person,
        )
