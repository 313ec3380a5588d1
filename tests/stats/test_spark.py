"""The shipped views on Spark local mode over a Bulk $export give the embedded engine's rows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.api.export import ExportManager, ExportRequest
from hub.stats.viewdef import NdjsonFiles, run_view
from hub.stats.views import shipped_views

pytestmark = pytest.mark.spark

pyspark = pytest.importorskip(
    "pyspark", reason="pyspark is not installed: pip install -e '.[spark]' to run the Spark test"
)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """A local-mode Spark session (two cores, no UI)."""
    import os
    import sys

    from pyspark.sql import SparkSession

    # The workers must run this interpreter (the venv with the hub and fhirpathpy).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable

    session = (
        SparkSession.builder.master("local[2]")
        .appName("carehub-views")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _export(store: Any, data_dir: Path, types: tuple[str, ...]) -> Path:
    """A system-level Bulk $export of the types, through the hub's own export manager."""
    manager = ExportManager(store, data_dir)
    job = manager.start(ExportRequest("system", types, None, "test"))
    for _ in range(600):
        current = manager.get(job.id)
        if current is not None and current.status != "in-progress":
            assert current.status == "completed", current.error
            return manager.root / job.id
        time.sleep(0.1)
    raise AssertionError("the export did not finish in a minute")


def _key(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(row[k]) for k in sorted(row))


def test_every_shipped_view_gives_the_same_rows_on_spark(
    synced: Any, tmp_path: Path, spark: Any
) -> None:
    from hub.stats.spark import run_view_spark

    views = shipped_views()
    folder = _export(synced.store, tmp_path, tuple(sorted({v["resource"] for v in views})))
    for view in views:
        embedded = run_view(view, NdjsonFiles(folder), output="rows")
        assert isinstance(embedded, list)
        on_spark = [r.asDict() for r in run_view_spark(view, folder, spark).collect()]
        assert embedded, view["name"]
        assert sorted(map(_key, on_spark)) == sorted(map(_key, embedded)), view["name"]
