"""user practitioner: a web user's Practitioner; a social worker's login is held to their cases

Revision ID: 0011_user_practitioner
Revises: 0010_hash_resource_indexes
Create Date: 2026-11-23 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_user_practitioner"
down_revision = "0010_hash_resource_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hub_user") as batch:
        batch.add_column(sa.Column("practitioner", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hub_user") as batch:
        batch.drop_column("practitioner")
