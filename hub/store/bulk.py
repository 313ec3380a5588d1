"""Many rows into one table, in the caller's transaction, below SQLAlchemy's statement layer.

PostgreSQL gets ``COPY ... FROM STDIN (FORMAT BINARY)`` (psycopg ``write_row``), its fastest
way in; SQLite gets the driver's ``executemany`` with tuples. Binary, because formatting
timestamps and floats as text and parsing them back cost both sides a good part of a COPY
row's CPU (measured on the store's rows: about a third less client CPU and up to a fifth
less backend CPU); a table with a column type not known here is copied as text. Both skip
SQLAlchemy's per-row parameter handling, so the column types' bind processors (SQLite
datetimes, and any sealing a type applies, see ``hub.store.schema``) are applied here, the
way a statement would apply them. A handful of rows on PostgreSQL go through executemany
instead, all tables' in one psycopg pipeline (one round trip): a COPY costs a round trip of
its own, which only pays off for a batch. That is what a single-resource write's index rows
take. ``stream_rows`` takes rows as they are made: a COPY sends them on while the caller
makes the next, so the server works on the first rows while the client is still making
the last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    Integer,
    SmallInteger,
    String,
    Table,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect

from hub.store.schema import JsonDocument
from hub.store.sealing import sealer_of

__all__ = ["COPY_THRESHOLD", "insert_rows", "insert_tables", "row_columns", "stream_rows"]

#: From this many rows on, PostgreSQL writes with COPY.
COPY_THRESHOLD = 16

Processors = tuple[tuple[int, Callable[[Any], Any]], ...]
#: Binary COPY: PostgreSQL's type name per column (None: the table is copied as text).
CopyPlan = tuple[tuple[str, ...] | None, Processors]
# Per dialect object: a type's processors may consult the dialect they were made for.
_PROCESSORS: WeakKeyDictionary[Dialect, dict[tuple[str, bool], Processors]] = WeakKeyDictionary()
_COPY_PLANS: WeakKeyDictionary[Dialect, dict[tuple[str, bool], CopyPlan]] = WeakKeyDictionary()


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
        for position, column in enumerate(row_columns(table)):
            if isinstance(column.type, TypeDecorator) and not sealed:
                continue
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                pairs.append((position, process))
        found = known[(table.name, sealed)] = tuple(pairs)
    return found


def _jsonb(text: str | None) -> bytes | None:
    """jsonb's binary input form: format version 1, then the JSON text."""
    return None if text is None else b"\x01" + text.encode()


def _binary_type(column: Column[Any]) -> str | None:
    """The type a column's values are sent as in a binary COPY (None: not known here).

    A JSON document goes as ``bytea``: psycopg's jsonb dumper would serialise the text as a
    JSON string, while bytea passes jsonb's own binary form (``_jsonb``) through unchanged.
    """
    kind = column.type
    if isinstance(kind, JsonDocument):
        return "bytea"
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    for sql_type, name in _BINARY_TYPES:
        if isinstance(kind, sql_type):
            return name(kind) if callable(name) else name
    return None


def _datetime_type(kind: Any) -> str:
    return "timestamptz" if kind.timezone else "timestamp"


_REAL_BITS = 24


def _float_type(kind: Any) -> str | None:
    # PostgreSQL makes a float of 24 bits' precision or less a real (float4)
    return "float8" if kind.precision is None or kind.precision > _REAL_BITS else None


# Subclasses before their bases (BigInteger is an Integer, Text a String).
_BINARY_TYPES: tuple[tuple[type[Any], str | Callable[[Any], str | None]], ...] = (
    (Boolean, "bool"),
    (BigInteger, "int8"),
    (SmallInteger, "int2"),
    (Integer, "int4"),
    (DateTime, _datetime_type),
    (Float, _float_type),
    (String, "text"),
)


def _copy_plan(table: Table, dialect: Dialect) -> CopyPlan:
    """A table's binary COPY types and the processors its values go through first."""
    sealed = sealer_of(dialect) is not None
    known = _COPY_PLANS.setdefault(dialect, {})
    found = known.get((table.name, sealed))
    if found is None:
        processors = _processors(table, dialect)
        types = tuple(_binary_type(column) for column in row_columns(table))
        if any(t is None for t in types):
            found = (None, processors)
        else:
            by_position = dict(processors)
            for position, column in enumerate(row_columns(table)):
                if isinstance(column.type, JsonDocument):
                    by_position[position] = _then_jsonb(by_position.get(position))
            found = (cast(tuple[str, ...], types), tuple(sorted(by_position.items())))
        known[(table.name, sealed)] = found
    return found


def _then_jsonb(process: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    if process is None:
        return _jsonb
    return lambda value: _jsonb(process(value))


def _processed(rows: Iterable[Sequence[Any]], processors: Processors) -> list[Sequence[Any]]:
    return list(_each_processed(rows, processors))


def _each_processed(
    rows: Iterable[Sequence[Any]], processors: Processors
) -> Iterator[Sequence[Any]]:
    if not processors:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for position, process in processors:
            values[position] = process(values[position])
        yield values


def row_columns(table: Table) -> list[Column[Any]]:
    """The columns a row gives: all but a key the database generates (an autoincrement)."""
    generated = table.autoincrement_column
    return [column for column in table.columns if column is not generated]


def insert_rows(conn: Connection, table: Table, rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows given as tuples in the table's column order (a generated key left out)."""
    insert_tables(conn, {table: rows})


def stream_rows(
    conn: Connection, table: Table, rows: Iterable[Sequence[Any]], expected: int
) -> None:
    """Insert the rows taken one at a time from ``rows``, each sent as it comes.

    On PostgreSQL a COPY stream when about ``expected`` rows (or more) will come, at least
    ``COPY_THRESHOLD``: the driver sends its buffer whenever it fills, so the server stores
    rows while later ones are still being made. Otherwise (and on SQLite) the rows are made
    first and inserted as ``insert_tables`` does. If making a row raises, the COPY is
    abandoned and the error propagates.
    """
    if conn.dialect.name != "postgresql" or expected < COPY_THRESHOLD:
        insert_tables(conn, {table: list(rows)})
        return
    _copy_rows(conn, table, rows)


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
            _copy_rows(conn, table, rows)
    if small:
        # A pipeline sends every statement before reading any result: one round trip.
        with driver.pipeline():
            for table, rows in small.items():
                _execute_many(driver, table, values(table, rows), "%s")


def _copy_rows(conn: Connection, table: Table, rows: Iterable[Sequence[Any]]) -> None:
    """COPY the rows, each converted as the COPY takes it (no converted copy of them all)."""
    types, processors = _copy_plan(table, conn.dialect)
    _copy(conn.connection.driver_connection, table, _each_processed(rows, processors), types)


def _names(table: Table) -> str:
    return ", ".join(c.name for c in row_columns(table))


def _copy(
    driver: Any, table: Table, rows: Iterable[Sequence[Any]], types: tuple[str, ...] | None
) -> None:
    binary = " (FORMAT BINARY)" if types is not None else ""
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({_names(table)}) FROM STDIN{binary}") as copy,
    ):
        if types is not None:
            copy.set_types(list(types))
        for row in rows:
            copy.write_row(row)


def _execute_many(driver: Any, table: Table, rows: list[Sequence[Any]], mark: str) -> None:
    marks = ", ".join(mark for _ in row_columns(table))
    cursor = driver.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table.name} ({_names(table)}) VALUES ({marks})", rows)
    finally:
        cursor.close()
