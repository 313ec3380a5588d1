"""The agency's data file: one SQLite table per collection of JSON documents."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

__all__ = [
    "COLLECTION_KEYS",
    "append_docs",
    "close_store",
    "open_store",
    "table_name",
    "write_store",
]

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


def open_store(path: Path) -> sqlite3.Connection:
    """A new, empty data file with one table per collection."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    for collection in COLLECTION_KEYS:
        db.execute(
            f"CREATE TABLE {table_name(collection)} (id TEXT PRIMARY KEY, "
            "updated_at TEXT NOT NULL, doc TEXT NOT NULL)"
        )
    return db


def append_docs(db: sqlite3.Connection, collection: str, docs: Iterable[Mapping[str, Any]]) -> None:
    """Add documents to a collection's table."""
    key = COLLECTION_KEYS[collection]
    db.executemany(
        f"INSERT INTO {table_name(collection)} VALUES (?, ?, ?)",
        ((str(d[key]), str(d["updated_at"]), orjson.dumps(d).decode()) for d in docs),
    )


def close_store(db: sqlite3.Connection) -> None:
    """Index every table for keyset paging, commit and close."""
    for collection in COLLECTION_KEYS:
        table = table_name(collection)
        db.execute(f"CREATE INDEX ix_{table}_page ON {table} (updated_at, id)")
    db.commit()
    db.close()


def write_store(path: Path, docs: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
    """Write every collection at once (missing ones as empty tables)."""
    db = open_store(path)
    for collection in COLLECTION_KEYS:
        append_docs(db, collection, docs.get(collection, ()))
    close_store(db)
