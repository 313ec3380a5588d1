"""The ``uvicorn --factory`` entry point serves what ``hub serve`` serves, definitions included."""

from __future__ import annotations

import multiprocessing
import warnings
from pathlib import Path

import pytest

from hub.api import asgi
from hub.canonical import load_canonical_resources
from hub.store import WriteSummary, open_store
from hub.store.errors import VersionConflict

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_the_factory_loads_the_canonical_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Questionnaires are found by url through an app the factory built on a new database."""
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HUB_AUTH__ENABLED", "false")
    with TestClient(asgi.app(), base_url="http://hub.test") as client:
        found = client.get("/fhir/Questionnaire", params={"_summary": "count"}).json()
    assert found["total"] >= 1


def _load(url: str) -> str:
    store = open_store(url, migrate=False)
    try:
        load_canonical_resources(store)
        return "ok"
    except Exception as exc:  # reported to the test, which names it
        return f"{type(exc).__name__}: {exc}"
    finally:
        store.engine.dispose()


def test_workers_starting_together_all_start(postgres_url: str) -> None:
    """Four workers loading the definitions at once on a new database: none fails."""
    open_store(postgres_url).engine.dispose()  # migrated, empty
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        outcomes = pool.map(_load, [postgres_url] * 4)
    assert outcomes == ["ok"] * 4
    store = open_store(postgres_url, migrate=False)
    with store.reading() as session:
        assert session.count("Questionnaire") >= 1
    store.engine.dispose()


def test_a_conflict_is_retried_and_a_lasting_one_raised() -> None:
    """The retry covers the race only: a conflict on every try is still an error."""

    class _Racing:
        def __init__(self, conflicts: int) -> None:
            self.calls, self.conflicts = 0, conflicts

        def write_many(self, _documents: object) -> WriteSummary:
            self.calls += 1
            if self.calls <= self.conflicts:
                raise VersionConflict("CodeSystem", "x", None, 1)
            return WriteSummary()

    once = _Racing(conflicts=1)
    load_canonical_resources(once)  # type: ignore[arg-type]
    assert once.calls == 2

    always = _Racing(conflicts=99)
    with pytest.raises(VersionConflict):
        load_canonical_resources(always)  # type: ignore[arg-type]
