"""The FHIR resource store: versioned resources and their search indexes on SQLAlchemy Core.

Every write happens inside a ``StoreSession`` (one database transaction): the resource row,
its superseded version in ``resource_history`` and its index rows commit or roll back
together. Optimistic locking: a write that names the version it expects succeeds only if
that version is still current; two racing writers cannot both win (the history key of the
superseded version is unique, so the second writer's copy fails and it gets a conflict).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.store.batch import (
    TableIndexer,
    TableRows,
    WriteSummary,
    clear_index,
    write_batch,
    write_index,
)
from hub.store.documents import content_hash, dumps, require_type_and_id, stamp_meta, utc_now
from hub.store.errors import InvalidResource, ResourceGone, ResourceNotFound, VersionConflict
from hub.store.precedence import keeps_current
from hub.store.schema import resource, resource_history
from hub.store.sealing import Sealer, install_sealer

__all__ = [
    "FhirStore",
    "StoreSession",
    "StoredResource",
    "WriteSummary",
]

_BATCH = 500
#: Resources per batch of ``write_many``: a batch costs a few statements whatever its size.
_WRITE_BATCH = 2000


def _no_index(_resource: dict[str, Any], _resource_id: str, _tables: TableRows) -> None:
    return None


@dataclass(frozen=True)
class StoredResource:
    """One version of a resource as the store holds it."""

    resource_type: str
    resource_id: str
    version_id: int
    last_updated: datetime
    deleted: bool
    content: str | None  # JSON text with meta.versionId/lastUpdated; None when deleted

    def as_dict(self) -> dict[str, Any]:
        """The resource as a dict (parses the stored JSON)."""
        if self.content is None:
            raise ResourceGone(self.resource_type, self.resource_id, self.version_id)
        parsed: dict[str, Any] = orjson.loads(self.content)
        return parsed


def _row_to_stored(row: Any) -> StoredResource:
    return StoredResource(
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        version_id=row.version_id,
        last_updated=row.last_updated,
        deleted=bool(row.deleted),
        content=row.content,
    )


_CURRENT_COLUMNS = (
    resource.c.resource_type,
    resource.c.resource_id,
    resource.c.version_id,
    resource.c.last_updated,
    resource.c.deleted,
    resource.c.content,
)
_HISTORY_COLUMNS = (
    resource_history.c.resource_type,
    resource_history.c.resource_id,
    resource_history.c.version_id,
    resource_history.c.last_updated,
    resource_history.c.deleted,
    resource_history.c.content,
)


class StoreSession:
    """Reads and writes inside one transaction."""

    def __init__(
        self, conn: Connection, indexer: TableIndexer, clock: Callable[[], datetime]
    ) -> None:
        self.conn, self._indexer, self._clock = conn, indexer, clock

    # --- reads ---------------------------------------------------------------------------

    def current(self, resource_type: str, resource_id: str) -> StoredResource | None:
        """The current version (deleted or not), or None if the resource never existed."""
        row = self.conn.execute(
            select(*_CURRENT_COLUMNS).where(
                resource.c.resource_type == resource_type, resource.c.resource_id == resource_id
            )
        ).first()
        return _row_to_stored(row) if row else None

    def read(self, resource_type: str, resource_id: str) -> StoredResource:
        """The current version; ResourceNotFound or ResourceGone otherwise."""
        found = self.current(resource_type, resource_id)
        if found is None:
            raise ResourceNotFound(resource_type, resource_id)
        if found.deleted:
            raise ResourceGone(resource_type, resource_id, found.version_id)
        return found

    def vread(self, resource_type: str, resource_id: str, version_id: int) -> StoredResource:
        """One version; ResourceGone if that version is a deletion."""
        found = self.current(resource_type, resource_id)
        if found is None or found.version_id != version_id:
            row = self.conn.execute(
                select(*_HISTORY_COLUMNS).where(
                    resource_history.c.resource_type == resource_type,
                    resource_history.c.resource_id == resource_id,
                    resource_history.c.version_id == version_id,
                )
            ).first()
            if row is None:
                raise ResourceNotFound(resource_type, resource_id, version_id)
            found = _row_to_stored(row)
        if found.deleted:
            raise ResourceGone(resource_type, resource_id, version_id)
        return found

    def read_many(self, resource_type: str, ids: Sequence[str]) -> list[StoredResource]:
        """The current, not deleted versions of the given ids (missing ids are left out)."""
        out: list[StoredResource] = []
        for start in range(0, len(ids), _BATCH):
            rows = self.conn.execute(
                select(*_CURRENT_COLUMNS).where(
                    resource.c.resource_type == resource_type,
                    resource.c.resource_id.in_(ids[start : start + _BATCH]),
                    resource.c.deleted.is_(False),
                )
            )
            out.extend(_row_to_stored(r) for r in rows)
        return out

    def history(
        self,
        resource_type: str | None = None,
        resource_id: str | None = None,
        *,
        since: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[StoredResource]:
        """Versions newest first, for an instance, a type, or the whole store."""
        parts = []
        for table, cols in ((resource, _CURRENT_COLUMNS), (resource_history, _HISTORY_COLUMNS)):
            query = select(*cols)
            if resource_type is not None:
                query = query.where(table.c.resource_type == resource_type)
            if resource_id is not None:
                query = query.where(table.c.resource_id == resource_id)
            if since is not None:
                query = query.where(table.c.last_updated >= since)
            parts.append(query)
        union = parts[0].union_all(parts[1]).subquery()
        rows = self.conn.execute(
            select(union)
            .order_by(union.c.last_updated.desc(), union.c.version_id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [_row_to_stored(r) for r in rows]

    # --- writes --------------------------------------------------------------------------

    def create(self, document: dict[str, Any]) -> StoredResource:
        """Store a new resource under a server-assigned id (any id in the document is replaced)."""
        require_type_and_id(document)
        return self.update({**document, "id": str(uuid.uuid4())}, if_match=None, must_be_new=True)

    def update(
        self,
        document: dict[str, Any],
        *,
        if_match: int | None = None,
        must_be_new: bool = False,
    ) -> StoredResource:
        """Create or update the resource with the document's id; If-Match when given."""
        resource_type, resource_id = require_type_and_id(document)
        if resource_id is None:
            raise InvalidResource(f"An update of {resource_type} needs the resource's id.")
        existing = self.current(resource_type, resource_id)
        if must_be_new and existing is not None:
            raise VersionConflict(resource_type, resource_id, None, existing.version_id)
        if if_match is not None and (existing is None or existing.version_id != if_match):
            raise VersionConflict(
                resource_type, resource_id, if_match, existing.version_id if existing else None
            )
        if existing is not None and keeps_current(document, existing.content):
            return existing  # a stub or an older fact: nothing to write (precedence.py)
        return self._write(document, resource_type, resource_id, existing)

    def delete(
        self, resource_type: str, resource_id: str, *, if_match: int | None = None
    ) -> StoredResource | None:
        """Mark the resource deleted (a new version); None if it never existed."""
        existing = self.current(resource_type, resource_id)
        if existing is None:
            if if_match is not None:
                raise VersionConflict(resource_type, resource_id, if_match, None)
            return None
        if if_match is not None and existing.version_id != if_match:
            raise VersionConflict(resource_type, resource_id, if_match, existing.version_id)
        if existing.deleted:
            return existing
        moment = self._clock()
        self._supersede(existing)
        self._set_current(existing, None, None, moment, deleted=True)
        clear_index(self.conn, [(resource_type, resource_id)])
        return StoredResource(
            resource_type, resource_id, existing.version_id + 1, moment, True, None
        )

    def _write(
        self,
        document: dict[str, Any],
        resource_type: str,
        resource_id: str,
        existing: StoredResource | None,
    ) -> StoredResource:
        moment = self._clock()
        version = 1 if existing is None else existing.version_id + 1
        stamped = stamp_meta(document, version, moment)
        text, digest = dumps(stamped), content_hash(document)
        if existing is None:
            try:
                self.conn.execute(
                    insert(resource).values(
                        resource_type=resource_type,
                        resource_id=resource_id,
                        version_id=1,
                        last_updated=moment,
                        deleted=False,
                        content_hash=digest,
                        content=text,
                    )
                )
            except IntegrityError:
                raise VersionConflict(resource_type, resource_id, None, 1) from None
        else:
            self._supersede(existing)
            self._set_current(existing, text, digest, moment, deleted=False)
            clear_index(self.conn, [(resource_type, resource_id)])
        write_index(self.conn, self._indexer, [(resource_type, resource_id, stamped)])
        return StoredResource(resource_type, resource_id, version, moment, False, text)

    def _supersede(self, existing: StoredResource) -> None:
        """Copy the current version into history; a racing writer fails here on the key."""
        source = select(*_CURRENT_COLUMNS).where(
            resource.c.resource_type == existing.resource_type,
            resource.c.resource_id == existing.resource_id,
            resource.c.version_id == existing.version_id,
        )
        try:
            copied = self.conn.execute(
                insert(resource_history).from_select([c.name for c in _CURRENT_COLUMNS], source)
            )
        except IntegrityError:
            raise VersionConflict(
                existing.resource_type, existing.resource_id, existing.version_id, None
            ) from None
        if copied.rowcount == 0:
            raise VersionConflict(
                existing.resource_type, existing.resource_id, existing.version_id, None
            )

    def _set_current(
        self,
        existing: StoredResource,
        text: str | None,
        digest: str | None,
        moment: datetime,
        *,
        deleted: bool,
    ) -> None:
        result = self.conn.execute(
            update(resource)
            .where(
                resource.c.resource_type == existing.resource_type,
                resource.c.resource_id == existing.resource_id,
                resource.c.version_id == existing.version_id,
            )
            .values(
                version_id=existing.version_id + 1,
                last_updated=moment,
                deleted=deleted,
                content_hash=digest,
                content=text,
            )
        )
        if result.rowcount != 1:
            raise VersionConflict(
                existing.resource_type, existing.resource_id, existing.version_id, None
            )

    def write_many(self, documents: Sequence[dict[str, Any]]) -> WriteSummary:
        """Upsert many resources with ids; unchanged content is recognised and not rewritten."""
        summary = WriteSummary()
        for start in range(0, len(documents), _WRITE_BATCH):
            batch = documents[start : start + _WRITE_BATCH]
            summary.add(write_batch(self.conn, batch, indexer=self._indexer, moment=self._clock()))
        return summary

    def count(self, resource_type: str | None = None) -> int:
        """How many current, not deleted resources (of a type) the store holds."""
        query = select(func.count()).select_from(resource).where(resource.c.deleted.is_(False))
        if resource_type is not None:
            query = query.where(resource.c.resource_type == resource_type)
        return int(self.conn.execute(query).scalar_one())


class FhirStore:
    """The store's entry point: opens transactions, and offers one-shot reads and writes."""

    def __init__(
        self,
        engine: Engine,
        *,
        indexer: TableIndexer = _no_index,
        clock: Callable[[], datetime] = utc_now,
        sealer: Sealer | None = None,
    ) -> None:
        # indexer: appends a resource's whole index-table rows (hub.search.extract.index_rows)
        self.engine, self.indexer, self.clock = engine, indexer, clock
        if sealer is not None:
            install_sealer(engine, sealer)

    @contextmanager
    def begin(self) -> Iterator[StoreSession]:
        """One transaction: commits when the block ends, rolls back if it raises."""
        with self.engine.begin() as conn:
            yield StoreSession(conn, self.indexer, self.clock)

    @contextmanager
    def reading(self) -> Iterator[StoreSession]:
        """A read-only session (no commit needed)."""
        with self.engine.connect() as conn:
            yield StoreSession(conn, self.indexer, self.clock)

    def read(self, resource_type: str, resource_id: str) -> StoredResource:
        """The current version of a resource."""
        with self.reading() as session:
            return session.read(resource_type, resource_id)

    def vread(self, resource_type: str, resource_id: str, version_id: int) -> StoredResource:
        """One version of a resource."""
        with self.reading() as session:
            return session.vread(resource_type, resource_id, version_id)

    def create(self, document: dict[str, Any]) -> StoredResource:
        """Create with a server-assigned id, in its own transaction."""
        with self.begin() as session:
            return session.create(document)

    def update(self, document: dict[str, Any], *, if_match: int | None = None) -> StoredResource:
        """Create or update by id, in its own transaction."""
        with self.begin() as session:
            return session.update(document, if_match=if_match)

    def delete(
        self, resource_type: str, resource_id: str, *, if_match: int | None = None
    ) -> StoredResource | None:
        """Delete, in its own transaction."""
        with self.begin() as session:
            return session.delete(resource_type, resource_id, if_match=if_match)

    def write_many(self, documents: Sequence[dict[str, Any]]) -> WriteSummary:
        """Upsert a batch in one transaction."""
        with self.begin() as session:
            return session.write_many(documents)
