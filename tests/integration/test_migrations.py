"""The Alembic migrations create exactly the schema the code declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub.store import FhirStore, is_up_to_date
from hub.store.schema import metadata


def test_migrated_schema_matches_the_declared_tables(store: FhirStore) -> None:
    assert is_up_to_date(store.engine)
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []
