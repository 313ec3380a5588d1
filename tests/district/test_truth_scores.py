"""The simulator's true scale scores agree with what the sources themselves recorded."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd

Key = tuple[str, str, str]


def _truth(root: Path) -> pd.DataFrame:
    return pd.read_parquet(root / "truth" / "scale_scores.parquet")


def _damaged(root: Path) -> set[tuple[str, str]]:
    defects = pd.read_parquet(root / "truth" / "defects.parquet")
    return set(zip(defects["record_kind"], defects["source_key"], strict=True))


def _totals(truth: pd.DataFrame, kind: str) -> dict[str, int]:
    rows = truth[(truth["record_kind"] == kind) & (truth["score"] == "total")]
    return dict(zip(rows["source_key"], rows["value"].astype(int), strict=True))


def test_every_scored_record_the_sources_wrote_has_true_scores(district_root: Path) -> None:
    truth = _truth(district_root)
    emitted = pd.read_parquet(district_root / "truth" / "record_persons.parquet")
    scored = ("agency.scale", "hospital.scale_assessment", "station.follow_up", "station.emergency")
    seen = 0
    for kind in scored:
        keys = set(emitted.loc[emitted["record_kind"] == kind, "source_key"].astype(str))
        assert keys <= set(truth.loc[truth["record_kind"] == kind, "source_key"]), kind
        seen += len(keys)
    assert seen > 0


def test_agency_totals_match_the_totals_the_agency_recorded(district_root: Path) -> None:
    totals, damaged = _totals(_truth(district_root), "agency.scale"), _damaged(district_root)
    with closing(sqlite3.connect(district_root / "agency" / "agency.sqlite")) as db:
        docs = [json.loads(r[0]) for r in db.execute("SELECT doc FROM scales")]
    checked = 0
    for doc in docs:
        if ("agency.scale", doc["assessment_id"]) not in damaged:
            assert totals[doc["assessment_id"]] == doc["reported_total"], doc["assessment_id"]
            checked += 1
    assert checked > 0


def test_ward_totals_match_the_totals_the_ward_recorded(district_root: Path) -> None:
    totals = _totals(_truth(district_root), "hospital.scale_assessment")
    damaged = _damaged(district_root)
    with closing(sqlite3.connect(district_root / "hospital" / "his.sqlite")) as db:
        rows = db.execute("SELECT assess_id, total_score FROM v_scale_assessment").fetchall()
    kept = [(k, t) for k, t in rows if ("hospital.scale_assessment", k) not in damaged]
    assert kept
    assert all(totals[key] == total for key, total in kept)


def test_ssrs_subscales_add_up_to_the_total(district_root: Path) -> None:
    truth = _truth(district_root)
    ssrs = truth[truth["scale"] == "SSRS"].pivot(
        index="source_key", columns="score", values="value"
    )
    assert len(ssrs) > 0
    parts = ssrs["objective"] + ssrs["subjective"] + ssrs["utilisation"]
    assert (parts == ssrs["total"]).all()
