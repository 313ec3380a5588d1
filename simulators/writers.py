"""Writing the native shapes to disk: the HIS SQLite file, HL7 batches, station files."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from simulators.defects import mojibake
from simulators.xlsx import xlsx_bytes

__all__ = [
    "csv_bytes",
    "public_columns",
    "truncate",
    "with_mojibake",
    "write_bytes",
    "write_his",
    "write_xlsx",
]

#: Base table behind each HIS view: the hospital's own names; the hub reads the views.
HIS_TABLES = {
    "v_patient": "pat_master",
    "v_admission": "inp_admission",
    "v_diagnosis": "diag_record",
    "v_medication_order": "med_order",
    "v_scale_assessment": "ward_scale",
}
_INTEGER = {"danger_flag", "lai_flag", "discharge_flag", "total_score"}
_REAL = {"dose"}


def public_columns(frame: pd.DataFrame) -> list[str]:
    """The columns a system shows (bookkeeping columns start with an underscore)."""
    return [c for c in frame.columns if not str(c).startswith("_")]


def _sql_type(column: str) -> str:
    return "INTEGER" if column in _INTEGER else "REAL" if column in _REAL else "TEXT"


def write_his(path: Path, views: dict[str, pd.DataFrame]) -> None:
    """The HIS as a SQLite file: base tables plus the read-only ``v_*`` views the hub reads.

    Empty strings are stored as NULL, as a hospital database would hold them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with closing(sqlite3.connect(path)) as db:
        for view, frame in views.items():
            table, cols = HIS_TABLES[view], public_columns(frame)
            db.execute(f"CREATE TABLE {table} ({', '.join(f'{c} {_sql_type(c)}' for c in cols)})")
            rows = zip(*(frame[c].tolist() for c in cols), strict=True)
            db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})", rows)
            texts = [c for c in cols if _sql_type(c) == "TEXT"]  # '' is NULL in a database
            nulls = ", ".join(f"{c} = NULLIF({c}, '')" for c in texts)
            db.execute(f"UPDATE {table} SET {nulls}")
            db.execute(f"CREATE VIEW {view} AS SELECT {', '.join(cols)} FROM {table}")
            db.execute(f"CREATE INDEX ix_{table}_updated ON {table} (updated_at)")
        db.commit()


def _csv_text(rows: Iterable[Sequence[object]]) -> str:
    """CSV text with RFC 4180 minimal quoting and CRLF line ends (the C csv writer)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A GB18030 CSV with CRLF line ends, as the national system exports it.

    A row whose ``_damage`` names a field gets that field's text in UTF-8 bytes instead: the
    mixed encoding a copy-paste from another program leaves behind.
    """
    cols = public_columns(frame)
    rows = list(zip(*(frame[c].tolist() for c in cols), strict=True))
    damage = frame["_damage"].tolist() if "_damage" in frame else [""] * len(rows)
    chunks, at = [_csv_text([cols]).encode("gb18030")], 0
    for i in [i for i, d in enumerate(damage) if d]:
        chunks.append(_csv_text(rows[at:i]).encode("gb18030"))
        value = str(rows[i][cols.index(damage[i])])
        line = _csv_text([rows[i]])
        head, found, tail = line.partition(value) if value else (line, "", "")
        chunks.append(head.encode("gb18030") + found.encode("utf-8") + tail.encode("gb18030"))
        at = i + 1
    chunks.append(_csv_text(rows[at:]).encode("gb18030"))
    return b"".join(chunks)


def truncate(data: bytes, pick: float) -> tuple[bytes, int]:
    """Cut a CSV in its second half, mid-row; returns the bytes and the (0-based) data row cut."""
    ends = _line_ends(data)
    if len(ends) < 3:
        return data, -1
    row = len(ends) // 2 + int(pick * (len(ends) - 1 - len(ends) // 2))  # line index >= 1
    start, stop = ends[row - 1] + 2, ends[row]
    cut = start + max(1, (stop - start) // 2)
    return data[:cut], row - 1


def _line_ends(data: bytes) -> list[int]:
    out, at = [], data.find(b"\r\n")
    while at >= 0:
        out.append(at)
        at = data.find(b"\r\n", at + 2)
    return out


def write_bytes(path: Path, data: bytes) -> bytes:
    """Write a file, making its folder; returns the bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def write_xlsx(path: Path, frame: pd.DataFrame, *, sheet: str, stamp: str) -> bytes:
    """An XLSX export (every cell text); returns the bytes."""
    cols = public_columns(frame)
    rows = list(zip(*(frame[c].tolist() for c in cols), strict=True))
    data = xlsx_bytes(cols, rows, sheet=sheet, stamp=stamp)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def with_mojibake(frame: pd.DataFrame) -> pd.DataFrame:
    """Encoding damage where the file is UTF-8 anyway: the field shows as mojibake."""
    if "_damage" not in frame:
        return frame
    flagged = np.flatnonzero(frame["_damage"].to_numpy(dtype=object) != "").tolist()
    if not flagged:
        return frame
    frame = frame.copy()
    for i in flagged:
        column = frame.columns.get_loc(frame["_damage"].iloc[i])
        frame.iloc[i, column] = mojibake(str(frame.iloc[i, column]))
    return frame
