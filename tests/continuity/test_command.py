"""``hub gaps`` as an operator runs it: on the configured store, as of a day."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from hub.store import open_store
from tests.continuity.district import D0, three_sources
from tests.continuity.history import days
from tests.e2e.conftest import HUB


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATA_DIR"] = str(data_dir)
    return subprocess.run([HUB, "gaps", *args], env=env, capture_output=True, text=True)


def test_gaps_writes_tasks_then_closes_them_as_evidence_arrives(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    resources, parts = three_sources()
    store.write_many(resources)
    first = _run(tmp_path, "--as-of", days(D0, 15).isoformat())
    assert first.returncode == 0, first.stderr
    assert "3 open gaps, 0 closed now, 3 Tasks written" in first.stderr
    parts["station"].follow_up(days(D0, 16), klass="3", adherence="1")
    store.write_many(parts["station"].resources)
    second = _run(tmp_path, "--as-of", days(D0, 17).isoformat())
    assert "0 open gaps, 3 closed now" in second.stderr
    store.engine.dispose()


def test_gaps_refuses_a_day_it_cannot_read(tmp_path: Path) -> None:
    result = _run(tmp_path, "--as-of", "16.03.2024")
    assert result.returncode == 2
    assert "YYYY-MM-DD" in result.stderr
