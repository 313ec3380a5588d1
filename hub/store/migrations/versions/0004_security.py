"""security: users, clients and the append-only audit trail

Revision ID: 0004_security
Revises: 0003_quality
Create Date: 2026-11-23 10:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.schema import JsonDocument

revision = "0004_security"
down_revision = "0003_quality"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_user",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=16), nullable=True),
        sa.Column("area", sa.String(length=64), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "hub_client",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=True),
        sa.Column("public_jwks", JsonDocument(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=16), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("recorded", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=1), nullable=False),
        sa.Column("subtype", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=2), nullable=False),
        sa.Column("agent", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("patient", sa.String(length=128), nullable=True),
        sa.Column("entity", sa.String(length=255), nullable=True),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_recorded", ["recorded"], unique=False)
        batch_op.create_index("ix_audit_event_patient", ["patient"], unique=False)
        batch_op.create_index("ix_audit_event_agent", ["agent"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_agent")
        batch_op.drop_index("ix_audit_event_patient")
        batch_op.drop_index("ix_audit_event_recorded")
    op.drop_table("audit_event")
    op.drop_table("hub_client")
    op.drop_table("hub_user")
