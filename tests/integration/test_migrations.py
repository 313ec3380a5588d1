"""The Alembic migrations create exactly the schema the code declares."""

from __future__ import annotations

from datetime import datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from hub.search.request import parse_search
from hub.search.service import run_search
from hub.search.sql import QueryContext
from hub.store import FhirStore, is_up_to_date, upgrade
from hub.store.migrate import alembic_config
from hub.store.schema import metadata


def test_migrated_schema_matches_the_declared_tables(store: FhirStore) -> None:
    assert is_up_to_date(store.engine)
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def _reference_search(store: FhirStore, pairs: list[tuple[str, str]]) -> list[str]:
    request = parse_search("Observation", pairs)
    context = QueryContext(base_url="http://hub.test/fhir", now=datetime(2026, 1, 1))
    with store.reading() as session:
        return sorted(hit.resource_id for hit in run_search(session.conn, request, context).matches)


def test_upgrade_from_0008_keeps_reference_searches_and_indexes_them(store: FhirStore) -> None:
    """Rows written under 0008's two reference indexes are found through 0009's one."""
    config = alembic_config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0008_ended_sessions")
    try:
        store.write_many(
            [
                {
                    "resourceType": "Observation",
                    "id": f"o{i}",
                    "status": "final",
                    "code": {"text": "risk"},
                    "subject": {"reference": f"Patient/p{i % 3}"},
                }
                for i in range(9)
            ]
        )
    finally:
        upgrade(store.engine)
    with store.engine.connect() as conn:
        indexes = {
            ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes("idx_reference")
        }
    assert "ix_reference_lookup" not in indexes
    assert indexes["ix_reference_target"] == ["target_id", "target_type", "resource_type", "param"]
    assert _reference_search(store, [("subject", "Patient/p1")]) == ["o1", "o4", "o7"]
    assert _reference_search(store, [("subject", "p2")]) == ["o2", "o5", "o8"]
    assert _reference_search(store, [("subject:Patient", "p0")]) == ["o0", "o3", "o6"]
