"""The app in-process over the embedded store, loaded with the hand-built three-source district."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.api import create_app
from hub.config import Settings
from hub.store import open_store
from tests.continuity.district import three_sources

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2 for its test client
    from fastapi.testclient import TestClient


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """A client of the hub over a SQLite store holding one person from all three sources."""
    settings = Settings(data_dir=tmp_path, language="en")
    store = open_store(settings.effective_database_url)
    resources, _ = three_sources()
    store.write_many(resources)
    with TestClient(create_app(settings, store), base_url="http://hub.test") as c:
        yield c
    store.engine.dispose()
