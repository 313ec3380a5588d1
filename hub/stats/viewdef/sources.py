"""Where resources come from: a DuckDB table or relation, Bulk-export NDJSON files, or dicts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

__all__ = [
    "DuckDBTable",
    "NdjsonFiles",
    "PostgresTable",
    "Runner",
    "Source",
    "bind_source",
    "iter_resources",
]


@dataclass(frozen=True)
class DuckDBTable:
    """An existing DuckDB table or view with columns resource_type, id and content (JSON)."""

    connection: duckdb.DuckDBPyConnection
    name: str


@dataclass(frozen=True)
class PostgresTable:
    """A PostgreSQL table with columns resource_type and content (jsonb); psycopg connection."""

    connection: Any
    name: str

    def relation(self) -> str:
        """The table as a FROM-able relation."""
        return f"(SELECT resource_type, content FROM {self.name})"


@dataclass(frozen=True)
class NdjsonFiles:
    """Bulk $export output: a folder of `<Type>.ndjson` / `<Type>_<n>.ndjson` files, or files."""

    location: Path | tuple[Path, ...]

    def files_for(self, resource_type: str) -> list[Path]:
        """The files that may hold `resource_type` (by Bulk export naming)."""
        if isinstance(self.location, tuple):
            return list(self.location)
        if self.location.is_file():
            return [self.location]
        found = []
        for path in sorted(self.location.iterdir()):
            stem, _, extension = path.name.partition(".")
            # Patient.ndjson, Patient_2.ndjson, Patient-000.ndjson.gz (DuckDB reads gzip)
            if extension.endswith(("ndjson", "ndjson.gz")) and _type_of(stem) == resource_type:
                found.append(path)
        return found


def _type_of(stem: str) -> str:
    """The resource type in a Bulk export file stem (`Patient_2` -> Patient)."""
    return stem.split("_")[0].split("-")[0]


Source = (
    DuckDBTable
    | PostgresTable
    | NdjsonFiles
    | duckdb.DuckDBPyRelation
    | Iterable[dict[str, Any]]
    | Path
)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def resources_table(resources: Iterable[dict[str, Any]]) -> pa.Table:
    """An Arrow table (resource_type, id, content) from resource dicts."""
    items = list(resources)
    return pa.table(
        {
            "resource_type": [r.get("resourceType") for r in items],
            "id": [r.get("id") for r in items],
            "content": [orjson.dumps(r).decode() for r in items],
        }
    )


Runner = Callable[[str], duckdb.DuckDBPyRelation]


def bind_source(
    source: Source, resource_type: str, connection: duckdb.DuckDBPyConnection | None
) -> tuple[Runner, str]:
    """How to run SQL, and a FROM-able relation with (resource_type, content JSON)."""
    if isinstance(source, DuckDBTable):
        relation = f"(SELECT resource_type, content::JSON AS content FROM {source.name})"
        return source.connection.sql, relation
    if isinstance(source, duckdb.DuckDBPyRelation):
        # The relation lives on its own connection: run the query through it.
        relation = "(SELECT resource_type, content::JSON AS content FROM _hub_source)"
        return _relation_runner(source), relation
    if isinstance(source, PostgresTable):
        raise ValueError("a PostgresTable runs with engine='postgres'")
    con = connection or duckdb.connect()
    if isinstance(source, Path):
        source = NdjsonFiles(source)
    if isinstance(source, NdjsonFiles):
        return con.sql, _ndjson_relation(source.files_for(resource_type))
    con.register("_hub_resources", resources_table(source))
    return con.sql, "(SELECT resource_type, content::JSON AS content FROM _hub_resources)"


def _relation_runner(relation: duckdb.DuckDBPyRelation) -> Runner:
    """Run SQL in which the relation is visible as `_hub_source`."""

    def run(sql: str) -> duckdb.DuckDBPyRelation:
        result = relation.query("_hub_source", sql)
        if result is None:  # only statements without a result give None
            raise ValueError("view SQL produced no result relation")
        return result

    return run


def _ndjson_relation(files: list[Path]) -> str:
    """read_json_objects over the files (built into DuckDB, nothing to install)."""
    if not files:
        return "(SELECT NULL::VARCHAR AS resource_type, NULL::JSON AS content WHERE FALSE)"
    listed = ", ".join(_sql_string(str(f)) for f in files)
    return (
        "(SELECT json_extract_string(json, '$.resourceType') AS resource_type, "
        f"json AS content FROM read_json_objects([{listed}], format = 'newline_delimited'))"
    )


def iter_resources(source: Source, resource_type: str) -> Iterator[dict[str, Any]]:
    """Resources of one type as dicts (for the FHIRPath evaluator)."""
    if isinstance(source, PostgresTable):
        with source.connection.cursor() as cursor:
            query = f"SELECT content FROM {source.name} WHERE resource_type = %s"
            cursor.execute(query, [resource_type])
            for (content,) in cursor:
                yield content if isinstance(content, dict) else orjson.loads(content)
        return
    if isinstance(source, DuckDBTable | NdjsonFiles | Path | duckdb.DuckDBPyRelation):
        run, relation = bind_source(source, resource_type, None)
        query = (
            f"SELECT content::VARCHAR FROM {relation} "
            f"WHERE resource_type = {_sql_string(resource_type)}"
        )
        for (content,) in run(query).fetchall():
            yield orjson.loads(content)
        return
    for resource in source:
        if resource.get("resourceType") == resource_type:
            yield resource
