"""actionable alerts

Issue 18 (alerts and the morning digest a manager acts on with one tap; meeting reminders the
client answers): the hour of each person's morning digest; the user's action that created a
task or a deal from an alert's button (its origin key, unique, so a button pressed twice
creates one); the slots a manager offers for a meeting the client may move to. The on/off of
each alert kind is a row of report_optouts (kinds "digest", "overdue", "installment",
"guarantee", "contract", "task" beside "weekly" and "monthly").

Revision ID: 0013_actionable_alerts
Revises: 0012_market_documents
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0013_actionable_alerts"
down_revision: str | None = "0012_market_documents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_hour", sa.SmallInteger(), nullable=True))
    for table in ("tasks", "deals"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("origin_key", sa.String(length=200), nullable=True))
            batch_op.create_index(f"uq_{table}_origin_key", ["origin_key"], unique=True)
    op.create_table(
        "meeting_slots",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("task_id", ID, nullable=False),
        sa.Column("starts_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE",
                                name=op.f("fk_meeting_slots_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_slots")),
        sa.UniqueConstraint("task_id", "starts_at", name=op.f("uq_meeting_slots_task_id")),
    )


def downgrade() -> None:
    op.drop_table("meeting_slots")
    for table in ("deals", "tasks"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"uq_{table}_origin_key")
            batch_op.drop_column("origin_key")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("digest_hour")
