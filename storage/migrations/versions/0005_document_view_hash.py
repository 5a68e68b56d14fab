"""document view hash

A stored PDF remembers the hash of the document view (and template and images) it was
rendered from, so re-sending an unchanged document re-uses the exact bytes sent before
instead of rendering again.

Revision ID: 0005_document_view_hash
Revises: 0004_lead_vat_payer
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_document_view_hash"
down_revision: str | None = "0004_lead_vat_payer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("view_hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_documents_view_hash", ["subject_type", "subject_id",
                                                         "view_hash"])


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_view_hash")
        batch_op.drop_column("view_hash")
