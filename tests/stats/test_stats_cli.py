"""``hub views run`` and ``hub stats`` over the synced district."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from hub.cli import app


@pytest.fixture
def env(synced: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the hub at the synced district's SQLite store."""
    monkeypatch.setenv("HUB_DATABASE_URL", str(synced.store.engine.url))
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "var"))
    return tmp_path


def test_views_run_writes_parquet(env: Path) -> None:
    target = env / "fu.parquet"
    result = CliRunner().invoke(
        app, ["views", "run", "smd_follow_up", "--format", "parquet", "--out", str(target)]
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(target)
    assert table.num_rows > 0
    assert table.column_names == [
        "encounter_id",
        "patient_id",
        "visit_date",
        "mode",
        "encounter_class",
    ]


def test_unknown_view_and_format_fail_in_one_sentence(env: Path) -> None:
    result = CliRunner().invoke(app, ["views", "run", "nope"])
    assert result.exit_code == 2
    assert "no shipped ViewDefinition named 'nope'" in result.output
    result = CliRunner().invoke(app, ["views", "run", "smd_patient", "--format", "xml"])
    assert result.exit_code == 2


def test_stats_prints_every_indicator_for_the_area(env: Path) -> None:
    result = CliRunner().invoke(app, ["stats", "--period", "2023-10", "--area", "310104"])
    assert result.exit_code == 0, result.output
    for name in ("management_rate", "readmission_30d", "discharge_follow_up_14d"):
        assert name in result.output
