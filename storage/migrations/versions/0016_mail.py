"""mail

Issue 19 (part M): the company mailbox over IMAP and replies by SMTP. The mailbox's state
(UIDVALIDITY, the last UID read, the date before which nothing is processed, the failure
streak); each processed message, unique by (mailbox, UIDVALIDITY, UID) and by Message-ID,
tied to the client, contact, lead and timeline entry of its thread; the replies typed in the
chat with their Message-ID, threading headers and outbox key.

Revision ID: 0016_mail
Revises: 0015_contracts
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0016_mail"
down_revision: str | None = "0015_contracts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = storage.models.UtcDateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "mail_mailboxes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("since", UTC, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failing_since", UTC, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("checked_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_mailboxes")),
        sa.UniqueConstraint("name", name=op.f("uq_mail_mailboxes_name")),
    )
    op.create_table(
        "mail_messages",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("mailbox_id", ID, nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("references", sa.Text(), nullable=False),
        sa.Column("from_addr", sa.String(length=254), nullable=False),
        sa.Column("from_name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("owner_id", ID, nullable=True),
        sa.Column("company_id", ID, nullable=True),
        sa.Column("contact_id", ID, nullable=True),
        sa.Column("lead_id", ID, nullable=True),
        sa.Column("interaction_id", ID, nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        _fk("mail_messages", "mailbox_id", "mail_mailboxes"),
        _fk("mail_messages", "owner_id", "users"),
        _fk("mail_messages", "company_id", "companies"),
        _fk("mail_messages", "contact_id", "contacts"),
        _fk("mail_messages", "lead_id", "leads"),
        _fk("mail_messages", "interaction_id", "interactions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
        sa.UniqueConstraint("mailbox_id", "uidvalidity", "uid",
                            name=op.f("uq_mail_messages_mailbox_id")),
        sa.UniqueConstraint("message_id", name=op.f("uq_mail_messages_message_id")),
    )
    for column in ("mailbox_id", "owner_id", "company_id", "contact_id", "lead_id",
                   "interaction_id"):
        op.create_index(op.f(f"ix_mail_messages_{column}"), "mail_messages", [column])
    op.create_table(
        "mail_replies",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("mail_message_id", ID, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("company_id", ID, nullable=True),
        sa.Column("action_key", sa.String(length=200), nullable=False),
        sa.Column("outbox_key", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("to_addr", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("document_id", ID, nullable=True),
        sa.Column("interaction_id", ID, nullable=True),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        _fk("mail_replies", "mail_message_id", "mail_messages"),
        _fk("mail_replies", "owner_id", "users"),
        _fk("mail_replies", "company_id", "companies"),
        _fk("mail_replies", "document_id", "documents"),
        _fk("mail_replies", "interaction_id", "interactions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_replies")),
        sa.UniqueConstraint("action_key", name=op.f("uq_mail_replies_action_key")),
        sa.UniqueConstraint("message_id", name=op.f("uq_mail_replies_message_id")),
    )
    for column in ("mail_message_id", "owner_id", "company_id", "document_id",
                   "interaction_id"):
        op.create_index(op.f(f"ix_mail_replies_{column}"), "mail_replies", [column])


def downgrade() -> None:
    op.drop_table("mail_replies")
    op.drop_table("mail_messages")
    op.drop_table("mail_mailboxes")
