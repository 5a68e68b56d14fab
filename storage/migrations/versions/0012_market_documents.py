"""market documents

Issue 16 (documents each market's accountant accepts): the organization's trade register
number, address in parts, signatories and «TVA la încasare»; a client's trade register number
and address in parts; an invoice's delivery date, exchange rate, reverse charge and VAT
exemption reason; whether a line is a good or a service; and the documents issued from an
invoice or a credit note in their own gapless series (act, UPD, corrective document).

Revision ID: 0012_market_documents
Revises: 0011_reports
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0012_market_documents"
down_revision: str | None = "0011_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FALSE = sa.text("false")

ORG_TEXT = (("trade_register", 32), ("city", 100), ("region", 16), ("postal_code", 16),
            ("director_position", 100), ("signer_name", 200), ("signer_position", 100),
            ("signer_poa_number", 64))
COMPANY_TEXT = (("trade_register", 32), ("city", 100), ("region", 16), ("postal_code", 16))


def upgrade() -> None:
    op.create_table(
        "issued_documents",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", ID, nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("series_id", ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("number_text", sa.String(length=64), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("created_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_issued_documents_created_by_users")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_issued_documents_organization_id_organizations")),
        sa.ForeignKeyConstraint(["series_id"], ["number_series.id"],
                                name=op.f("fk_issued_documents_series_id_number_series")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_documents")),
        sa.UniqueConstraint("series_id", "number", name=op.f("uq_issued_documents_series_id")),
        sa.UniqueConstraint("subject_type", "subject_id", "kind",
                            name=op.f("uq_issued_documents_subject_type")),
    )
    with op.batch_alter_table("issued_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issued_documents_created_by"), ["created_by"])
        batch_op.create_index("ix_issued_documents_number_text", ["number_text"])
        batch_op.create_index(batch_op.f("ix_issued_documents_organization_id"),
                              ["organization_id"])
        batch_op.create_index(batch_op.f("ix_issued_documents_series_id"), ["series_id"])

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        for name, length in ORG_TEXT:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False,
                                          server_default=""))
        batch_op.add_column(sa.Column("signer_poa_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("vat_on_collection", sa.Boolean(), nullable=False,
                                      server_default=FALSE))
    with op.batch_alter_table("companies", schema=None) as batch_op:
        for name, length in COMPANY_TEXT:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("exchange_rate", storage.models.DecimalText(length=40),
                                      nullable=True))
        batch_op.add_column(sa.Column("reverse_charge", sa.Boolean(), nullable=False,
                                      server_default=FALSE))
        batch_op.add_column(sa.Column("vat_exemption_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("document_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supply", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document_lines", schema=None) as batch_op:
        batch_op.drop_column("supply")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        for name in ("vat_exemption_reason", "reverse_charge", "exchange_rate",
                     "delivery_date"):
            batch_op.drop_column(name)
    with op.batch_alter_table("companies", schema=None) as batch_op:
        for name, _ in reversed(COMPANY_TEXT):
            batch_op.drop_column(name)
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("vat_on_collection")
        batch_op.drop_column("signer_poa_date")
        for name, _ in reversed(ORG_TEXT):
            batch_op.drop_column(name)
    with op.batch_alter_table("issued_documents", schema=None) as batch_op:
        for index in ("ix_issued_documents_series_id", "ix_issued_documents_organization_id",
                      "ix_issued_documents_number_text", "ix_issued_documents_created_by"):
            batch_op.drop_index(index)
    op.drop_table("issued_documents")
