"""The API in-process over the `store` fixture (SQLite and PostgreSQL)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.api import create_app
from hub.config import Settings
from hub.store import FhirStore
from hub.store.schema import metadata

with warnings.catch_warnings():
    # Starlette suggests httpx2 for its test client; httpx is what the project ships.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

BASE = "http://hub.test/fhir"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a scratch data directory and a fixed public base URL."""
    return Settings(data_dir=tmp_path / "var", base_url=BASE)


@pytest.fixture
def api(store: FhirStore, settings: Settings) -> Iterator[TestClient]:
    """A client of the app over the store (each backend)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with TestClient(create_app(settings, store), base_url="http://hub.test") as client:
        yield client


def reset(store: FhirStore) -> None:
    """Remove every row (between Hypothesis examples)."""
    with store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def ids(bundle: dict[str, Any], mode: str = "match") -> set[str]:
    """Ids of the entries of a search mode in a Bundle."""
    return {
        e["resource"]["id"]
        for e in bundle.get("entry", [])
        if e.get("search", {}).get("mode", "match") == mode
    }
