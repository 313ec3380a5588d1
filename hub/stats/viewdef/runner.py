"""Public entry points: compile a view to SQL, run it where the data is, or fall back."""

from __future__ import annotations

from typing import Any, Literal

import duckdb
import orjson
import pyarrow as pa

from hub.stats.viewdef.definition import ViewDef, parse_view
from hub.stats.viewdef.dialects import Dialect, DuckDBDialect
from hub.stats.viewdef.errors import NotCompilableError, ViewDefinitionError, ViewExecutionError
from hub.stats.viewdef.postgres import PostgresDialect
from hub.stats.viewdef.reference import evaluate_view_fhirpath
from hub.stats.viewdef.sources import PostgresTable, Source, bind_source, iter_resources
from hub.stats.viewdef.sql_view import compile_view_sql

__all__ = ["compile_view", "run_view"]

Rows = list[dict[str, Any]]
_SOURCE = "__hub_view_source__"  # placeholder for the relation, bound per source
DIALECTS: dict[str, Dialect] = {"duckdb": DuckDBDialect(), "postgres": PostgresDialect()}
Engine = Literal["duckdb", "postgres", "fhirpath"]


def compile_view(
    view: dict[str, Any] | ViewDef, dialect: str = "duckdb", source: str = "resources"
) -> str:
    """The view as one SQL query over `source` (columns resource_type, content JSON/JSONB).

    Raises ViewDefinitionError for an invalid view and NotCompilableError when an
    expression has no SQL translation (run_view then uses the FHIRPath evaluator).
    """
    parsed = view if isinstance(view, ViewDef) else parse_view(view)
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}; known: {sorted(DIALECTS)}")
    return compile_view_sql(parsed, DIALECTS[dialect], source)


def run_view(
    view: dict[str, Any],
    source: Source,
    engine: Engine = "duckdb",
    *,
    output: Literal["arrow", "rows"] = "arrow",
    connection: duckdb.DuckDBPyConnection | None = None,
) -> pa.Table | Rows:
    """Run a ViewDefinition over `source`; an Arrow table, or a list of dicts with output="rows".

    engine="duckdb" compiles to DuckDB SQL (any source but PostgresTable); engine="postgres"
    compiles to PostgreSQL over a PostgresTable. Views with an expression that has no SQL
    translation fall back to the fhirpathpy evaluator; engine="fhirpath" always uses it.
    """
    parsed = parse_view(view)
    if engine == "postgres":
        if not isinstance(source, PostgresTable):
            raise ValueError("engine='postgres' needs a PostgresTable source")
        try:
            sql = compile_view(parsed, "postgres", source.relation())
        except NotCompilableError:
            sql = None
        if sql is not None:
            rows = _run_postgres(parsed, sql, source)
            return rows if output == "rows" else rows_to_arrow(rows, parsed.column_names())
    elif engine == "duckdb":
        try:
            sql = compile_view(parsed, "duckdb", _SOURCE)
        except NotCompilableError:
            sql = None
        if sql is not None:
            return _run_sql(parsed, sql, source, output, connection)
    elif engine != "fhirpath":
        raise ValueError(f"unknown engine {engine!r}; use 'duckdb' or 'fhirpath'")
    rows = evaluate_view_fhirpath(view, iter_resources(source, parsed.resource))
    return rows if output == "rows" else rows_to_arrow(rows, parsed.column_names())


def _run_sql(
    view: ViewDef,
    sql: str,
    source: Source,
    output: str,
    connection: duckdb.DuckDBPyConnection | None,
) -> pa.Table | Rows:
    """Execute compiled SQL; JSON-typed (untyped) columns are decoded for row output."""
    run, relation = bind_source(source, view.resource, connection)
    try:
        result = run(sql.replace(_SOURCE, relation))
        table = result.to_arrow_table()
        types = [str(t) for t in result.types]
    except duckdb.InvalidInputException as exc:
        raise ViewExecutionError(str(exc)) from exc
    except duckdb.Error as exc:
        raise ViewDefinitionError(view.name, "view", f"the compiled SQL failed: {exc}") from exc
    if output == "arrow":
        return table
    rows: Rows = table.to_pylist()
    json_columns = [n for n, t in zip(table.column_names, types, strict=True) if "JSON" in t]
    for row in rows:
        for name in json_columns:
            row[name] = _decode(row[name])
    return rows


def _run_postgres(view: ViewDef, sql: str, source: PostgresTable) -> Rows:
    """Execute on PostgreSQL; psycopg already turns jsonb, arrays and numbers into Python."""
    import psycopg

    try:
        with source.connection.cursor() as cursor:
            cursor.execute(sql)
            names = [c.name for c in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except psycopg.errors.InvalidTextRepresentation as exc:
        source.connection.rollback()
        raise ViewExecutionError(str(exc)) from exc
    except psycopg.Error as exc:
        source.connection.rollback()
        raise ViewDefinitionError(view.name, "view", f"the compiled SQL failed: {exc}") from exc


def _decode(value: Any) -> Any:
    """A JSON text (or list of them) as Python values."""
    if value is None:
        return None
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return orjson.loads(value)


def rows_to_arrow(rows: Rows, columns: list[str]) -> pa.Table:
    """Rows (dicts) as an Arrow table with the view's column order."""
    return pa.table({name: [row.get(name) for row in rows] for name in columns})
