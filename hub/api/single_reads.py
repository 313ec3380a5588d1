"""One-statement reads (read, vread) without a transaction on PostgreSQL.

A read is a single SELECT, so it needs no BEGIN/ROLLBACK around it: on PostgreSQL an
autocommit connection saves those two round trips (about 10 % of a read, measured with
bench/api.py's data). SQLite keeps the store's own transaction handling.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from hub.store import FhirStore, StoredResource, StoreSession

__all__ = ["SingleReads"]


class SingleReads:
    """Reads of one resource version over the store's connection pool."""

    def __init__(self, store: FhirStore) -> None:
        self.store = store
        engine: Engine = store.engine
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._engine = engine

    @contextmanager
    def _session(self) -> Iterator[StoreSession]:
        if self._engine is self.store.engine:
            with self.store.reading() as session:
                yield session
            return
        with self._engine.connect() as conn:
            yield StoreSession(conn, self.store.indexer, self.store.clock)

    def read(self, resource_type: str, resource_id: str) -> StoredResource:
        """The current version (ResourceNotFound / ResourceGone otherwise)."""
        with self._session() as session:
            return session.read(resource_type, resource_id)

    def vread(self, resource_type: str, resource_id: str, version_id: int) -> StoredResource:
        """One version (ResourceNotFound / ResourceGone otherwise)."""
        with self._session() as session:
            return session.vread(resource_type, resource_id, version_id)
