"""Social-work case management: cases and everything the agency records about them.

Records are built in the agency's own JSON shape (see FORMATS.md); each comes with the true
person it is about.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from simulators.dates import agency_date as _d
from simulators.dates import agency_stamp as _stamp
from simulators.scales import sdss as _sdss
from simulators.scales import ssrs as _ssrs

__all__ = ["COLLECTIONS", "Casework", "casework_batches", "make_casework"]

#: Collection name in the API -> (record kind, key field).
COLLECTIONS = {
    "cases": ("agency.case", "case_id"),
    "needs-assessments": ("agency.needs_assessment", "assessment_id"),
    "scales": ("agency.scale", "assessment_id"),
    "care-plans": ("agency.care_plan", "plan_id"),
    "contacts": ("agency.contact", "contact_id"),
    "interventions": ("agency.intervention", "intervention_id"),
    "supervisions": ("agency.supervision", "supervision_id"),
    "closures": ("agency.closure", "closure_id"),
}
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


def make_casework(
    rng: np.random.Generator, persons: pd.DataFrame, workers: pd.DataFrame, start: int, end: int
) -> Casework:
    """Every case record at once (small districts; large ones use :func:`casework_batches`)."""
    whole = Casework()
    for batch in casework_batches(rng, persons, workers, start, end):
        for collection, docs in batch.docs.items():
            whole.docs.setdefault(collection, []).extend(docs)
            whole.persons.setdefault(collection, []).extend(batch.persons[collection])
    return whole


def casework_batches(
    rng: np.random.Generator,
    persons: pd.DataFrame,
    workers: pd.DataFrame,
    start: int,
    end: int,
    cases_per_batch: int = 5000,
) -> Iterator[Casework]:
    """Open cases for about one patient in seven; their records, a batch of cases at a time."""
    n = len(persons)
    chosen = np.flatnonzero((rng.random(n) < 0.15) & (persons["consent"].to_numpy()))
    exit_day = persons["exit"].to_numpy()
    by_street = {s: g["staff_id"].tolist() for s, g in workers.groupby("street")}
    names = dict(zip(workers["staff_id"], workers["name"], strict=True))
    for first in range(0, len(chosen), cases_per_batch):
        part = chosen[first : first + cases_per_batch]
        work = Casework()
        rows = persons.iloc[part].to_dict("records")
        for number, (person, row) in enumerate(
            zip(part.tolist(), rows, strict=True), start=first + 1
        ):
            begin = max(int(row["registered"]), start - 365)
            if begin >= end - 30 or exit_day[person] <= begin + 30:
                continue
            intake = int(rng.integers(begin, min(end - 30, exit_day[person] - 30)))
            team = by_street[int(row["street"])]
            worker_id = team[int(rng.integers(0, len(team)))]
            _one_case(rng, work, number, person, row, intake, end, (worker_id, names[worker_id]))
        yield work


def _closure_of(
    rng: np.random.Generator, row: dict[str, Any], intake: int, end: int
) -> tuple[int, str]:
    """Day and reason the case closes (-1: still open at the end)."""
    if row["death"] < end:
        return int(row["death"]) + int(rng.integers(5, 30)), "deceased"
    if row["moved"] < end:
        return int(row["moved"]) + int(rng.integers(5, 30)), "moved"
    if rng.random() < 0.3:
        reason = str(rng.choice(["goals_met", "refused", "transferred"], p=[0.7, 0.2, 0.1]))
        return intake + int(rng.integers(180, 720)), reason
    return -1, ""


def _one_case(
    rng: np.random.Generator,
    work: Casework,
    number: int,
    person: int,
    row: dict[str, Any],
    intake: int,
    end: int,
    worker: tuple[str, str],
) -> None:
    worker_id = worker[0]
    closed, reason = _closure_of(rng, row, intake, end)
    closed = closed if 0 <= closed < end else -1
    last = closed if closed >= 0 else end - 1
    case_id, client_id = f"CASE{number:07d}", f"C{int(row['agency_no']):07d}"
    ctx = {"case_id": case_id, "client_id": client_id}
    work.add(
        "cases",
        _case_doc(rng, ctx, row, intake, closed, worker_id, worker[1]),
        person,
    )
    plans = _plans(rng, work, ctx, person, intake, last, worker_id)
    _scales(rng, work, ctx, person, intake, last, worker_id)
    _contacts(rng, work, ctx, person, intake, last, worker_id, plans)
    _supervisions(rng, work, ctx, person, intake, last)
    if closed >= 0:
        done = int(rng.integers(0, 4))
        work.add(
            "closures",
            {
                **ctx,
                "closure_id": f"CL{number:07d}",
                "closed_on": _d(closed),
                "reason": reason,
                "evaluation": "个案目标基本达成" if reason == "goals_met" else "结案",
                "goals_achieved": done,
                "goals_total": 3,
                "updated_at": _stamp(closed, 61200),
            },
            person,
        )


def _case_doc(
    rng: np.random.Generator,
    ctx: dict[str, str],
    row: dict[str, Any],
    intake: int,
    closed: int,
    worker_id: str,
    worker_name: str,
) -> dict[str, Any]:
    """The case with the person's demographics (identity noise is applied later)."""
    return {
        **ctx,
        "name": row["name"],
        "sex": "male" if row["male"] else "female",
        "birth_date": _d(int(row["birth"])),
        "resident_id": row["resident_id"],
        "phone": row["phone"],
        "address": row["address"],
        "guardian_name": row["guardian_name"],
        "guardian_phone": row["guardian_phone"],
        "guardian_relation": row["guardian_relation"],
        "referral_source": str(
            rng.choice(
                ["station", "hospital", "family", "self", "other"], p=[0.6, 0.15, 0.15, 0.05, 0.05]
            )
        ),
        "intake_date": _d(intake),
        "status": "closed" if closed >= 0 else str(rng.choice(["open", "on_hold"], p=[0.95, 0.05])),
        "case_manager_id": worker_id,
        "case_manager_name": worker_name,
        "street_code": f"310104{int(row['street']) + 1:03d}",
        "consent_to_share": True,
        "consent_date": _d(intake),
        "updated_at": _stamp(max(intake, closed), 36000),
    }


def _plans(
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


def _scales(
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


def _contacts(
    rng: np.random.Generator,
    work: Casework,
    ctx: dict[str, str],
    person: int,
    intake: int,
    last: int,
    worker: str,
    plans: list[tuple[str, int, int]],
) -> None:
    """About 18 contacts and 15 interventions a year, some interventions during a contact."""
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
    count = rng.poisson(15 * years)
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
                "intervention_id": f"{cid}-IV{k + 1:04d}",
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


def _supervisions(
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
