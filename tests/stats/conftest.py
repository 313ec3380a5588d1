"""Fixtures for the ViewDefinition tests: a PostgreSQL connection and resource tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from hub.stats.viewdef import PostgresTable


@pytest.fixture(scope="module")
def postgres_connection(postgres_url: str) -> Iterator[Any]:
    """A psycopg connection to the run's PostgreSQL test database (skips without one)."""
    import psycopg

    conninfo = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as connection:
        yield connection


def postgres_table(connection: Any, resources: list[dict[str, Any]]) -> PostgresTable:
    """Replace the `view_resources` table (resource_type, content jsonb) with `resources`."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS view_resources")
        cursor.execute("CREATE TABLE view_resources (resource_type text, content jsonb)")
        cursor.executemany(
            "INSERT INTO view_resources VALUES (%s, %s::jsonb)",
            [(r["resourceType"], json.dumps(r)) for r in resources],
        )
    connection.commit()
    return PostgresTable(connection, "view_resources")


@pytest.fixture(scope="session")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A clean 40-patient district synced into a SQLite store (once per session)."""
    from tests.stats.district import synced_district

    return synced_district(tmp_path_factory.mktemp("stats_district"))
