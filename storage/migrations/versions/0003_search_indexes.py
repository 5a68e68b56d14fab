"""search indexes

Name prefix search (storage/search.py) runs as a range on name_norm/title_norm. On SQLite the
BINARY indexes serve it; leads and deals get (owner_id, name) indexes so a manager's search
does not walk everyone's rows. On PostgreSQL the range uses the byte-wise ~>=~ / ~<~
operators, which only text_pattern_ops indexes serve whatever the database's collation.

Revision ID: 0003_search_indexes
Revises: 0002_invoice_snapshots
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0003_search_indexes"
down_revision: str | None = "0002_invoice_snapshots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATTERN = {"name_norm": "text_pattern_ops", "title_norm": "text_pattern_ops"}

# (name, table, columns): created on both engines.
BOTH = (
    ("ix_leads_owner_name", "leads", ["owner_id", "name_norm"]),
    ("ix_deals_owner_title", "deals", ["owner_id", "title_norm"]),
)
# PostgreSQL only (SQLite's existing BINARY indexes already serve the ranges).
POSTGRES = (
    ("ix_companies_owner_name_pattern", "companies", ["owner_id", "name_norm"]),
    ("ix_companies_name_pattern", "companies", ["name_norm"]),
    ("ix_contacts_owner_name_pattern", "contacts", ["owner_id", "name_norm"]),
    ("ix_contacts_name_pattern", "contacts", ["name_norm"]),
    ("ix_leads_name_pattern", "leads", ["name_norm"]),
    ("ix_deals_title_pattern", "deals", ["title_norm"]),
)


def _indexes() -> list[tuple[str, str, list[str]]]:
    postgres = op.get_bind().dialect.name == "postgresql"
    return [*BOTH, *(POSTGRES if postgres else ())]


def upgrade() -> None:
    for name, table, columns in _indexes():
        ops = {c: PATTERN[c] for c in columns if c in PATTERN}
        op.create_index(name, table, columns, postgresql_ops=ops)


def downgrade() -> None:
    for name, table, _ in reversed(_indexes()):
        op.drop_index(name, table_name=table)
