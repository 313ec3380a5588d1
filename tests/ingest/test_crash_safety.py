"""A sync killed mid-source resumes from its last checkpoint: every record exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from sqlalchemy import func, select

from hub.ingest.schema import connector_state, landing, source_record
from hub.store import FhirStore
from tests.connectors.conftest import District, simulate_district


@pytest.fixture(scope="module")
def crash_district(tmp_path_factory: pytest.TempPathFactory) -> District:
    """A 40-patient district for this module."""
    return simulate_district(tmp_path_factory.mktemp("crash_district"))


def _hub_sync(sources: Path, database_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HUB_DATABASE_URL": database_url}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "hub"), "sync", "--sources", str(sources), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _checkpoints(store: FhirStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(connector_state)).scalar_one())


def test_killed_sync_resumes_without_duplicates_or_gaps(
    store: FhirStore, crash_district: District, tmp_path: Path
):
    sources = tmp_path / "sources.toml"
    exports = crash_district.root / "station" / "exports"
    config = {
        "district": {"code": "310104"},
        "sources": {
            "station": {"kind": "station_files", "directory": str(exports), "rows_per_page": 10}
        },
    }
    sources.write_text(tomli_w.dumps(config), encoding="utf-8")
    url = store.engine.url.render_as_string(hide_password=False)
    first = _hub_sync(sources, url)
    deadline = time.monotonic() + 120
    while _checkpoints(store) == 0 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.poll() is None, "the sync ended before it could be killed"
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = _hub_sync(sources, url)
    _out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err.decode()[-2000:]

    truth = pd.read_parquet(crash_district.root / "truth" / "record_persons.parquet")
    truth = truth[truth["source_system"] == "station"]
    expected = set(zip(truth["record_kind"], truth["source_key"].astype(str), strict=True))
    with store.engine.connect() as conn:
        states = conn.execute(select(source_record.c.record_kind, source_record.c.source_key)).all()
        landed = conn.execute(
            select(landing.c.record_kind, landing.c.source_key, func.count())
            .where(landing.c.source_key.is_not(None))
            .group_by(landing.c.record_kind, landing.c.source_key)
            .having(func.count() > 1)
        ).all()
    assert {(s.record_kind, s.source_key) for s in states} == expected  # no gaps
    # a key lands twice only when the station exported it twice (a later status change)
    registrations = truth[truth["record_kind"] == "station.registration"]["source_key"]
    twice = set(registrations[registrations.duplicated()].astype(str))
    assert {row.source_key for row in landed} <= twice
