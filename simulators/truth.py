"""Ground truth: who is behind each record, every defect, identity noise, true indicators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env
import pyarrow as pa
import pyarrow.parquet as pq

from simulators.cohort import Cohort
from simulators.config import StandardIntervals
from simulators.dates import iso_dates
from simulators.defects import DefectLog
from simulators.district import STREETS
from simulators.indicators import compute_indicators
from simulators.lifecourse import LifeCourse

__all__ = ["noise_frame", "person_ids", "write_truth"]


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
    p = people.persons
    indicators = compute_indicators(
        p, life.visits, life.admissions, people.start, people.end, rules
    )
    size += _write(indicators, folder / "indicators.parquet")
    text = indicators.to_csv(index=False, lineterminator="\n").encode("utf-8")
    (folder / "indicators.csv").write_bytes(text)
    return size + len(text)


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
