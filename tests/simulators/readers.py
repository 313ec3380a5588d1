"""Plain readers of the simulator's native output, written for the tests only."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from simulators.agency.store import COLLECTION_KEYS, table_name


def station_files(out: Path, kind: str) -> list[Path]:
    """The monthly files of one export kind, in month order."""
    return sorted((out / "station" / "exports").glob(f"{kind}_*.*"))


def read_station_file(path: Path) -> pd.DataFrame:
    """One export file as strings (CSV decoded leniently: damage shows as replacement chars)."""
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        rows = [[c if c is not None else "" for c in row] for row in book.active.values]
        book.close()
        return pd.DataFrame(rows[1:], columns=rows[0], dtype=str)
    text = path.read_bytes().decode("gb18030", errors="replace")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    width = len(rows[0])
    body = [(row + [""] * width)[:width] for row in rows[1:]]  # a truncated last row is short
    return pd.DataFrame(body, columns=rows[0], dtype=str)


def read_station(out: Path, kind: str) -> pd.DataFrame:
    """All months of one export kind (rows of a truncated last line may be short)."""
    frames = [read_station_file(p) for p in station_files(out, kind)]
    return pd.concat(frames, ignore_index=True).fillna("")


def read_his(out: Path, view: str) -> pd.DataFrame:
    """One HIS view."""
    with closing(sqlite3.connect(out / "hospital" / "his.sqlite")) as db:
        return pd.read_sql_query(f"SELECT * FROM {view}", db)


def adt_files(out: Path) -> list[Path]:
    """The ADT batch files in day order."""
    return sorted((out / "hospital" / "adt").rglob("*.hl7"))


def adt_messages(out: Path) -> dict[str, str]:
    """Message control id -> message text (segments joined by \\r)."""
    messages: dict[str, str] = {}
    for path in adt_files(out):
        text = path.read_bytes().decode("utf-8", errors="replace")
        for chunk in text.split("\rMSH|")[1:]:
            body = "MSH|" + chunk.split("\rBTS|")[0]
            fields = body.split("\r")[0].split("|")
            if len(fields) > 9:
                messages[fields[9]] = body
    return messages


def read_agency(out: Path, collection: str) -> list[dict[str, Any]]:
    """Every document of one agency collection, in store order."""
    with closing(sqlite3.connect(out / "agency" / "agency.sqlite")) as db:
        rows = db.execute(f"SELECT doc FROM {table_name(collection)} ORDER BY id").fetchall()
    return [json.loads(r[0]) for r in rows]


def agency_collections() -> dict[str, str]:
    """Collection -> key field."""
    return dict(COLLECTION_KEYS)


def truth(out: Path, name: str) -> pd.DataFrame:
    """A ground-truth Parquet file."""
    return pd.read_parquet(out / "truth" / f"{name}.parquet")
