"""Social-work case management: cases and everything the agency records about them.

Records are built in the agency's own JSON shape (see FORMATS.md); each comes with the true
person it is about.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from simulators.caserecords import Casework, contacts, needs_and_plans, scales, supervisions
from simulators.dates import agency_date as _d
from simulators.dates import agency_stamp as _stamp

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
    plans = needs_and_plans(rng, work, ctx, person, intake, last, worker_id)
    scales(rng, work, ctx, person, intake, last, worker_id)
    contacts(rng, work, ctx, person, intake, last, worker_id, plans)
    supervisions(rng, work, ctx, person, intake, last)
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
