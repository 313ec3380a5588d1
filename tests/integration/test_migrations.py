"""The Alembic migrations create exactly the schema the code declares."""

from __future__ import annotations

from datetime import datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

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


def _search(store: FhirStore, pairs: list[tuple[str, str]], *, ordered: bool = False) -> list[str]:
    request = parse_search("Observation", pairs)
    context = QueryContext(base_url="http://hub.test/fhir", now=datetime(2026, 1, 1))
    with store.reading() as session:
        found = [hit.resource_id for hit in run_search(session.conn, request, context).matches]
    return found if ordered else sorted(found)


def _indexes(store: FhirStore, table: str) -> dict[str, list[str | None]]:
    with store.engine.connect() as conn:
        return {ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes(table)}


def _methods(store: FhirStore) -> dict[str, str]:
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes"))
        return {name: definition.split(" USING ")[1].split(" ")[0] for name, definition in rows}


def test_upgrade_from_0008_keeps_searches_right_through_the_new_indexes(store: FhirStore) -> None:
    """Rows written under 0008's indexes are found, sorted and replaced through 0010's."""
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
                    "effectiveDateTime": f"2025-01-{10 + (i * 7) % 9:02d}",
                }
                for i in range(9)
            ]
        )
    finally:
        upgrade(store.engine)
    references = _indexes(store, "idx_reference")
    assert "ix_reference_lookup" not in references
    assert references["ix_reference_target"] == [
        "target_id",
        "target_type",
        "resource_type",
        "param",
    ]
    for name in ("token", "string", "date", "reference", "quantity"):
        assert _indexes(store, f"idx_{name}")[f"ix_{name}_resource"] == ["resource_id"]
    if store.engine.dialect.name == "postgresql":
        assert _methods(store)["ix_token_resource"] == "hash"
    assert _search(store, [("subject", "Patient/p1")]) == ["o1", "o4", "o7"]
    assert _search(store, [("subject", "p2")]) == ["o2", "o5", "o8"]
    assert _search(store, [("subject:Patient", "p0")]) == ["o0", "o3", "o6"]
    assert _search(store, [("_sort", "date")], ordered=True) == [
        f"o{i}" for i in (0, 4, 8, 3, 7, 2, 6, 1, 5)
    ]
    store.update(
        {
            "resourceType": "Observation",
            "id": "o1",
            "status": "final",
            "subject": {"reference": "Patient/p2"},
        }
    )
    assert _search(store, [("subject", "Patient/p1")]) == ["o4", "o7"]
    assert _search(store, [("subject", "Patient/p2")]) == ["o1", "o2", "o5", "o8"]
