"""Many rows into one table, in the caller's transaction, below SQLAlchemy's statement layer.

PostgreSQL gets ``COPY ... FROM STDIN`` (psycopg ``write_row``), its fastest way in; SQLite
gets the driver's ``executemany`` with tuples. Both skip SQLAlchemy's per-row parameter
handling, so the column types' bind processors (SQLite datetimes, and any sealing a type
applies, see ``hub.store.schema``) are applied here, the way a statement would apply them.
A handful of rows on PostgreSQL go through executemany instead, all tables' in one psycopg
pipeline (one round trip): a COPY costs a round trip of its own, which only pays off for a
batch. That is what a single-resource write's index rows take.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Table, TypeDecorator
from sqlalchemy.engine import Dialect

from hub.store.sealing import sealer_of

__all__ = ["COPY_THRESHOLD", "insert_rows", "insert_tables"]

#: From this many rows on, PostgreSQL writes with COPY.
COPY_THRESHOLD = 16

Processors = tuple[tuple[int, Callable[[Any], Any]], ...]
# Per dialect object: a type's processors may consult the dialect they were made for.
_PROCESSORS: WeakKeyDictionary[Dialect, dict[tuple[str, bool], Processors]] = WeakKeyDictionary()


def _processors(table: Table, dialect: Dialect) -> Processors:
    """(column position, bind processor) of the columns whose values need converting.

    The schema's TypeDecorators (JSON documents, index codes, free text) convert only to
    seal (``hub.store.sealing``): without a sealer their processors pass values through,
    and calling one per value is most of what a COPY row costs in Python, so they are left
    out then.
    """
    sealed = sealer_of(dialect) is not None
    known = _PROCESSORS.setdefault(dialect, {})
    found = known.get((table.name, sealed))
    if found is None:
        pairs = []
        for position, column in enumerate(table.columns):
            if isinstance(column.type, TypeDecorator) and not sealed:
                continue
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                pairs.append((position, process))
        found = known[(table.name, sealed)] = tuple(pairs)
    return found


def _processed(rows: Sequence[Sequence[Any]], processors: Processors) -> list[Sequence[Any]]:
    if not processors:
        return list(rows)
    out: list[Sequence[Any]] = []
    for row in rows:
        values = list(row)
        for position, process in processors:
            values[position] = process(values[position])
        out.append(values)
    return out


def insert_rows(conn: Connection, table: Table, rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows given as tuples in the table's column order."""
    insert_tables(conn, {table: rows})


def insert_tables(conn: Connection, batches: Mapping[Table, Sequence[Sequence[Any]]]) -> None:
    """Insert rows into several tables; on PostgreSQL the small sets share one round trip."""
    driver = conn.connection.driver_connection
    assert driver is not None

    def values(table: Table, rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
        return _processed(rows, _processors(table, conn.dialect))

    if conn.dialect.name != "postgresql":
        for table, rows in batches.items():
            if rows:
                _execute_many(driver, table, values(table, rows), "?")
        return
    small = {t: rows for t, rows in batches.items() if 0 < len(rows) < COPY_THRESHOLD}
    for table, rows in batches.items():
        if len(rows) >= COPY_THRESHOLD:
            _copy(driver, table, values(table, rows))
    if small:
        # A pipeline sends every statement before reading any result: one round trip.
        with driver.pipeline():
            for table, rows in small.items():
                _execute_many(driver, table, values(table, rows), "%s")


def _names(table: Table) -> str:
    return ", ".join(c.name for c in table.columns)


def _copy(driver: Any, table: Table, rows: list[Sequence[Any]]) -> None:
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({_names(table)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _execute_many(driver: Any, table: Table, rows: list[Sequence[Any]], mark: str) -> None:
    marks = ", ".join(mark for _ in table.columns)
    cursor = driver.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table.name} ({_names(table)}) VALUES ({marks})", rows)
    finally:
        cursor.close()
