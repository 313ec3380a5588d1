"""One-statement reads (read, vread) on a prepared statement, outside SQLAlchemy, on PostgreSQL.

A read is a single SELECT by primary key. Through a SQLAlchemy ``Connection`` it cost about
390 µs of CPU (checkout with an AUTOCOMMIT switch and back, statement compilation lookup,
result machinery). The same SELECT as a psycopg prepared statement on a pooled autocommit
connection costs under 100 µs, the StoredResource included (bench/api.py's district, reads
in a loop). At concurrency 32 that was over a quarter of the hub's CPU per read. So on
PostgreSQL the current version is read here; everything else (older versions, SQLite) goes
through the store. The stored JSON is revealed through the sealer installed on the engine,
exactly as the store's ``JsonDocument`` column does (``hub.store.sealing``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from hub.store import FhirStore, StoredResource
from hub.store.errors import ResourceGone, ResourceNotFound, StoreUnavailable
from hub.store.schema import resource
from hub.store.sealing import sealer_of

__all__ = ["SingleReads"]

#: Connections kept open per process for reads; more are opened when busy and then closed.
_KEPT = 4

_CURRENT = (
    f"SELECT version_id, last_updated, deleted, content::text FROM {resource.name} "
    "WHERE resource_type = %s AND resource_id = %s"
)


def _autocommit_pool(engine: Engine) -> QueuePool:
    """A pool of autocommit DB-API connections opened with the engine's own connect arguments.

    Separate from the engine's pool: autocommit stays on for a connection's whole life.
    """
    args, kwargs = engine.dialect.create_connect_args(engine.url)

    def connect() -> Any:
        conn = engine.dialect.loaded_dbapi.connect(*args, **kwargs)
        conn.autocommit = True
        return conn

    # Nothing to roll back on return: every statement commits itself.
    return QueuePool(connect, pool_size=_KEPT, max_overflow=-1, reset_on_return=None)


class SingleReads:
    """Reads of one resource version; the current one by a prepared statement on PostgreSQL."""

    def __init__(self, store: FhirStore) -> None:
        self.store = store
        engine: Engine = store.engine
        self._connections = (
            _autocommit_pool(engine) if engine.dialect.name == "postgresql" else None
        )
        self._dialect = engine.dialect

    def read(self, resource_type: str, resource_id: str) -> StoredResource:
        """The current version (ResourceNotFound / ResourceGone otherwise)."""
        if self._connections is None:
            with self.store.reading() as session:
                return session.read(resource_type, resource_id)
        row = self._current_row(resource_type, resource_id)
        if row is None:
            raise ResourceNotFound(resource_type, resource_id)
        version_id, last_updated, deleted, content = row
        if deleted:
            raise ResourceGone(resource_type, resource_id, version_id)
        sealer = sealer_of(self._dialect)
        return StoredResource(
            resource_type=resource_type,
            resource_id=resource_id,
            version_id=version_id,
            last_updated=last_updated,
            deleted=False,
            content=content if sealer is None or content is None else sealer.reveal_json(content),
        )

    def vread(self, resource_type: str, resource_id: str, version_id: int) -> StoredResource:
        """One version (ResourceNotFound / ResourceGone otherwise)."""
        with self.store.reading() as session:
            return session.vread(resource_type, resource_id, version_id)

    def _current_row(self, resource_type: str, resource_id: str) -> tuple[Any, ...] | None:
        """The row, retried once on a fresh connection if a kept one had gone stale."""
        assert self._connections is not None
        dbapi = self._dialect.loaded_dbapi
        for attempt in (1, 2):
            try:
                pooled = self._connections.connect()
                driver: Any = pooled.driver_connection
                try:
                    row: tuple[Any, ...] | None = driver.execute(
                        _CURRENT, (resource_type, resource_id), prepare=True
                    ).fetchone()
                except Exception:
                    pooled.invalidate()  # a broken connection is closed, not kept
                    raise
                finally:
                    pooled.close()
                return row
            except dbapi.OperationalError as exc:
                if attempt == 2:
                    raise StoreUnavailable(f"The database is not available ({exc}).") from exc
        return None  # pragma: no cover - the loop returns or raises
