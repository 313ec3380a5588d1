"""quality: runs and per-check results

Revision ID: 0003_quality
Revises: 0002_ingest
Create Date: 2026-11-23 10:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.schema import JsonDocument

revision = "0003_quality"
down_revision = "0002_ingest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quality_run",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("suite_version", sa.String(length=16), nullable=False),
        sa.Column("catalogue_version", sa.String(length=16), nullable=False),
        sa.Column("summary", JsonDocument(), nullable=False),
        sa.PrimaryKeyConstraint("run_id"),
    )
    with op.batch_alter_table("quality_run", schema=None) as batch_op:
        batch_op.create_index("ix_quality_run_started", ["started_at"], unique=False)
    op.create_table(
        "quality_result",
        sa.Column("result_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("check_id", sa.String(length=160), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("examples", JsonDocument(), nullable=False),
        sa.PrimaryKeyConstraint("result_id"),
    )
    with op.batch_alter_table("quality_result", schema=None) as batch_op:
        batch_op.create_index("ix_quality_result_run", ["run_id"], unique=False)
        batch_op.create_index("ix_quality_result_trend", ["check_id", "source"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quality_result", schema=None) as batch_op:
        batch_op.drop_index("ix_quality_result_trend")
        batch_op.drop_index("ix_quality_result_run")
    op.drop_table("quality_result")
    with op.batch_alter_table("quality_run", schema=None) as batch_op:
        batch_op.drop_index("ix_quality_run_started")
    op.drop_table("quality_run")
