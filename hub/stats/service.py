"""District statistics from the store: flatten with the shipped views, count, suppress, publish.

The adapters at the edge: reading the store's current resources into DuckDB, and writing
Measure / MeasureReport resources back. The counting itself is in ``indicators``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
from sqlalchemy import select

from hub.config import Settings
from hub.stats.indicators import compute
from hub.stats.periods import Period
from hub.stats.publication import PublishedCell, measure_reports, measures, publish_indicators
from hub.stats.views import flatten, store_table
from hub.store import FhirStore
from hub.store.schema import resource as resource_table

__all__ = ["StatsResult", "compute_from_store", "load_store", "publish_to_store", "store_rows"]

# Only these resource types feed the indicator views; reading the rest would be waste.
_VIEW_TYPES = ("Patient", "EpisodeOfCare", "Condition", "Encounter", "Observation")


@dataclass
class StatsResult:
    """Indicator and category counts, and seconds per step."""

    indicators: pa.Table
    categories: pa.Table
    seconds: dict[str, float] = field(default_factory=dict)


def store_rows(
    store: FhirStore, types: tuple[str, ...] = _VIEW_TYPES
) -> Iterator[tuple[str, str, str]]:
    """(resource_type, id, content) of the current, not deleted resources the views read."""
    r = resource_table.c
    query = select(r.resource_type, r.resource_id, r.content).where(
        r.resource_type.in_(types), r.deleted.is_(False)
    )
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            content = row.content if isinstance(row.content, str) else _dumps(row.content)
            yield row.resource_type, row.resource_id, content


def _dumps(value: object) -> str:
    import orjson

    return orjson.dumps(value).decode()


def load_store(store: FhirStore, connection: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Copy the store's resources into DuckDB and flatten them with the indicator views."""
    began = time.perf_counter()
    source = store_table(store_rows(store), connection, "resources")
    seconds = {"read store": time.perf_counter() - began}
    seconds.update(flatten(source, connection))
    return seconds


def compute_from_store(store: FhirStore, settings: Settings, periods: list[Period]) -> StatsResult:
    """Every indicator and category count for the periods, for every street and the district."""
    connection = duckdb.connect()
    try:
        seconds = load_store(store, connection)
        began = time.perf_counter()
        indicators, categories = compute(
            connection, periods, settings.follow_up, settings.district_code
        )
        seconds["indicators"] = time.perf_counter() - began
        return StatsResult(indicators, categories, seconds)
    finally:
        connection.close()


def publish_to_store(
    store: FhirStore, settings: Settings, periods: list[Period], generated: str
) -> list[PublishedCell]:
    """Compute, suppress, and write the Measures and MeasureReports (stable ids) to the store."""
    result = compute_from_store(store, settings, periods)
    cells = publish_indicators(
        result.indicators.to_pylist(), settings.district_code, settings.privacy
    )
    store.write_many([*measures(), *measure_reports(cells, generated)])
    return cells
