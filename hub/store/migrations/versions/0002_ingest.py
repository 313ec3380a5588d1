"""ingest: runs, checkpoints, landing, quarantine

Revision ID: 0002_ingest
Revises: 0001_store
Create Date: 2026-11-23 09:36:28.081845
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.schema import JsonDocument

revision = "0002_ingest"
down_revision = "0001_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connector_state",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("cursor", JsonDocument(), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source"),
    )
    op.create_table(
        "ingest_run",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("report", JsonDocument(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id"),
    )
    with op.batch_alter_table("ingest_run", schema=None) as batch_op:
        batch_op.create_index("ix_ingest_run_source", ["source", "started_at"], unique=False)

    op.create_table(
        "landing",
        sa.Column("landing_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_system", sa.String(length=32), nullable=False),
        sa.Column("record_kind", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("payload", JsonDocument(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("origin", sa.String(length=512), nullable=True),
        sa.Column("pulled_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("landing_id"),
    )
    with op.batch_alter_table("landing", schema=None) as batch_op:
        batch_op.create_index(
            "ix_landing_record", ["source", "record_kind", "source_key"], unique=False
        )
        batch_op.create_index("ix_landing_run", ["run_id"], unique=False)

    op.create_table(
        "quarantine",
        sa.Column("quarantine_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("landing_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("record_kind", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=True),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("reasons", JsonDocument(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("quarantine_id"),
    )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quarantine_record", ["source", "record_kind", "source_key"], unique=False
        )
        batch_op.create_index("ix_quarantine_status", ["status", "source"], unique=False)

    op.create_table(
        "source_record",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("record_kind", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("landing_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", "record_kind", "source_key"),
    )


def downgrade() -> None:
    op.drop_table("source_record")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index("ix_quarantine_status")
        batch_op.drop_index("ix_quarantine_record")

    op.drop_table("quarantine")
    with op.batch_alter_table("landing", schema=None) as batch_op:
        batch_op.drop_index("ix_landing_run")
        batch_op.drop_index("ix_landing_record")

    op.drop_table("landing")
    with op.batch_alter_table("ingest_run", schema=None) as batch_op:
        batch_op.drop_index("ix_ingest_run_source")

    op.drop_table("ingest_run")
    op.drop_table("connector_state")
