"""Comparing the hub's open continuity Tasks with the simulator's gap truth, rule by rule."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env
from sqlalchemy import select

from hub.continuity.service import person_members
from hub.continuity.tasks import RULE_SYSTEM
from hub.store import FhirStore
from hub.store.schema import resource
from hub.timeline.read import code_of, reference_of

#: Patient identifier system -> the truth's record kind whose source key it carries.
_KINDS = {
    "https://carehub.org/fhir/sid/station-patient": "station.registration",
    "https://carehub.org/fhir/sid/hospital-patient": "hospital.patient",
}

Gap = tuple[str, str, str, str]  # as_of, person_id, rule, due


@dataclass(frozen=True)
class RuleScore:
    """Agreement of the hub with the truth on one rule."""

    rule: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """Share of the hub's gaps that are true gaps (1.0 when it found none)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of the true gaps the hub found (1.0 when there were none)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _patients(store: FhirStore) -> dict[str, dict[str, Any]]:
    with store.reading() as session:
        rows = session.conn.execute(
            select(resource.c.resource_id, resource.c.content).where(
                resource.c.resource_type == "Patient", resource.c.deleted.is_(False)
            )
        )
        return {rid: orjson.loads(content) for rid, content in rows}


def hub_gaps(store: FhirStore, truth: Path, as_of: str) -> tuple[set[Gap], set[str]]:
    """(open continuity Tasks as (as_of, true person, rule, due), hub persons unmatched)."""
    keys = pd.read_parquet(truth / "record_persons.parquet")
    person_of = {
        (kind, key): pid
        for kind, key, pid in zip(
            keys["record_kind"], keys["source_key"], keys["person_id"], strict=True
        )
    }
    patients = _patients(store)
    with store.reading() as session:
        members = person_members(session.conn)
        rows = session.conn.execute(
            select(resource.c.content).where(
                resource.c.resource_type == "Task", resource.c.deleted.is_(False)
            )
        )
        tasks = [orjson.loads(r[0]) for r in rows]
    true_person: dict[str, str] = {}
    unknown: set[str] = set()
    for person, ids in members.items():
        found = {
            person_of.get((_KINDS.get(i.get("system", ""), ""), i.get("value")))
            for pid in ids
            for i in patients.get(pid, {}).get("identifier") or []
        } - {None}
        if len(found) == 1:
            true_person[person] = str(found.pop())
        else:
            unknown.add(person)
    gaps: set[Gap] = set()
    for task in tasks:
        rule = code_of(task.get("code"), RULE_SYSTEM)
        if rule is None or task.get("status") != "requested":
            continue
        person = (reference_of(task.get("for")) or "/").split("/", 1)[1]
        due = task["restriction"]["period"]["end"]
        gaps.add((as_of, true_person.get(person, f"?{person}"), rule, due))
    return gaps, unknown


def true_gaps(truth: Path) -> set[Gap]:
    """The simulator's open gaps on each day it was taken (``truth/gaps.parquet``)."""
    frame = pd.read_parquet(truth / "gaps.parquet")
    columns = (frame[c] for c in ("as_of", "person_id", "rule", "due"))
    return set(zip(*columns, strict=True))


def scores(found: set[Gap], expected: set[Gap], rules: list[str]) -> list[RuleScore]:
    """TP/FP/FN per rule."""
    return [
        RuleScore(
            rule,
            len({g for g in found & expected if g[2] == rule}),
            len({g for g in found - expected if g[2] == rule}),
            len({g for g in expected - found if g[2] == rule}),
        )
        for rule in rules
    ]


@dataclass(frozen=True)
class DistrictScores:
    """A clean simulated district evaluated and scored against its gap truth."""

    as_of: str  # the days evaluated, comma-separated
    scores: list[RuleScore]
    unmatched: int
    found: set[Gap]
    expected: set[Gap]


def district_scores(root: Path, patients: int, years: int, seed: int) -> DistrictScores:
    """Simulate a clean district, sync it, evaluate on each day the truth was taken, compare."""
    from hub.config import FollowUpRules
    from hub.continuity.rules import ContinuityOptions
    from hub.continuity.service import evaluate_store
    from hub.store import open_store
    from simulators import DefectConfig, NoiseConfig, simulate
    from simulators.dates import day_number, to_date
    from simulators.gaptruth import evaluation_days
    from tests.district.conftest import sync_district

    sim = root / "sim"
    summary = simulate(
        patients, years, seed, sim, noise=NoiseConfig.clean(), defects=DefectConfig.clean()
    )
    store = open_store(f"sqlite:///{(root / 'hub.sqlite').as_posix()}")
    try:
        reports = sync_district(sim, store)
        failed = {name: r.error for name, r in reports.items() if r.status != "succeeded"}
        assert not failed, failed
        expected = true_gaps(sim / "truth")
        found: set[Gap] = set()
        unknown: set[str] = set()
        options = ContinuityOptions(FollowUpRules())
        days = [
            to_date(d) for d in evaluation_days(day_number(summary.start), day_number(summary.end))
        ]
        for day in days:
            evaluate_store(store, as_of=day, options=options)
            on_day, unmatched = hub_gaps(store, sim / "truth", day.isoformat())
            found |= on_day
            unknown |= unmatched
    finally:
        store.engine.dispose()
    covered = pd.read_parquet(sim / "truth" / "gap_rules.parquet")["rule"].tolist()
    return DistrictScores(
        ", ".join(d.isoformat() for d in days),
        scores(found, expected, covered),
        len(unknown),
        found,
        expected,
    )
