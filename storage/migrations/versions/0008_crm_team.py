"""crm team

Issue 13: a client"s language, price list, archive and merge; several contacts with a primary
one; files on cards; task comments and who set a task; credit notes (with their lines in
document_lines) and refunds (outgoing payments); an invoice"s cancel reason and credited amount;
audit entries tied to the client and deal they concern; indexes for finding invoices, quotes
and payments by number and amount.

Revision ID: 0008_crm_team
Revises: 0007_drop_processed_updates
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0008_crm_team"
down_revision: str | None = "0007_drop_processed_updates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("files",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column("owner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("deal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("telegram_file_id", sa.String(length=255), nullable=False),
    sa.Column("telegram_unique_id", sa.String(length=64), nullable=True),
    sa.Column("filename", sa.String(length=255), nullable=False),
    sa.Column("mime_type", sa.String(length=100), nullable=True),
    sa.Column("size", sa.BigInteger(), nullable=True),
    sa.Column("caption", sa.Text(), nullable=True),
    sa.Column("created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("created_at", storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_files_company_id_companies")),
    sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_files_created_by_users")),
    sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_files_deal_id_deals")),
    sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_files_owner_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_files"))
    )
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.create_index("ix_files_company", ["company_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_files_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_files_created_by"), ["created_by"], unique=False)
        batch_op.create_index("ix_files_deal", ["deal_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_files_deal_id"), ["deal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_files_owner_id"), ["owner_id"], unique=False)

    op.create_table("task_comments",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column("task_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("author_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("created_at", storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_task_comments_author_id_users")),
    sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_task_comments_task_id_tasks"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_task_comments"))
    )
    with op.batch_alter_table("task_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_comments_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_comments_task_id"), ["task_id"], unique=False)

    op.create_table("credit_notes",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column("invoice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("organization_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("owner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("series_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("number", sa.Integer(), nullable=True),
    sa.Column("number_text", sa.String(length=64), nullable=True),
    sa.Column("issue_date", sa.Date(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("currency", sa.String(length=3), nullable=False),
    sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
    sa.Column("vat_minor", sa.BigInteger(), nullable=False),
    sa.Column("total_minor", sa.BigInteger(), nullable=False),
    sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("created_at", storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_credit_notes_company_id_companies")),
    sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_credit_notes_created_by_users")),
    sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_credit_notes_invoice_id_invoices")),
    sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], name=op.f("fk_credit_notes_organization_id_organizations")),
    sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_credit_notes_owner_id_users")),
    sa.ForeignKeyConstraint(["series_id"], ["number_series.id"], name=op.f("fk_credit_notes_series_id_number_series")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_notes")),
    sa.UniqueConstraint("series_id", "number", name=op.f("uq_credit_notes_series_id"))
    )
    with op.batch_alter_table("credit_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_notes_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_notes_created_by"), ["created_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_notes_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index("ix_credit_notes_number", ["number"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_notes_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_notes_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_notes_series_id"), ["series_id"], unique=False)

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("company_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("deal_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_log_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_deal_id"), ["deal_id"], unique=False)

    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("price_list", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("archived_at", storage.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("archive_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
        batch_op.create_index(batch_op.f("ix_companies_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_companies_merged_into_id_companies"), "companies", ["merged_into_id"], ["id"])

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_primary", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("archived_at", storage.models.UtcDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("document_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credit_note_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
        batch_op.add_column(sa.Column("source_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
        batch_op.create_index(batch_op.f("ix_document_lines_credit_note_id"), ["credit_note_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_lines_source_line_id"), ["source_line_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_document_lines_credit_note_id_credit_notes"), "credit_notes", ["credit_note_id"], ["id"], ondelete="CASCADE")
        batch_op.create_foreign_key(batch_op.f("fk_document_lines_source_line_id_document_lines"), "document_lines", ["source_line_id"], ["id"])

    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
        batch_op.create_index(batch_op.f("ix_interactions_file_id"), ["file_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_interactions_file_id_files"), "files", ["file_id"], ["id"])

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("credited_minor", sa.BigInteger(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("price_list", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_invoices_number", ["number"], unique=False)
        batch_op.create_index("ix_invoices_owner_total", ["owner_id", "total_minor"], unique=False)
        batch_op.create_index("ix_invoices_total", ["total_minor"], unique=False)

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("direction", sa.String(length=3), nullable=False,
                                      server_default="in"))
        batch_op.add_column(sa.Column("credit_note_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
        batch_op.create_index("ix_payments_amount", ["amount_minor"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_credit_note_id"), ["credit_note_id"], unique=False)
        batch_op.create_index("ix_payments_doc_number", ["doc_number"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_payments_credit_note_id_credit_notes"), "credit_notes", ["credit_note_id"], ["id"])

    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("price_list", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_quotes_number", ["number"], unique=False)

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
        batch_op.create_index(batch_op.f("ix_tasks_created_by"), ["created_by"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_tasks_created_by_users"), "users", ["created_by"], ["id"])



def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tasks_created_by_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tasks_created_by"))
        batch_op.drop_column("created_by")

    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index("ix_quotes_number")
        batch_op.drop_column("price_list")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payments_credit_note_id_credit_notes"), type_="foreignkey")
        batch_op.drop_index("ix_payments_doc_number")
        batch_op.drop_index(batch_op.f("ix_payments_credit_note_id"))
        batch_op.drop_index("ix_payments_amount")
        batch_op.drop_column("credit_note_id")
        batch_op.drop_column("direction")

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_total")
        batch_op.drop_index("ix_invoices_owner_total")
        batch_op.drop_index("ix_invoices_number")
        batch_op.drop_column("price_list")
        batch_op.drop_column("credited_minor")
        batch_op.drop_column("cancel_reason")

    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_interactions_file_id_files"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_interactions_file_id"))
        batch_op.drop_column("file_id")

    with op.batch_alter_table("document_lines", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_document_lines_source_line_id_document_lines"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_document_lines_credit_note_id_credit_notes"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_document_lines_source_line_id"))
        batch_op.drop_index(batch_op.f("ix_document_lines_credit_note_id"))
        batch_op.drop_column("source_line_id")
        batch_op.drop_column("credit_note_id")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
        batch_op.drop_column("is_primary")

    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_companies_merged_into_id_companies"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_companies_merged_into_id"))
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("archive_reason")
        batch_op.drop_column("archived_at")
        batch_op.drop_column("price_list")
        batch_op.drop_column("language")

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_deal_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_company_id"))
        batch_op.drop_column("deal_id")
        batch_op.drop_column("company_id")

    with op.batch_alter_table("credit_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_notes_series_id"))
        batch_op.drop_index(batch_op.f("ix_credit_notes_owner_id"))
        batch_op.drop_index(batch_op.f("ix_credit_notes_organization_id"))
        batch_op.drop_index("ix_credit_notes_number")
        batch_op.drop_index(batch_op.f("ix_credit_notes_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_credit_notes_created_by"))
        batch_op.drop_index(batch_op.f("ix_credit_notes_company_id"))

    op.drop_table("credit_notes")
    with op.batch_alter_table("task_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_comments_task_id"))
        batch_op.drop_index(batch_op.f("ix_task_comments_author_id"))

    op.drop_table("task_comments")
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_files_owner_id"))
        batch_op.drop_index(batch_op.f("ix_files_deal_id"))
        batch_op.drop_index("ix_files_deal")
        batch_op.drop_index(batch_op.f("ix_files_created_by"))
        batch_op.drop_index(batch_op.f("ix_files_company_id"))
        batch_op.drop_index("ix_files_company")

    op.drop_table("files")
