"""The ``uvicorn --factory`` entry point serves what ``hub serve`` serves, definitions included."""

from __future__ import annotations

import multiprocessing
import warnings
from pathlib import Path

import pytest

from hub.api import asgi
from hub.store import open_store
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
        asgi.load_canonical(store)
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


def test_a_conflict_is_retried_and_a_lasting_one_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    """The retry covers the race only: a conflict on every try is still an error."""
    calls: list[int] = []

    def conflicting(_store: object) -> None:
        calls.append(1)
        if len(calls) < 2:
            raise VersionConflict("CodeSystem", "x", None, 1)

    monkeypatch.setattr(asgi, "load_canonical_resources", conflicting)
    asgi.load_canonical(object())  # type: ignore[arg-type]
    assert len(calls) == 2

    def always(_store: object) -> None:
        raise VersionConflict("CodeSystem", "x", None, 1)

    monkeypatch.setattr(asgi, "load_canonical_resources", always)
    with pytest.raises(VersionConflict):
        asgi.load_canonical(object())  # type: ignore[arg-type]
