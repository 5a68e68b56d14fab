"""telegram business

Issue 20 (Dealchat inside the manager's own Telegram): the staff member's Telegram Business
connection (Telegram's id, on or off, the reply right and all rights granted); the customer
chats in it (who wrote, the contact or lead they are, or excluded by the manager); each
message keyed as Telegram keys it (connection, chat, message id: a redelivered update or a
burst stores each once), with the timeline entry it made, its earlier texts and its deletion.
A lead from such a chat keeps the language Telegram gave, and is found by its Telegram id.

Revision ID: 0014_business
Revises: 0013_actionable_alerts
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0014_business"
down_revision: str | None = "0013_actionable_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = storage.models.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "business_connections",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.String(length=255), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("user_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("can_reply", sa.Boolean(), nullable=False),
        sa.Column("rights", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_business_connections_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_connections")),
        sa.UniqueConstraint("connection_id", name=op.f("uq_business_connections_connection_id")),
    )
    op.create_index(op.f("ix_business_connections_user_id"), "business_connections",
                    ["user_id"])
    op.create_table(
        "business_chats",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("contact_id", ID, nullable=True),
        sa.Column("lead_id", ID, nullable=True),
        sa.Column("first_message_id", sa.BigInteger(), nullable=True),
        sa.Column("excluded_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"],
                                name=op.f("fk_business_chats_contact_id_contacts")),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"],
                                name=op.f("fk_business_chats_lead_id_leads")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_business_chats_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_chats")),
        sa.UniqueConstraint("user_id", "chat_id", name=op.f("uq_business_chats_user_id")),
    )
    for column in ("contact_id", "lead_id", "user_id"):
        op.create_index(op.f(f"ix_business_chats_{column}"), "business_chats", [column])
    op.create_table(
        "business_messages",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("business_chat_id", ID, nullable=False),
        sa.Column("outgoing", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("interaction_id", ID, nullable=True),
        sa.Column("edits", sa.JSON(), nullable=False),
        sa.Column("edited_at", UTC, nullable=True),
        sa.Column("deleted_at", UTC, nullable=True),
        sa.Column("sent_at", UTC, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["business_chat_id"], ["business_chats.id"],
                                name=op.f("fk_business_messages_business_chat_id_business_chats")),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["business_connections.id"],
            name=op.f("fk_business_messages_connection_id_business_connections")),
        sa.ForeignKeyConstraint(["interaction_id"], ["interactions.id"],
                                name=op.f("fk_business_messages_interaction_id_interactions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_messages")),
        sa.UniqueConstraint("connection_id", "chat_id", "message_id",
                            name=op.f("uq_business_messages_connection_id")),
    )
    for column in ("business_chat_id", "connection_id", "interaction_id"):
        op.create_index(op.f(f"ix_business_messages_{column}"), "business_messages", [column])
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.create_index("ix_leads_owner_telegram", ["owner_id", "telegram_user_id"])


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_owner_telegram")
        batch_op.drop_column("language")
    op.drop_table("business_messages")
    op.drop_table("business_chats")
    op.drop_table("business_connections")
