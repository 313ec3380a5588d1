"""One-statement reads (read, vread) on a prepared statement, outside SQLAlchemy, on PostgreSQL.

A read is a single SELECT by primary key. Through SQLAlchemy it cost about 390 µs of CPU
(pool checkout with an AUTOCOMMIT switch, statement compilation lookup, result machinery);
the same SELECT as a psycopg prepared statement on a kept autocommit connection costs about
20 µs (2,000 reads in a loop over bench/api.py's district). At concurrency 32 that was
over a quarter of the hub's CPU per read. So on PostgreSQL the
current version is read here; everything else (older versions, SQLite) goes through the
store. The stored JSON is revealed through the sealer installed on the engine, exactly as
the store's ``JsonDocument`` column does (``hub.store.sealing``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine

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


class _Connections:
    """A few autocommit DB-API connections opened with the engine's own connect arguments."""

    def __init__(self, engine: Engine) -> None:
        args, kwargs = engine.dialect.create_connect_args(engine.url)
        self._connect: Callable[[], Any] = lambda: engine.dialect.loaded_dbapi.connect(
            *args, **kwargs
        )
        self._idle: list[Any] = []
        self._lock = threading.Lock()

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """An open connection; a broken one is closed instead of kept."""
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._connect()
            conn.autocommit = True
        try:
            yield conn
        except Exception:
            conn.close()
            raise
        with self._lock:
            if len(self._idle) < _KEPT and not conn.closed:
                self._idle.append(conn)
                return
        conn.close()


class SingleReads:
    """Reads of one resource version; the current one by a prepared statement on PostgreSQL."""

    def __init__(self, store: FhirStore) -> None:
        self.store = store
        engine: Engine = store.engine
        self._connections = _Connections(engine) if engine.dialect.name == "postgresql" else None
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
                with self._connections.connection() as conn:
                    row: tuple[Any, ...] | None = conn.execute(
                        _CURRENT, (resource_type, resource_id), prepare=True
                    ).fetchone()
                    return row
            except dbapi.OperationalError as exc:
                if attempt == 2:
                    raise StoreUnavailable(f"The database is not available ({exc}).") from exc
        return None  # pragma: no cover - the loop returns or raises
