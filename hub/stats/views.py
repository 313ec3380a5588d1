"""The shipped ViewDefinitions (``hub/stats/views/*.json``) and flattening a source with them.

The indicators read only what these views produce, so the same views can run on DuckDB
over the store, over Bulk ``$export`` NDJSON, or on Spark (see ``hub.stats.spark``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources as package_files
from typing import Any

import duckdb
import pyarrow as pa

from hub.stats.viewdef import DuckDBTable, run_view
from hub.stats.viewdef.sources import Source

__all__ = ["INDICATOR_VIEWS", "flatten", "shipped_views", "store_table", "view_named"]

#: The views the indicators read, in the order they are flattened.
INDICATOR_VIEWS = (
    "smd_patient",
    "smd_registration",
    "smd_diagnosis",
    "smd_follow_up",
    "smd_follow_up_finding",
    "smd_admission",
)


@cache
def _load() -> tuple[dict[str, Any], ...]:
    folder = package_files.files("hub.stats") / "views"
    found = sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
    return tuple(json.loads(f.read_text(encoding="utf-8")) for f in found)


def shipped_views() -> list[dict[str, Any]]:
    """Every shipped ViewDefinition (fresh copies, safe to change)."""
    return [json.loads(json.dumps(v)) for v in _load()]


def view_named(name: str) -> dict[str, Any]:
    """The shipped view with this name, id or url; KeyError names the known ones."""
    for view in shipped_views():
        if name in (view["name"], view["id"], view["url"]):
            return view
    known = ", ".join(v["name"] for v in _load())
    raise KeyError(f"no shipped ViewDefinition named {name!r} (known: {known})")


def flatten(
    source: Source, connection: duckdb.DuckDBPyConnection, names: tuple[str, ...] = INDICATOR_VIEWS
) -> dict[str, float]:
    """Run each named view over `source` into a DuckDB table of the same name; seconds per view."""
    import time

    seconds: dict[str, float] = {}
    for name in names:
        began = time.perf_counter()
        table = run_view(view_named(name), source, connection=connection)
        assert isinstance(table, pa.Table)
        connection.register(f"_{name}_arrow", table)
        connection.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _{name}_arrow")
        connection.unregister(f"_{name}_arrow")
        seconds[name] = time.perf_counter() - began
    return seconds


def store_table(
    rows: Iterator[tuple[str, str, str]], connection: duckdb.DuckDBPyConnection, name: str
) -> DuckDBTable:
    """Load (resource_type, id, content JSON text) rows into a DuckDB table the views can read."""
    batch = list(rows)
    arrow = pa.table(
        {
            "resource_type": pa.array([r[0] for r in batch], pa.string()),
            "id": pa.array([r[1] for r in batch], pa.string()),
            "content": pa.array([r[2] for r in batch], pa.string()),
        }
    )
    connection.register(f"_{name}_arrow", arrow)
    connection.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _{name}_arrow")
    connection.unregister(f"_{name}_arrow")
    return DuckDBTable(connection, name)
