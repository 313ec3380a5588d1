"""PostgreSQL: the store's connections keep no prepared statement whose generic plan could
go stale as the tables grow (see ``hub.store.engine._plan_every_statement``)."""

from __future__ import annotations

from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from hub.store import open_store

_PREPARED = "SELECT statement FROM pg_prepared_statements"


def _observation(number: int) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"plan-{number}",
        "status": "final",
        "code": {"text": "risk level"},
        "subject": {"reference": f"Patient/plan-{number % 3}"},
    }


def test_store_connections_plan_every_statement_afresh(postgres_url: str) -> None:
    store = open_store(postgres_url)
    try:
        # The versions read and the index writes run once per batch: past psycopg's
        # threshold (5) they would be prepared, with a plan made on a near-empty table.
        for number in range(8):
            store.write_many([_observation(number)])
        assert store.engine.pool.checkedin() == 1  # the one connection every batch used
        with store.engine.connect() as conn:
            prepared = conn.exec_driver_sql(_PREPARED).scalars().all()
        assert prepared == []
        assert store.read("Observation", "plan-7").version_id == 1
    finally:
        store.engine.dispose()


def test_a_default_psycopg_connection_does_prepare_the_same_read(postgres_url: str) -> None:
    """The control: the check above sees a prepared statement when one exists."""
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(6):
            conn.execute(
                "SELECT version_id FROM resource"
                " WHERE resource_type = %s AND resource_id = ANY(%s)",
                ("Observation", ["plan-1"]),
            )
        prepared = [row[0] for row in conn.execute(_PREPARED)]
    assert len(prepared) == 1
    assert "resource_id = ANY" in prepared[0]
