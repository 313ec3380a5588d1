"""Tables of the quality layer: one row per run, one row per (run, source, check)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, String, Table

from hub.store.schema import JsonDocument, metadata

__all__ = ["quality_result", "quality_run"]

quality_run = Table(
    "quality_run",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),  # sync, landing, cross_source
    Column("source", String(64), nullable=True),  # None: every source
    Column("started_at", DateTime(timezone=False), nullable=False),
    Column("finished_at", DateTime(timezone=False), nullable=False),
    Column("suite_version", String(16), nullable=False),
    Column("catalogue_version", String(16), nullable=False),
    Column("summary", JsonDocument(), nullable=False),  # counts by status
    Index("ix_quality_run_started", "started_at"),
)

quality_result = Table(
    "quality_result",
    metadata,
    Column("result_id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(36), nullable=False),
    Column("source", String(64), nullable=False),
    Column("check_id", String(160), nullable=False),
    Column("category", String(32), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("checked", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("rate", Float, nullable=True),
    Column("threshold", Float, nullable=False),
    Column("status", String(16), nullable=False),  # passed, failed, not_applicable, error
    Column("examples", JsonDocument(), nullable=False),  # failing record keys
    Index("ix_quality_result_run", "run_id"),
    Index("ix_quality_result_trend", "check_id", "source"),
)
