"""sealing key: fingerprints of the keys the stored data was sealed and hashed with

Revision ID: 0012_sealing_key
Revises: 0011_user_practitioner
Create Date: 2026-12-07 15:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_sealing_key"
down_revision = "0011_user_practitioner"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sealing_key",
        sa.Column("purpose", sa.String(length=32), primary_key=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sealing_key")
