"""Ground truth: who is behind each record, every defect, identity noise, true indicators,
and the true scale scores (``scale_scores.parquet``: per scored record and score, e.g.
``agency.scale`` / ``CASE0000001-SSRS01`` / ``SSRS`` / ``objective`` / 9, or ``RISK`` / ``level``
for a follow-up's or an emergency's risk level), from the answers before any defect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env
import pyarrow as pa
import pyarrow.parquet as pq

from simulators.cohort import Cohort
from simulators.config import StandardIntervals
from simulators.dates import iso_dates
from simulators.defects import DefectLog
from simulators.district import STREETS
from simulators.gaptruth import CASE_RULE, GAP_RULES, evaluation_days, true_gaps
from simulators.indicators import compute_indicators
from simulators.lifecourse import LifeCourse

__all__ = [
    "SCORE_COLUMNS",
    "agency_scores",
    "noise_frame",
    "person_ids",
    "risk_levels",
    "scale_scores",
    "ward_scores",
    "write_truth",
]


def person_ids(numbers: np.ndarray) -> np.ndarray:
    """The true person id (``P0000001``) of cohort positions."""
    return np.array([f"P{k + 1:07d}" for k in np.asarray(numbers).tolist()], dtype=object)


def noise_frame(system: str, kind: str, keys: np.ndarray, log: pd.DataFrame) -> pd.DataFrame:
    """Identity-noise log rows (row positions) turned into source keys."""
    return pd.DataFrame(
        {
            "source_system": system,
            "record_kind": kind,
            "source_key": np.asarray(keys, dtype=object)[
                log["row"].to_numpy(dtype=np.int64)
            ].astype(str),
            "field": log["field"].to_numpy(),
            "noise": log["noise"].to_numpy(),
        }
    )


#: Columns of ``truth/scale_scores.parquet``: one row per score of one source record.
SCORE_COLUMNS = ["source_system", "record_kind", "source_key", "scale", "score", "value"]

Answers = dict[str, int | list[int]]

# Scale rules as DOMAIN.md states them, written here apart from the hub's own scoring.
_SSRS_PARTS = {
    "objective": ("2", "6", "7"),
    "subjective": ("1", "3", "4", "5"),
    "utilisation": ("8", "9", "10"),
}
_PANSS_PARTS = {
    "positive": range(1, 8),  # P1-P7
    "negative": range(8, 15),  # N1-N7
    "general": range(15, 31),  # G1-G16
}


def _ssrs(items: Answers) -> dict[str, int]:
    """Item 5 is the sum of 5A-5E; 6 and 7 count the sources ticked; others score their option."""
    item: dict[str, int] = {}
    for name, answer in items.items():
        number = name.rstrip("ABCDE")
        value = len(answer) if isinstance(answer, list) else int(answer)
        item[number] = item.get(number, 0) + value
    scores = {part: sum(item[i] for i in ids) for part, ids in _SSRS_PARTS.items()}
    return {"total": sum(item.values()), **scores}


def _scores(scale: str, items: Answers) -> dict[str, int]:
    """Total and subscales of one filled-in scale, from its true item answers."""
    if scale == "SSRS":
        return _ssrs(items)
    values = {int(k): int(v) for k, v in items.items() if not isinstance(v, list)}
    if scale == "SDSS":  # 9 = not applicable, left out of the total
        return {"total": sum(v for v in values.values() if v != 9)}
    scores = {"total": sum(values.values())}  # BPRS, PANSS: items rated 1-7, summed
    if scale == "PANSS":
        scores |= {part: sum(values[i] for i in ids) for part, ids in _PANSS_PARTS.items()}
    return scores


def scale_scores(
    system: str, kind: str, keys: list[str], scales: list[str], items: list[Answers]
) -> pd.DataFrame:
    """True total and subscale scores of filled-in scales (items before any defect)."""
    rows = [
        (system, kind, str(key), scale, score, value)
        for key, scale, answers in zip(keys, scales, items, strict=True)
        for score, value in _scores(scale, answers).items()
    ]
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def ward_scores(kind: str, table: pd.DataFrame) -> pd.DataFrame:
    """True BPRS / PANSS scores of the hospital's ward assessments (its native columns)."""
    items = [json.loads(text) for text in table["items_json"].tolist()]
    return scale_scores(
        "hospital", kind, table["assess_id"].tolist(), table["scale_code"].tolist(), items
    )


def agency_scores(
    kind: str, key: str, true_items: list[tuple[str, str, Any]], emitted: list[dict[str, Any]]
) -> pd.DataFrame:
    """True SSRS / SDSS scores of the agency's assessments.

    ``true_items`` are (key, scale, items) of each document before defects (a defect
    replaces a document's items or scale, it never changes them in place); the documents
    ``emitted`` after them are duplicates, each a copy of an undamaged document.
    """
    copies = [(d[key], d["scale"], d["items"]) for d in emitted[len(true_items) :]]
    every = true_items + copies
    return scale_scores(
        "agency", kind, [k for k, _, _ in every], [s for _, s, _ in every], [i for _, _, i in every]
    )


def risk_levels(system: str, kind: str, keys: np.ndarray, levels: np.ndarray) -> pd.DataFrame:
    """True risk level (0-5) of each follow-up or emergency record, as a score row."""
    return pd.DataFrame(
        {
            "source_system": system,
            "record_kind": kind,
            "source_key": np.asarray(keys, dtype=object).astype(str),
            "scale": "RISK",
            "score": "level",
            "value": np.asarray(levels).astype(np.int64),
        },
        columns=SCORE_COLUMNS,
    )


def _write(frame: pd.DataFrame, path: Path) -> int:
    """Parquet without pandas metadata (which would carry nothing but noise), snappy."""
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    pq.write_table(table, path, compression="snappy")
    return path.stat().st_size


_DEFECT_COLUMNS = [
    "source_system",
    "record_kind",
    "source_key",
    "file",
    "defect",
    "field",
    "severity",
]


def write_truth(
    folder: Path,
    people: Cohort,
    life: LifeCourse,
    records: list[pd.DataFrame],
    defects: DefectLog,
    noise: list[pd.DataFrame],
    rules: StandardIntervals,
    scores: list[pd.DataFrame] | None = None,
    cases: list[pd.DataFrame] | None = None,
) -> int:
    """Write every ground-truth file; returns the bytes written."""
    folder.mkdir(parents=True, exist_ok=True)
    record_map = pd.concat(records, ignore_index=True)
    record_map["source_key"] = record_map["source_key"].astype(str)
    record_map["person_id"] = person_ids(record_map["person_id"].to_numpy())
    size = _write(record_map, folder / "record_persons.parquet")
    defect_frame = pd.DataFrame(defects.rows, columns=_DEFECT_COLUMNS).astype("string")
    size += _write(defect_frame, folder / "defects.parquet")
    size += _write(pd.concat(noise, ignore_index=True), folder / "identity_noise.parquet")
    size += _write(_persons(people), folder / "persons.parquet")
    hard = people.hard_negatives
    pairs = pd.DataFrame(
        {
            "person_a": person_ids(hard["person_a"].to_numpy()),
            "person_b": person_ids(hard["person_b"].to_numpy()),
            "kind": hard["kind"].to_numpy(),
        }
    )
    size += _write(pairs, folder / "hard_negatives.parquet")
    size += _write(_score_frame(scores or []), folder / "scale_scores.parquet")
    p = people.persons
    indicators = compute_indicators(
        p, life.visits, life.admissions, people.start, people.end, rules
    )
    size += _write(indicators, folder / "indicators.parquet")
    case_frame = pd.concat(cases, ignore_index=True) if cases else None
    days = evaluation_days(people.start, people.end)
    gaps = true_gaps(p, life.visits, life.admissions, life.emergencies, days, None, case_frame)
    size += _write(gaps, folder / "gaps.parquet")
    covered = [*GAP_RULES, *([CASE_RULE] if cases else [])]
    size += _write(pd.DataFrame({"rule": covered}), folder / "gap_rules.parquet")
    text = indicators.to_csv(index=False, lineterminator="\n").encode("utf-8")
    (folder / "indicators.csv").write_bytes(text)
    return size + len(text)


def _score_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Every record's true scores, one row per key and score (a duplicated row once)."""
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SCORE_COLUMNS)
    frame = frame.drop_duplicates(["source_system", "record_kind", "source_key", "score"])
    return frame.astype(dict.fromkeys(SCORE_COLUMNS[:-1], "string") | {"value": "int64"})


def _persons(people: Cohort) -> pd.DataFrame:
    """The true people, as the truth files name them."""
    p = people.persons
    return pd.DataFrame(
        {
            "person_id": person_ids(np.arange(len(p))),
            "name": p["name"].to_numpy(),
            "sex": np.where(p["male"], "male", "female"),
            "birth_date": iso_dates(p["birth"]),
            "resident_id": p["resident_id"].to_numpy(),
            "phone": p["phone"].to_numpy(),
            "street_code": [STREETS[s].code for s in p["street"].tolist()],
            "diagnosis": p["diagnosis"].to_numpy(),
            "registered_on": iso_dates(p["registered"]),
            "died_on": _within(p["death"], people.end),
            "moved_on": _within(p["moved"], people.end),
            "lost_on": _within(p["lost"], people.end),
        }
    )


def _within(days: pd.Series, end: int) -> list[str]:
    values = days.to_numpy()
    return [d if v < end else "" for d, v in zip(iso_dates(values), values.tolist(), strict=True)]
