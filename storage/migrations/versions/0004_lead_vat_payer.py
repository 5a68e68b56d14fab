"""lead vat payer

A lead captured from a tax id keeps whether the company pays VAT (known in Romania from the
"RO" prefix), so conversion can carry it to the company.

Revision ID: 0004_lead_vat_payer
Revises: 0003_search_indexes
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_lead_vat_payer"
down_revision: str | None = "0003_search_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vat_payer", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("vat_payer")
