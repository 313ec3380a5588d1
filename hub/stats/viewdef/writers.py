"""Write view results (Arrow tables) as CSV, Parquet or NDJSON files."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

__all__ = ["write_csv", "write_ndjson", "write_parquet"]


def write_csv(table: pa.Table, path: Path) -> None:
    """CSV with a header; list (collection) columns are written as JSON arrays."""
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            column = pa.array(
                [None if v is None else orjson.dumps(v).decode() for v in column.to_pylist()],
                pa.string(),
            )
        columns[name] = column
    pa_csv.write_csv(pa.table(columns), path)


def write_parquet(table: pa.Table, path: Path) -> None:
    """Parquet, keeping column types (lists stay lists)."""
    pq.write_table(table, path)


def write_ndjson(table: pa.Table, path: Path) -> None:
    """One JSON object per row; null columns are omitted, as FHIR JSON does."""
    with path.open("wb") as handle:
        for batch in table.to_batches():
            for row in batch.to_pylist():
                handle.write(orjson.dumps({k: v for k, v in row.items() if v is not None}))
                handle.write(b"\n")
