"""Alembic environment: runs on the connection handed in by ``hub.store.migrate``."""

from __future__ import annotations

from alembic import context

import hub.identity.schema
import hub.ingest.schema
import hub.quality.schema  # noqa: F401 - registers the quality tables for autogenerate
import hub.security.schema  # noqa: F401 - registers the security tables for autogenerate
from hub.store.schema import metadata

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
