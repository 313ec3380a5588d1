"""store: leaner index tables for faster writes (issue 2)

``ix_date_high`` goes: date conditions on ``high`` alone scan the parameter's rows through
``ix_date_low``'s (resource_type, param) prefix. ``ix_token_lookup`` loses its ``system``
column: every token query names the type and parameter and almost always the code, and the
system URL doubled the size of each entry.

Revision ID: 0006_store_write_indexes
Revises: 0005_identity
Create Date: 2026-11-23 12:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0006_store_write_indexes"
down_revision = "0005_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idx_date", schema=None) as batch_op:
        batch_op.drop_index("ix_date_high")
    with op.batch_alter_table("idx_token", schema=None) as batch_op:
        batch_op.drop_index("ix_token_lookup")
        batch_op.create_index("ix_token_lookup", ["resource_type", "param", "code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("idx_token", schema=None) as batch_op:
        batch_op.drop_index("ix_token_lookup")
        batch_op.create_index(
            "ix_token_lookup", ["resource_type", "param", "code", "system"], unique=False
        )
    with op.batch_alter_table("idx_date", schema=None) as batch_op:
        batch_op.create_index("ix_date_high", ["resource_type", "param", "high"], unique=False)
