"""The FHIR resource store: versioned resources with search indexes, on SQLite or PostgreSQL."""

from __future__ import annotations

from hub.store.engine import check_connection, make_engine
from hub.store.errors import (
    InvalidResource,
    ResourceGone,
    ResourceNotFound,
    SealingKeyMismatch,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)
from hub.store.keys import check_sealing_keys
from hub.store.migrate import is_up_to_date, upgrade
from hub.store.repository import FhirStore, StoredResource, StoreSession, WriteSummary
from hub.store.sealing import Sealer

__all__ = [
    "FhirStore",
    "InvalidResource",
    "ResourceGone",
    "ResourceNotFound",
    "Sealer",
    "SealingKeyMismatch",
    "StoreError",
    "StoreSession",
    "StoreUnavailable",
    "StoredResource",
    "VersionConflict",
    "WriteSummary",
    "check_connection",
    "is_up_to_date",
    "make_engine",
    "open_store",
    "upgrade",
]


def open_store(
    database_url: str, *, migrate: bool = True, sealer: Sealer | None = None
) -> FhirStore:
    """Connect (or say in one sentence why not), bring the schema up to date, and index writes.

    ``sealer`` keeps sensitive values sealed at rest (``hub.store.sealing``); a store sealed
    with other keys does not open (``SealingKeyMismatch``, ``hub.store.keys``).
    """
    from hub.search.extract import index_rows

    engine = make_engine(database_url)
    check_connection(engine)
    if migrate and not is_up_to_date(engine):
        upgrade(engine)
    if sealer is not None:
        check_sealing_keys(engine, sealer)
    return FhirStore(engine, indexer=index_rows, sealer=sealer)
