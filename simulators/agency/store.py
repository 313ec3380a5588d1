"""The agency's data file: one SQLite table per collection of JSON documents."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

import orjson

__all__ = ["COLLECTION_KEYS", "table_name", "write_store"]

#: API collection -> key field of its documents.
COLLECTION_KEYS = {
    "cases": "case_id",
    "needs-assessments": "assessment_id",
    "scales": "assessment_id",
    "care-plans": "plan_id",
    "contacts": "contact_id",
    "interventions": "intervention_id",
    "supervisions": "supervision_id",
    "closures": "closure_id",
}


def table_name(collection: str) -> str:
    """SQLite table of a collection (``care-plans`` -> ``care_plans``)."""
    return collection.replace("-", "_")


def write_store(path: Path, docs: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
    """Write every collection (missing ones as empty tables); rows keyed by (updated_at, id)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with closing(sqlite3.connect(path)) as db:
        for collection, key in COLLECTION_KEYS.items():
            table = table_name(collection)
            db.execute(
                f"CREATE TABLE {table} (id TEXT PRIMARY KEY, updated_at TEXT NOT NULL, "
                "doc TEXT NOT NULL)"
            )
            db.executemany(
                f"INSERT INTO {table} VALUES (?, ?, ?)",
                (
                    (str(d[key]), str(d["updated_at"]), orjson.dumps(d).decode())
                    for d in docs.get(collection, ())
                ),
            )
            db.execute(f"CREATE INDEX ix_{table}_page ON {table} (updated_at, id)")
        db.commit()
