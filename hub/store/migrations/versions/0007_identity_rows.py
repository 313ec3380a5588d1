"""identity: the last run's state in rows (records, blocking keys, links), issue 7

``identity_state`` keeps its one row, which from now on holds only the model, reviewer
conflicts and totals. A database whose row still holds the whole run is converted to the
new rows by the identity store on its first load: the person rows are sealed at rest, and
only the running hub holds the sealer's key, so the conversion cannot happen here.

Revision ID: 0007_identity_rows
Revises: 0006_store_write_indexes
Create Date: 2026-11-23 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.schema import JsonDocument, SealedDigest

revision = "0007_identity_rows"
down_revision = "0006_store_write_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_record",
        sa.Column("record_key", sa.String(length=64), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("content", JsonDocument(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("record_key"),
    )
    with op.batch_alter_table("identity_record", schema=None) as batch_op:
        batch_op.create_index("ix_identity_record_cluster", ["cluster_id"], unique=False)
    op.create_table(
        "identity_block",
        sa.Column("key_digest", SealedDigest(length=64), nullable=False),
        sa.Column("record_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key_digest", "record_key"),
    )
    with op.batch_alter_table("identity_block", schema=None) as batch_op:
        batch_op.create_index("ix_identity_block_record", ["record_key"], unique=False)
    op.create_table(
        "identity_link",
        sa.Column("link_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("left_key", sa.String(length=64), nullable=False),
        sa.Column("right_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("link_id"),
    )
    with op.batch_alter_table("identity_link", schema=None) as batch_op:
        batch_op.create_index("ix_identity_link_left", ["left_key"], unique=False)
        batch_op.create_index("ix_identity_link_right", ["right_key"], unique=False)
    with op.batch_alter_table("identity_review", schema=None) as batch_op:
        batch_op.create_index("ix_identity_review_right", ["right_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("identity_review", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_review_right")
    with op.batch_alter_table("identity_link", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_link_right")
        batch_op.drop_index("ix_identity_link_left")
    op.drop_table("identity_link")
    with op.batch_alter_table("identity_block", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_block_record")
    op.drop_table("identity_block")
    with op.batch_alter_table("identity_record", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_record_cluster")
    op.drop_table("identity_record")
