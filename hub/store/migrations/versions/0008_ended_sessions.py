"""ended sessions: a logout holds on every worker, not only the one that served it

Revision ID: 0008_ended_sessions
Revises: 0007_identity_rows
Create Date: 2026-11-23 14:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_ended_sessions"
down_revision = "0007_identity_rows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ended_session",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("jti"),
    )
    op.create_index("ix_ended_session_expires_at", "ended_session", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_ended_session_expires_at", table_name="ended_session")
    op.drop_table("ended_session")
