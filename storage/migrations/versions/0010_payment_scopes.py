"""payment scopes

Issue 13 (find everything): who may see a payment, by amount. A manager's payments of a common
amount were found by checking every payment of that amount (thousands for a round sum); this
table lists each manager's payments by amount, so the search reads only theirs. Filled here
from the existing rows: the payment's recorder, its client's owner and the owners of the
invoices it is allocated to.

Revision ID: 0010_payment_scopes
Revises: 0009_search
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_payment_scopes"
down_revision: str | None = "0009_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

BACKFILL = """
INSERT INTO payment_scopes (owner_id, amount_minor, payment_id)
SELECT owner_id, amount_minor, payment_id FROM (
    SELECT p.created_by AS owner_id, p.amount_minor, p.id AS payment_id FROM payments p
    WHERE p.created_by IS NOT NULL
    UNION
    SELECT c.owner_id, p.amount_minor, p.id FROM payments p
    JOIN companies c ON c.id = p.company_id WHERE c.owner_id IS NOT NULL
    UNION
    SELECT i.owner_id, p.amount_minor, p.id FROM payments p
    JOIN payment_allocations a ON a.payment_id = p.id
    JOIN invoices i ON i.id = a.invoice_id WHERE i.owner_id IS NOT NULL
) AS scopes
"""


def upgrade() -> None:
    op.create_table(
        "payment_scopes",
        sa.Column("owner_id", ID, autoincrement=False, nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payment_id", ID, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "amount_minor", "payment_id",
                                name=op.f("pk_payment_scopes")),
        sqlite_with_rowid=False,
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("payment_scopes")
