"""FHIR store: resources, history, search indexes

Revision ID: 0001_store
Revises:
Create Date: 2026-11-23 09:23:53.316771
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.schema import JsonDocument

revision = "0001_store"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idx_date",
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("low", sa.DateTime(), nullable=True),
        sa.Column("high", sa.DateTime(), nullable=True),
    )
    with op.batch_alter_table("idx_date", schema=None) as batch_op:
        batch_op.create_index("ix_date_high", ["resource_type", "param", "high"], unique=False)
        batch_op.create_index("ix_date_low", ["resource_type", "param", "low"], unique=False)
        batch_op.create_index("ix_date_resource", ["resource_type", "resource_id"], unique=False)

    op.create_table(
        "idx_quantity",
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("system", sa.String(length=255), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=True),
    )
    with op.batch_alter_table("idx_quantity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quantity_lookup", ["resource_type", "param", "value"], unique=False
        )
        batch_op.create_index(
            "ix_quantity_resource", ["resource_type", "resource_id"], unique=False
        )

    op.create_table(
        "idx_reference",
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=True),
        sa.Column("target_id", sa.String(length=255), nullable=True),
        sa.Column("target_url", sa.String(length=512), nullable=True),
    )
    with op.batch_alter_table("idx_reference", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reference_lookup",
            ["resource_type", "param", "target_id", "target_type"],
            unique=False,
        )
        batch_op.create_index(
            "ix_reference_resource", ["resource_type", "resource_id"], unique=False
        )
        batch_op.create_index("ix_reference_target", ["target_type", "target_id"], unique=False)

    op.create_table(
        "idx_string",
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("exact", sa.String(length=255), nullable=False),
    )
    with op.batch_alter_table("idx_string", schema=None) as batch_op:
        batch_op.create_index("ix_string_lookup", ["resource_type", "param", "value"], unique=False)
        batch_op.create_index("ix_string_resource", ["resource_type", "resource_id"], unique=False)

    op.create_table(
        "idx_token",
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("system", sa.String(length=255), nullable=True),
        sa.Column("code", sa.String(length=255), nullable=True),
    )
    with op.batch_alter_table("idx_token", schema=None) as batch_op:
        batch_op.create_index(
            "ix_token_lookup", ["resource_type", "param", "code", "system"], unique=False
        )
        batch_op.create_index("ix_token_resource", ["resource_type", "resource_id"], unique=False)

    op.create_table(
        "resource",
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("content", JsonDocument(), nullable=True),
        sa.PrimaryKeyConstraint("resource_type", "resource_id"),
    )
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resource_type_updated", ["resource_type", "last_updated"], unique=False
        )

    op.create_table(
        "resource_history",
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.DateTime(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("content", JsonDocument(), nullable=True),
        sa.PrimaryKeyConstraint("resource_type", "resource_id", "version_id"),
    )
    with op.batch_alter_table("resource_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_history_type_updated", ["resource_type", "last_updated"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("resource_history", schema=None) as batch_op:
        batch_op.drop_index("ix_history_type_updated")

    op.drop_table("resource_history")
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.drop_index("ix_resource_type_updated")

    op.drop_table("resource")
    with op.batch_alter_table("idx_token", schema=None) as batch_op:
        batch_op.drop_index("ix_token_resource")
        batch_op.drop_index("ix_token_lookup")

    op.drop_table("idx_token")
    with op.batch_alter_table("idx_string", schema=None) as batch_op:
        batch_op.drop_index("ix_string_resource")
        batch_op.drop_index("ix_string_lookup")

    op.drop_table("idx_string")
    with op.batch_alter_table("idx_reference", schema=None) as batch_op:
        batch_op.drop_index("ix_reference_target")
        batch_op.drop_index("ix_reference_resource")
        batch_op.drop_index("ix_reference_lookup")

    op.drop_table("idx_reference")
    with op.batch_alter_table("idx_quantity", schema=None) as batch_op:
        batch_op.drop_index("ix_quantity_resource")
        batch_op.drop_index("ix_quantity_lookup")

    op.drop_table("idx_quantity")
    with op.batch_alter_table("idx_date", schema=None) as batch_op:
        batch_op.drop_index("ix_date_resource")
        batch_op.drop_index("ix_date_low")
        batch_op.drop_index("ix_date_high")

    op.drop_table("idx_date")
