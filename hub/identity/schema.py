"""Tables of identity resolution: reviewer decisions, the last run's state, the review queue.

``identity_decision`` is append-only (a person's decision is never edited or deleted, a
later one supersedes it). ``identity_state`` holds the last run (person rows, clusters,
links and the trained model) as one JSON document, so the next sync links incrementally.
``identity_review`` is the open review queue of the last run, one row per possible match.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, String, Table, Text

from hub.store.schema import JsonDocument, metadata

__all__ = ["identity_decision", "identity_review", "identity_state"]

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

identity_review = Table(
    "identity_review",
    metadata,
    Column("left_key", String(64), primary_key=True),
    Column("right_key", String(64), primary_key=True),
    Column("probability", Float, nullable=False),
    Column("reason", String(64), nullable=False),
    Column("levels", JsonDocument(), nullable=False),
    Index("ix_identity_review_probability", "probability"),
)
