"""reports

Issue 14 (reports for the head of sales): monthly sales plans per manager, the report pushes a
user turned off, and the indexes the reports aggregate from (GROUP BY in the database, a range
of days read from an index that carries the summed columns, never the wide rows).

Revision ID: 0011_reports
Revises: 0010_payment_scopes
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0011_reports"
down_revision: str | None = "0010_payment_scopes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# (table, index, columns): the covering indexes of the reports.
INDEXES = (
    # Sales, ABC/XYZ, plan vs fact: invoices of one currency issued in a range of days.
    ("invoices", "ix_invoices_report",
     ["currency", "issue_date", "owner_id", "company_id", "organization_id", "status",
      "total_minor", "paid_minor", "credited_minor"]),
    # Payment calendar and "paid in the period": payments by the day they arrived.
    ("payments", "ix_payments_received", ["currency", "received_on", "status", "direction"]),
    ("payment_allocations", "ix_payment_allocations_invoice",
     ["invoice_id", "reversed_at", "payment_id", "amount_minor"]),
    # Deals won and lost in a period; time in each stage (the change log per deal, in order).
    ("deals", "ix_deals_closed", ["status", "closed_at", "owner_id"]),
    ("deal_stage_changes", "ix_deal_stage_changes_deal_at", ["deal_id", "at"]),
    # Manager activity: leads taken, first contact, interactions, tasks done.
    ("leads", "ix_leads_owner_created", ["owner_id", "created_at"]),
    ("interactions", "ix_interactions_owner_at", ["owner_id", "occurred_at"]),
    ("interactions", "ix_interactions_lead_at", ["lead_id", "occurred_at"]),
    ("tasks", "ix_tasks_owner_done", ["owner_id", "done_at"]),
    ("installments", "ix_installments_invoice_due", ["invoice_id", "due_date"]),
    # Payment calendar: the open invoices of a currency, read by status from the index alone.
    ("invoices", "ix_invoices_open",
     ["currency", "status", "due_date", "owner_id", "organization_id", "company_id", "number",
      "total_minor", "paid_minor", "credited_minor", "id"]),
    # Sales "received", payment calendar "arrived", plan "paid": a period's payments' live
    # allocations and their invoices' scope, read from indexes alone.
    ("payment_allocations", "ix_payment_allocations_payment_live",
     ["payment_id", "reversed_at", "invoice_id", "amount_minor"]),
    ("invoices", "ix_invoices_id_scope", ["id", "currency", "status", "owner_id",
                                           "organization_id"]),
    # Sales by product: the lines of a period's invoices, read from the index alone.
    ("document_lines", "ix_document_lines_report",
     ["invoice_id", "credit_note_id", "product_id", "total_minor"]),
    # Funnel: the window's stage changes as one range (entries, stays, deals changed lately
    # for "stuck"); "went on to the next stage" as one probe; the open deals of a pipeline.
    ("deal_stage_changes", "ix_deal_stage_changes_at", ["at", "deal_id", "to_stage_id"]),
    ("deal_stage_changes", "ix_deal_stage_changes_deal_to", ["deal_id", "to_stage_id", "at"]),
    ("deals", "ix_deals_funnel", ["pipeline_id", "status", "owner_id", "stage_id", "created_at"]),
    # ABC/XYZ of clients: the months of each of the period's clients as one range.
    ("invoices", "ix_invoices_client_report",
     ["currency", "company_id", "issue_date", "status", "total_minor", "owner_id",
      "organization_id"]),
)


def upgrade() -> None:
    op.create_table(
        "sales_plans",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("basis", sa.String(length=8), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("set_by", ID, nullable=True),
        sa.Column("updated_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_sales_plans_user_id_users")),
        sa.ForeignKeyConstraint(["set_by"], ["users.id"],
                                name=op.f("fk_sales_plans_set_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_plans")),
        sa.UniqueConstraint("user_id", "month", "currency",
                            name=op.f("uq_sales_plans_user_id")),
    )
    op.create_table(
        "report_optouts",
        sa.Column("user_id", ID, autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_report_optouts_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_report_optouts")),
    )
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
    op.drop_table("report_optouts")
    op.drop_table("sales_plans")
