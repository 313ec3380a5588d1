"""A migrated SQLite store per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.store import FhirStore, open_store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[FhirStore]:
    """An empty, migrated store on SQLite."""
    store = open_store(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    try:
        yield store
    finally:
        store.engine.dispose()
