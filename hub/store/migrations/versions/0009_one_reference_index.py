"""store: one index on idx_reference instead of two (issue 2)

``ix_reference_lookup`` (resource_type, param, target_id, target_type) and
``ix_reference_target`` (target_type, target_id) become one ``ix_reference_target`` on
(target_id, target_type, resource_type, param): a reference search names the target id
(and filters type and parameter inside the index), a revinclude or compartment query the
target type and id. Every reference row written saves one btree insert (bench/store_write.py).

Revision ID: 0009_one_reference_index
Revises: 0008_ended_sessions
Create Date: 2026-11-23 15:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0009_one_reference_index"
down_revision = "0008_ended_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idx_reference", schema=None) as batch_op:
        batch_op.drop_index("ix_reference_lookup")
        batch_op.drop_index("ix_reference_target")
        batch_op.create_index(
            "ix_reference_target",
            ["target_id", "target_type", "resource_type", "param"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("idx_reference", schema=None) as batch_op:
        batch_op.drop_index("ix_reference_target")
        batch_op.create_index("ix_reference_target", ["target_type", "target_id"], unique=False)
        batch_op.create_index(
            "ix_reference_lookup",
            ["resource_type", "param", "target_id", "target_type"],
            unique=False,
        )
