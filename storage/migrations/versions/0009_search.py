"""search

Issue 13 (find everything): covering indexes for a manager's payments by amount. A common
amount (a round sum, a subscription's price) may be shared by thousands of payments; whether
each is the manager's (their client's, allocated to their invoice, recorded by them) is then
read from these indexes alone, never from the wide rows.

Revision ID: 0009_search
Revises: 0008_crm_team
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0009_search"
down_revision: str | None = "0008_crm_team"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        # "id" last: PostgreSQL indexes do not carry it (SQLite's carry the rowid anyway).
        batch_op.create_index("ix_payments_amount_visible",
                              ["amount_minor", "status", "company_id", "created_by", "id"],
                              unique=False)
        batch_op.drop_index("ix_payments_amount")
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.create_index("ix_payment_allocations_payment_invoice",
                              ["payment_id", "invoice_id"], unique=False)
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index("ix_invoices_id_owner", ["id", "owner_id"], unique=False)
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.create_index("ix_companies_id_owner", ["id", "owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_index("ix_companies_id_owner")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_id_owner")
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_allocations_payment_invoice")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index("ix_payments_amount", ["amount_minor"], unique=False)
        batch_op.drop_index("ix_payments_amount_visible")
