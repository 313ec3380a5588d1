"""Alembic environment: runs on the connection handed in by ``hub.store.migrate``."""

from __future__ import annotations

from alembic import context

from hub.identity import schema as identity_tables
from hub.ingest import schema as ingest_tables
from hub.quality import schema as quality_tables
from hub.security import schema as security_tables
from hub.store.schema import metadata

# Imported for their side effect: each module registers its tables on the shared metadata.
REGISTERED = (identity_tables, ingest_tables, quality_tables, security_tables)

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when alembic is run by hand
    raise RuntimeError("Run migrations with `hub db upgrade`, which passes the connection.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
