"""Tables of the ingest: runs, connector checkpoints, the landing zone and the quarantine.

Landing is an append-only log of every record version pulled (a re-pull of unchanged
content is recognised and not landed again); ``source_record`` points at the latest version
of each record and says what became of it, which is how a re-pull is recognised.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text

from hub.store.schema import JsonDocument, SealedDigest, metadata

__all__ = ["connector_state", "ingest_run", "landing", "quarantine", "source_record"]

ingest_run = Table(
    "ingest_run",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("source", String(64), nullable=False),
    Column("started_at", DateTime(timezone=False), nullable=False),
    Column("finished_at", DateTime(timezone=False), nullable=True),
    Column("status", String(16), nullable=False),  # running, succeeded, failed
    Column("report", JsonDocument(), nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_ingest_run_source", "source", "started_at"),
)

connector_state = Table(
    "connector_state",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("cursor", JsonDocument(), nullable=False),
    Column("run_id", String(36), nullable=False),
    Column("updated_at", DateTime(timezone=False), nullable=False),
)

landing = Table(
    "landing",
    metadata,
    Column("landing_id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(36), nullable=False),
    Column("source", String(64), nullable=False),
    Column("source_system", String(32), nullable=False),
    Column("record_kind", String(64), nullable=False),
    Column("source_key", String(255), nullable=True),
    Column("content_hash", SealedDigest(64), nullable=False),
    Column("payload", JsonDocument(), nullable=False),
    Column("problem", Text, nullable=True),
    Column("origin", String(512), nullable=True),
    Column("pulled_at", DateTime(timezone=False), nullable=False),
    Index("ix_landing_run", "run_id"),
    Index("ix_landing_record", "source", "record_kind", "source_key"),
)

source_record = Table(
    "source_record",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("record_kind", String(64), primary_key=True),
    Column("source_key", String(255), primary_key=True),
    Column("content_hash", SealedDigest(64), nullable=False),
    Column("landing_id", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),  # stored, quarantined
    Column("run_id", String(36), nullable=False),
    Column("updated_at", DateTime(timezone=False), nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("quarantine_id", Integer, primary_key=True, autoincrement=True),
    Column("landing_id", Integer, nullable=False),
    Column("run_id", String(36), nullable=False),
    Column("source", String(64), nullable=False),
    Column("record_kind", String(64), nullable=False),
    Column("source_key", String(255), nullable=True),
    Column("stage", String(32), nullable=False),  # read, parse, raw_check, map, fhir_check
    Column("reasons", JsonDocument(), nullable=False),  # [{check, field, message}]
    Column("status", String(16), nullable=False),  # open, replayed, released
    Column("created_at", DateTime(timezone=False), nullable=False),
    Column("resolved_at", DateTime(timezone=False), nullable=True),
    Index("ix_quarantine_status", "status", "source"),
    Index("ix_quarantine_record", "source", "record_kind", "source_key"),
)
