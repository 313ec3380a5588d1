"""Tables of identity resolution: reviewer decisions, the last run's state, the review queue.

``identity_decision`` is append-only (a person's decision is never edited or deleted, a
later one supersedes it). The last run is kept in rows, so that a sync or a decision reads
and writes only what it touches: ``identity_record`` (one person row per source record and
its golden person), ``identity_block`` (the record's blocking keys, as digests, to find the
records a new one can pair with), ``identity_link`` (automatic links and refused links) and
``identity_review`` (the open review queue, one row per possible match). ``identity_state``
holds one small document: the trained model, reviewer conflicts and the totals. A database
whose ``identity_state`` still holds the whole run (the first format) is converted to rows
on its first load (see :mod:`hub.identity.store_state`).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, String, Table, Text

from hub.store.schema import JsonDocument, SealedDigest, metadata

__all__ = [
    "identity_block",
    "identity_decision",
    "identity_link",
    "identity_record",
    "identity_review",
    "identity_state",
]

identity_decision = Table(
    "identity_decision",
    metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # accept, reject, split
    Column("groups", JsonDocument(), nullable=False),  # [[record key, ...], ...]
    Column("reviewer", String(255), nullable=False),
    Column("decided_at", DateTime(timezone=False), nullable=False),  # naive UTC
    Column("reason", Text, nullable=False),
    Index("ix_identity_decision_at", "decided_at"),
)

identity_state = Table(
    "identity_state",
    metadata,
    Column("name", String(32), primary_key=True),  # "current": one row
    Column("saved_at", DateTime(timezone=False), nullable=False),
    Column("content", JsonDocument(), nullable=False),
)

identity_record = Table(
    "identity_record",
    metadata,
    Column("record_key", String(64), primary_key=True),
    Column("cluster_id", String(64), nullable=False),  # the golden person's id
    # the person row: names, birth date, resident ID, phone... sealed like any document
    Column("content", JsonDocument(), nullable=False),
    Column("updated_at", DateTime(timezone=False), nullable=False),
    Index("ix_identity_record_cluster", "cluster_id"),
)

identity_block = Table(
    "identity_block",
    metadata,
    # SHA-256 of one blocking key (or the resident ID): permuted under the sealer's key,
    # so a phone or an ID cannot be tried against it without that key
    Column("key_digest", SealedDigest(64), primary_key=True),
    Column("record_key", String(64), primary_key=True),
    Index("ix_identity_block_record", "record_key"),
)

identity_link = Table(
    "identity_link",
    metadata,
    Column("link_id", Integer, primary_key=True, autoincrement=True),
    Column("role", String(8), nullable=False),  # link (kept for re-runs) or refused
    Column("left_key", String(64), nullable=False),
    Column("right_key", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("probability", Float, nullable=False),
    Column("reason", String(32), nullable=True),  # why a refused link was refused
    Index("ix_identity_link_left", "left_key"),
    Index("ix_identity_link_right", "right_key"),
)

identity_review = Table(
    "identity_review",
    metadata,
    Column("left_key", String(64), primary_key=True),
    Column("right_key", String(64), primary_key=True),
    Column("probability", Float, nullable=False),
    Column("reason", String(64), nullable=False),
    Column("levels", JsonDocument(), nullable=False),
    Index("ix_identity_review_probability", "probability"),
    Index("ix_identity_review_right", "right_key"),
)
