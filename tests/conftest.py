"""Shared fixtures: a database per run on SQLite and PostgreSQL, and a store on each.

PostgreSQL comes from ``HUB_TEST_POSTGRES_URL`` (any database on the server; the run creates
its own database and drops it at the end, so runs never see each other's rows). Without it
the PostgreSQL tests skip, unless ``HUB_REQUIRE_POSTGRES=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hub.store import FhirStore, open_store
from hub.store.engine import normalise_database_url
from hub.store.schema import metadata

BACKENDS = ("sqlite", "postgresql")


def _postgres_server_url() -> str | None:
    url = os.environ.get("HUB_TEST_POSTGRES_URL")
    if not url and os.environ.get("HUB_REQUIRE_POSTGRES") == "1":
        pytest.fail("HUB_REQUIRE_POSTGRES=1 but HUB_TEST_POSTGRES_URL is not set")
    return normalise_database_url(url) if url else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run (worker), dropped afterwards."""
    server = _postgres_server_url()
    if server is None:
        pytest.skip(
            "PostgreSQL tests need HUB_TEST_POSTGRES_URL (set HUB_REQUIRE_POSTGRES=1 to fail)"
        )
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if os.environ.get("HUB_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"cannot create a test database on {server}: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.sqlite'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def _empty_tables(store: FhirStore) -> None:
    with store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def store(database_url: str) -> Iterator[FhirStore]:
    """A migrated store on each backend; its rows are removed after the test."""
    fhir_store = open_store(database_url)
    _empty_tables(fhir_store)
    try:
        yield fhir_store
    finally:
        _empty_tables(fhir_store)
        fhir_store.engine.dispose()


# Access control is on by default (`hub serve`, `hub demo`); the suite's apps are built
# from Settings() and call the API without tokens, so the test run switches it off.
# tests/security builds its apps with auth on explicitly.
os.environ.setdefault("HUB_AUTH__ENABLED", "false")
