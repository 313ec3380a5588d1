"""Batch upserts: many resources in one transaction, in a handful of statements per batch.

A batch reads the current version and content hash of its keys in one query per type,
then writes new resources, superseded versions, updated current rows and index rows each
in one bulk statement (``hub.store.bulk``: COPY on PostgreSQL). Unchanged content is
recognised by its hash and not rewritten; a stub never replaces a fuller version, nor an
older fact a newer one (``hub.store.precedence``). Optimistic locking holds as for single
writes: a superseded version is copied to history under its unique key, and the current
row is updated only where it still has the version read, so of two racing writers one
gets a VersionConflict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    String,
    any_,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from hub.gc_pause import gc_paused
from hub.store.bulk import insert_tables, stream_rows
from hub.store.documents import content_hash, dumps, instant, require_type_and_id
from hub.store.errors import InvalidResource, VersionConflict
from hub.store.precedence import keeps_current, keeps_first, may_keep_current
from hub.store.schema import INDEX_TABLES, resource, resource_history

__all__ = [
    "LEAD_TABLE",
    "Changed",
    "Created",
    "Current",
    "New",
    "TableIndexer",
    "TableRows",
    "WriteSummary",
    "changed_rows",
    "clear_index",
    "created_rows",
    "current_versions",
    "ids_by_type",
    "ids_in",
    "lead_rows",
    "stamped_new",
    "write_batch",
    "write_index",
]

#: Whole index-table rows (resource_type, resource_id, *values) by table name.
TableRows = dict[str, list[tuple[Any, ...]]]
#: Appends a resource's whole index rows, given its id (``hub.search.extract.index_rows``):
#: what the writes use, with no per-row dict between extraction and the COPY.
TableIndexer = Callable[[dict[str, Any], str, TableRows], None]
#: What a batch needs to know of a stored resource: version, content hash, deleted.
Current = tuple[int, str | None, bool]
Key = tuple[str, str]

_BATCH = 500
_IDS = ARRAY(String)


@dataclass
class WriteSummary:
    """What a batch write did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_type: dict[str, int] = field(default_factory=dict)

    def add(self, other: WriteSummary) -> None:
        """Fold another summary into this one."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        for key, value in other.by_type.items():
            self.by_type[key] = self.by_type.get(key, 0) + value


def ids_by_type(keys: Iterable[Key]) -> dict[str, list[str]]:
    """(type, id) keys grouped by type, so each query filters one type at a time."""
    grouped: dict[str, list[str]] = {}
    for resource_type, resource_id in keys:
        grouped.setdefault(resource_type, []).append(resource_id)
    return grouped


def ids_in(conn: Connection, column: Any, ids: list[str]) -> ColumnElement[bool]:
    """``column IN ids``; on PostgreSQL ``= ANY`` of one array parameter.

    A long IN list plans slowly, is rendered id by id into the SQL, and its text differs
    with every length, so psycopg's query cache never helps; the array form is one
    statement text whatever the number of ids (search and ``$everything`` use it too).
    """
    if conn.dialect.name == "postgresql":
        array = bindparam(None, list(ids), type_=_IDS, unique=True)
        return cast(ColumnElement[bool], column == any_(array))
    return cast(ColumnElement[bool], column.in_(ids))


def _chunks(conn: Connection, ids: list[str]) -> list[list[str]]:
    """The ids in lists one statement can take: all at once as a PostgreSQL array.

    One statement per table matters there: on tables not analysed since a bulk load the
    planner may scan every row of the type for each statement.
    """
    if conn.dialect.name == "postgresql":
        return [ids]
    return [ids[start : start + _BATCH] for start in range(0, len(ids), _BATCH)]


def current_versions(conn: Connection, keys: Sequence[Key]) -> dict[Key, Current]:
    """Version, content hash and deleted flag of the keys the store holds."""
    found: dict[Key, Current] = {}
    for resource_type, ids in ids_by_type(keys).items():
        rows = conn.execute(
            select(
                resource.c.resource_id,
                resource.c.version_id,
                resource.c.content_hash,
                resource.c.deleted,
            ).where(
                resource.c.resource_type == resource_type, ids_in(conn, resource.c.resource_id, ids)
            )
        )
        for r in rows:
            found[(resource_type, r.resource_id)] = (r.version_id, r.content_hash, bool(r.deleted))
    return found


def _contents(conn: Connection, keys: Sequence[Key]) -> dict[Key, str | None]:
    found: dict[Key, str | None] = {}
    for resource_type, ids in ids_by_type(keys).items():
        rows = conn.execute(
            select(resource.c.resource_id, resource.c.content).where(
                resource.c.resource_type == resource_type,
                ids_in(conn, resource.c.resource_id, ids),
            )
        )
        found.update({(resource_type, r.resource_id): r.content for r in rows})
    return found


def clear_index(conn: Connection, keys: Sequence[Key]) -> None:
    """Remove every index row of the given resources."""
    for resource_type, ids in ids_by_type(keys).items():
        for chunk in _chunks(conn, ids):
            for table in INDEX_TABLES.values():
                conn.execute(
                    delete(table).where(
                        table.c.resource_type == resource_type,
                        ids_in(conn, table.c.resource_id, chunk),
                    )
                )


def write_index(
    conn: Connection, indexer: TableIndexer, items: Iterable[tuple[str, str, dict[str, Any]]]
) -> None:
    """Index rows of the given (type, id, stamped document) items, one bulk insert per table."""
    rows: TableRows = {name: [] for name in INDEX_TABLES}
    for _resource_type, resource_id, document in items:
        indexer(document, resource_id, rows)
    insert_tables(conn, {INDEX_TABLES[name]: batch for name, batch in rows.items()})


def _stamped(document: dict[str, Any], version: int, last_updated: str) -> dict[str, Any]:
    """``stamp_meta`` with the instant already formatted (the same for the whole batch)."""
    meta = dict(document.get("meta") or {})
    meta["versionId"] = str(version)
    meta["lastUpdated"] = last_updated
    return {**document, "meta": meta}


def _keyed(documents: Sequence[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    """Documents by key; the last one of a key wins, unless ``precedence`` keeps the first."""
    keyed: dict[Key, dict[str, Any]] = {}
    for document in documents:
        resource_type, resource_id = require_type_and_id(document)
        if resource_id is None:
            raise InvalidResource(f"A batch write of {resource_type} needs ids.")
        key = (resource_type, resource_id)
        earlier = keyed.get(key)
        if earlier is not None and keeps_first(document, earlier):
            continue
        keyed[key] = document
    return keyed


def _kept_current(
    conn: Connection,
    keyed: dict[Key, dict[str, Any]],
    existing: dict[Key, Current],
    digests: dict[Key, str],
) -> set[Key]:
    """Keys whose current version the incoming one must not replace (``precedence``)."""
    candidates = [
        key
        for key, document in keyed.items()
        if key in existing and existing[key][1] != digests[key] and may_keep_current(document)
    ]
    if not candidates:
        return set()
    stored = _contents(conn, candidates)
    return {key for key, text in stored.items() if keeps_current(keyed[key], text)}


_HISTORY_COLUMNS = [c.name for c in resource_history.columns]


def _copy_to_history(conn: Connection, changed: list[dict[str, Any]]) -> None:
    """Copy the current versions of the changed resources into history.

    By key alone (a list of (id, version) pairs is no index condition on PostgreSQL): a
    version that moved since the batch read it is caught by the update that follows.
    """
    keys = [(c["k_type"], c["k_id"]) for c in changed]
    for resource_type, ids in ids_by_type(keys).items():
        for chunk in _chunks(conn, ids):
            source = select(*(resource.c[name] for name in _HISTORY_COLUMNS)).where(
                resource.c.resource_type == resource_type,
                ids_in(conn, resource.c.resource_id, chunk),
            )
            conn.execute(insert(resource_history).from_select(_HISTORY_COLUMNS, source))


_SET_CURRENT = (
    update(resource)
    .where(
        resource.c.resource_type == bindparam("k_type"),
        resource.c.resource_id == bindparam("k_id"),
        resource.c.version_id == bindparam("k_version"),
    )
    .values(
        version_id=bindparam("new_version"),
        last_updated=bindparam("moment"),
        deleted=False,
        content_hash=bindparam("digest"),
        content=bindparam("text"),
    )
)


def _replace(conn: Connection, changed: list[dict[str, Any]]) -> None:
    """Supersede the current versions of changed resources and set their new content.

    If a version moved since the batch read it, the update (which names the version read)
    misses its row: the count tells, and the transaction rolls back with the copy.
    (psycopg reports no row count for INSERT ... SELECT through SQLAlchemy, UPDATE it does.)
    """
    first = changed[0]
    conflict = VersionConflict(first["k_type"], first["k_id"], first["k_version"], None)
    try:
        _copy_to_history(conn, changed)
    except IntegrityError:
        raise conflict from None  # a racing writer copied the same version first
    if conn.execute(_SET_CURRENT, changed).rowcount != len(changed):
        raise conflict


def _create(conn: Connection, first: Key, rows: Iterable[tuple[Any, ...]], count: int) -> None:
    """Insert new current rows; a racing writer's row with the same key is a conflict."""
    try:
        stream_rows(conn, resource, rows, count)
    except (IntegrityError, conn.dialect.loaded_dbapi.IntegrityError):
        raise VersionConflict(first[0], first[1], None, 1) from None


Created = tuple[Key, dict[str, Any]]  # key, document
Changed = tuple[Key, dict[str, Any], Current, str]  # key, document, current, digest
New = tuple[Key, dict[str, Any], dict[str, Any]]  # key, document as given, stamped

#: The index table written while the index rows are being made (``_write``): the one most
#: resources give the most rows to, so the most server work goes on beside the client's.
LEAD_TABLE = "token"


def stamped_new(created: Iterable[Created], moment: datetime) -> list[New]:
    """New resources with their first version's meta."""
    last_updated = instant(moment)  # one clock reading per batch, formatted once
    return [(key, document, _stamped(document, 1, last_updated)) for key, document in created]


def lead_rows(
    new: Iterable[New], indexer: TableIndexer, index: TableRows, lead: str
) -> Iterator[tuple[Any, ...]]:
    """Make the new resources' index rows into ``index``; yield the ``lead`` table's as made.

    Rows already in ``index[lead]`` (changed resources', made before) come first.
    """
    rows = index[lead]
    sent = 0
    for (_resource_type, resource_id), _document, stamped in new:
        yield from rows[sent:]
        sent = len(rows)
        indexer(stamped, resource_id, index)
    yield from rows[sent:]


def created_rows(new: Iterable[New], moment: datetime) -> Iterator[tuple[Any, ...]]:
    """New current rows, each with its content hash and JSON made as it is taken."""
    for (resource_type, resource_id), document, stamped in new:
        digest = content_hash(document)
        yield (resource_type, resource_id, 1, moment, False, digest, dumps(stamped))


def changed_rows(
    changed: Iterable[Changed], indexer: TableIndexer, moment: datetime, index: TableRows
) -> list[dict[str, Any]]:
    """Parameters of the current rows' updates; each resource's index rows to ``index``."""
    last_updated = instant(moment)
    updates = []
    for (resource_type, resource_id), document, current, digest in changed:
        version = current[0] + 1
        stamped = _stamped(document, version, last_updated)
        indexer(stamped, resource_id, index)
        updates.append(
            {
                "k_type": resource_type,
                "k_id": resource_id,
                "k_version": current[0],
                "new_version": version,
                "moment": moment,
                "digest": digest,
                "text": dumps(stamped),
            }
        )
    return updates


def _write(
    conn: Connection,
    created: list[Created],
    changed: list[Changed],
    indexer: TableIndexer,
    moment: datetime,
) -> None:
    """Write a batch's changed and new resources and their index rows.

    Rows of new resources are made as the database takes them in (``stream_rows``, a COPY
    stream on PostgreSQL), so the server stores some while the client makes the next: the
    lead index table's rows while every index row is extracted, then the resource rows
    while their hashes and JSON are made. The client's work and the server's then go on
    side by side instead of one after the other. Changed resources' old index rows are
    cleared before any index row is written.
    """
    index: TableRows = {name: [] for name in INDEX_TABLES}
    updates = changed_rows(changed, indexer, moment, index)
    if updates:
        _replace(conn, updates)
        clear_index(conn, [(c["k_type"], c["k_id"]) for c in updates])
    new = stamped_new(created, moment)
    lead = lead_rows(new, indexer, index, LEAD_TABLE)
    # about a row per resource or more: resources of most types have several tokens
    stream_rows(conn, INDEX_TABLES[LEAD_TABLE], lead, len(new) + len(updates))
    if new:
        _create(conn, new[0][0], created_rows(new, moment), len(new))
    rest = {INDEX_TABLES[name]: rows for name, rows in index.items() if name != LEAD_TABLE}
    insert_tables(conn, rest)


def write_batch(
    conn: Connection,
    documents: Sequence[dict[str, Any]],
    *,
    indexer: TableIndexer,
    moment: datetime,
) -> WriteSummary:
    """Upsert one batch of resources with ids (see the module docstring)."""
    with gc_paused():  # hub.gc_pause: the batch allocates a lot and makes no cycles
        return _write_batch(conn, documents, indexer, moment)


def _write_batch(
    conn: Connection, documents: Sequence[dict[str, Any]], indexer: TableIndexer, moment: datetime
) -> WriteSummary:
    keyed = _keyed(documents)
    existing = current_versions(conn, list(keyed))
    # Only a stored resource's hash decides anything before the write (unchanged, kept); a
    # new resource's is made as its row goes to the database (``created_rows``).
    digests = {key: content_hash(keyed[key]) for key in existing}
    kept = _kept_current(conn, keyed, existing, digests)
    summary = WriteSummary()
    created: list[Created] = []
    changed: list[Changed] = []
    for key, document in keyed.items():
        current = existing.get(key)
        if current is None:
            created.append((key, document))
            summary.created += 1
        elif key in kept or (current[1] == digests[key] and not current[2]):
            summary.unchanged += 1
            continue
        else:
            changed.append((key, document, current, digests[key]))
            summary.updated += 1
        summary.by_type[key[0]] = summary.by_type.get(key[0], 0) + 1
    _write(conn, created, changed, indexer, moment)
    return summary
