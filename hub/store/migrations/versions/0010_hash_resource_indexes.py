"""store: the index tables reach a resource's rows through a hash index on its id (issue 2)

``ix_{token,string,date,reference,quantity}_resource`` were btrees on (resource_type,
resource_id); every query through them names the id with ``=`` or ``IN`` (includes, sorts,
compartments, clearing a resource's rows on update), so on PostgreSQL they become hash
indexes on resource_id, which the server inserts into at a fraction of a btree's cost
(bench/store_write.py). SQLite keeps a btree, on resource_id alone.

Revision ID: 0010_hash_resource_indexes
Revises: 0009_one_reference_index
Create Date: 2026-11-23 15:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0010_hash_resource_indexes"
down_revision = "0009_one_reference_index"
branch_labels = None
depends_on = None

_TABLES = ("token", "string", "date", "reference", "quantity")


def upgrade() -> None:
    for name in _TABLES:
        with op.batch_alter_table(f"idx_{name}", schema=None) as batch_op:
            batch_op.drop_index(f"ix_{name}_resource")
            batch_op.create_index(
                f"ix_{name}_resource", ["resource_id"], unique=False, postgresql_using="hash"
            )


def downgrade() -> None:
    for name in _TABLES:
        with op.batch_alter_table(f"idx_{name}", schema=None) as batch_op:
            batch_op.drop_index(f"ix_{name}_resource")
            batch_op.create_index(
                f"ix_{name}_resource", ["resource_type", "resource_id"], unique=False
            )
