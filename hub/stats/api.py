"""What the HTTP layer calls: indicators for a period and the months before it, and $run."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from hub.config import Settings
from hub.stats.periods import Period, parse_period
from hub.stats.publication import PublishedCell, publish_categories, publish_indicators
from hub.stats.service import compute_from_store, store_rows
from hub.stats.viewdef import run_view, write_csv, write_ndjson
from hub.stats.views import store_table, view_named
from hub.store import FhirStore

__all__ = [
    "published",
    "published_with_categories",
    "run_view_over_store",
    "trailing_months",
]


def trailing_months(period: Period, count: int = 12) -> list[Period]:
    """The `count` months ending with the period's last month."""
    year, month = period.last.year, period.last.month
    out = []
    for _ in range(count):
        out.append(parse_period(f"{year:04d}-{month:02d}"))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return sorted(out, key=lambda p: p.first)


def published(
    store: FhirStore, settings: Settings, periods: list[Period], area: str | None = None
) -> list[PublishedCell]:
    """Suppressed indicator cells for the periods (optionally one area)."""
    return published_with_categories(store, settings, periods, area)[0]


def published_with_categories(
    store: FhirStore, settings: Settings, periods: list[Period], area: str | None = None
) -> tuple[list[PublishedCell], list[dict[str, Any]]]:
    """Suppressed indicator cells and category counts (diagnosis, risk level)."""
    result = compute_from_store(store, settings, periods)
    district, privacy = settings.district_code, settings.privacy
    cells = publish_indicators(result.indicators.to_pylist(), district, privacy)
    categories = publish_categories(result.categories.to_pylist(), district, privacy)
    return (
        [c for c in cells if area is None or c.area == area],
        [c for c in categories if area is None or c["area"] == area],
    )


def _view_from_parameters(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """(view, format) from a Parameters body with viewResource or viewReference and _format."""
    view: dict[str, Any] | None = None
    fmt = "json"
    for p in body.get("parameter", []):
        name = p.get("name")
        if name == "viewResource":
            view = p.get("resource")
        elif name == "viewReference":
            ref = (p.get("valueReference") or {}).get("reference") or p.get("valueCanonical", "")
            view = view_named(str(ref).rsplit("/", 1)[-1])
        elif name == "_format":
            fmt = str(p.get("valueCode") or p.get("valueString") or "json")
    if view is None:
        raise ValueError("Parameters need a viewResource or a viewReference")
    return view, fmt


def run_view_over_store(store: FhirStore, body: dict[str, Any]) -> tuple[bytes, str]:
    """Run the posted view over the store's current resources; (bytes, media type)."""
    view, fmt = _view_from_parameters(body)
    connection = duckdb.connect()
    try:
        source = store_table(store_rows(store, (str(view.get("resource")),)), connection, "r")
        table = run_view(view, source, connection=connection)
        assert isinstance(table, pa.Table)
    finally:
        connection.close()
    writers = {"csv": (write_csv, "text/csv"), "ndjson": (write_ndjson, "application/x-ndjson")}
    key = fmt.split("/")[-1].replace("x-", "")
    if key in writers:
        write, media = writers[key]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "out"
            write(table, path)
            return path.read_bytes(), media
    return json.dumps(table.to_pylist(), default=_iso).encode(), "application/json"


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
