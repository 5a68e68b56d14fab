"""drop processed_updates

The table of handled Telegram update ids was never read or written: redelivered updates are
made harmless by the idempotency keys of the actions themselves (the payment form's session,
`telegram_payment_charge_id`, the bank's key), not by remembering updates.

Revision ID: 0007_drop_processed_updates
Revises: 0006_job_watermarks
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0007_drop_processed_updates"
down_revision: str | None = "0006_job_watermarks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("processed_updates")


def downgrade() -> None:
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
