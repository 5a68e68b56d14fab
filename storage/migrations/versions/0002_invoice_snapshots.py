"""invoice and quote party snapshots; a longer quote status

The seller's and the buyer's requisites as they were when the document was issued: a later
change of the organization or of the client must not change an issued document. Quote status
"changes_requested" is 17 characters: the column grows from 16 to 32.

Revision ID: 0002_invoice_snapshots
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_invoice_snapshots"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("invoices", "quotes")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("seller_snapshot", sa.JSON(), nullable=True))
            batch_op.add_column(sa.Column("buyer_snapshot", sa.JSON(), nullable=True))
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=16),
                              type_=sa.String(length=32), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=32),
                              type_=sa.String(length=16), existing_nullable=False)
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("buyer_snapshot")
            batch_op.drop_column("seller_snapshot")
