"""job watermarks

Each scheduled job (alerts, quote expiry) remembers the moment of its last successful run, so
it handles "everything due since then" instead of a window around now: a bot that was down
sends each alert once, late, instead of never.

Revision ID: 0006_job_watermarks
Revises: 0005_document_view_hash
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0006_job_watermarks"
down_revision: str | None = "0005_document_view_hash"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_watermarks",
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("watermark", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_job_watermarks")),
    )


def downgrade() -> None:
    op.drop_table("job_watermarks")
