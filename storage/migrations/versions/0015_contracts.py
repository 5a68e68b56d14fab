"""contracts from templates

Issue 19, part C: a contract drawn from a deal and printed from its organization's template —
the deal, the organization, the language and the price (with VAT, in its currency) of the
contract. Its number lives in `issued_documents` (kind "contract") and `contracts.number`.

Revision ID: 0015_contracts
Revises: 0014_business
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_contracts"
down_revision: str | None = "0014_business"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LINKS = (("deal_id", "deals"), ("organization_id", "organizations"))


def upgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        for column, _ in LINKS:
            batch_op.add_column(sa.Column(column, ID, nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("amount_minor", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("origin_key", sa.String(length=200), nullable=True))
        batch_op.create_index("uq_contracts_origin_key", ["origin_key"], unique=True)
        for column, table in LINKS:
            batch_op.create_index(batch_op.f(f"ix_contracts_{column}"), [column], unique=False)
            batch_op.create_foreign_key(batch_op.f(f"fk_contracts_{column}_{table}"), table,
                                        [column], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        for column, table in reversed(LINKS):
            batch_op.drop_constraint(batch_op.f(f"fk_contracts_{column}_{table}"),
                                     type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_contracts_{column}"))
        batch_op.drop_index("uq_contracts_origin_key")
        for column in ("origin_key", "amount_minor", "currency", "language"):
            batch_op.drop_column(column)
        for column, _ in reversed(LINKS):
            batch_op.drop_column(column)
