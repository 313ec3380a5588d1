"""identity: reviewer decisions, last run's state, review queue

Revision ID: 0005_identity
Revises: 0004_security
Create Date: 2026-11-23 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.schema import JsonDocument

revision = "0005_identity"
down_revision = "0004_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_decision",
        sa.Column("decision_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("groups", JsonDocument(), nullable=False),
        sa.Column("reviewer", sa.String(length=255), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("decision_id"),
    )
    with op.batch_alter_table("identity_decision", schema=None) as batch_op:
        batch_op.create_index("ix_identity_decision_at", ["decided_at"], unique=False)
    op.create_table(
        "identity_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("content", JsonDocument(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "identity_review",
        sa.Column("left_key", sa.String(length=64), nullable=False),
        sa.Column("right_key", sa.String(length=64), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("levels", JsonDocument(), nullable=False),
        sa.PrimaryKeyConstraint("left_key", "right_key"),
    )
    with op.batch_alter_table("identity_review", schema=None) as batch_op:
        batch_op.create_index("ix_identity_review_probability", ["probability"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("identity_review", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_review_probability")
    op.drop_table("identity_review")
    op.drop_table("identity_state")
    with op.batch_alter_table("identity_decision", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_decision_at")
    op.drop_table("identity_decision")
