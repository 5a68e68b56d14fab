"""SQLAlchemy tables for the whole sales cycle.

Conventions (see ../shared/GUIDE.md): money is integer minor units plus an ISO 4217 code;
time is UTC (`UtcDateTime` refuses naive datetimes); quantities and rates are exact decimals
stored as text so SQLite never turns them into floats.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive values are a bug and are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal kept as text (SQLite's NUMERIC would round-trip through a float)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(Decimal(value), "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UtcDateTime(),
        Decimal: DecimalText(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


ID = BigInteger().with_variant(Integer(), "sqlite")


def pk() -> Mapped[int]:
    return mapped_column(ID, primary_key=True, autoincrement=True)


def fk(target: str, *, nullable: bool = False, ondelete: str | None = None) -> Mapped[Any]:
    return mapped_column(
        ID, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True
    )


def created() -> Mapped[datetime]:
    return mapped_column(default=utcnow)


# --- people and access ---------------------------------------------------------------------


class User(Base):
    """Anyone the bot knows: staff (admin, head, manager) and customers."""

    __tablename__ = "users"
    id: Mapped[int] = pk()
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | head | manager | customer
    full_name: Mapped[str] = mapped_column(String(200), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    chat_dead: Mapped[bool] = mapped_column(Boolean, default=False)
    # The local hour of the morning digest (migration 0013); None: the default (09:00).
    digest_hour: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = created()
    deactivated_at: Mapped[datetime | None]


class Invite(Base):
    """A one-time join link for staff; single use, expires."""

    __tablename__ = "invites"
    id: Mapped[int] = pk()
    token: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int] = fk("users.id")
    created_at: Mapped[datetime] = created()
    expires_at: Mapped[datetime]
    used_by: Mapped[int | None] = fk("users.id", nullable=True)
    used_at: Mapped[datetime | None]


# --- our own seller entities ---------------------------------------------------------------


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = pk()
    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str] = mapped_column(String(300), default="")
    country: Mapped[str] = mapped_column(String(2))
    tax_id: Mapped[str | None] = mapped_column(String(20))
    kpp: Mapped[str | None] = mapped_column(String(9))
    ogrn: Mapped[str | None] = mapped_column(String(15))
    vat_payer: Mapped[bool] = mapped_column(Boolean, default=True)
    address: Mapped[str] = mapped_column(Text, default="")
    director: Mapped[str] = mapped_column(String(200), default="")
    accountant: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[str] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(8), default="ru")
    invoice_prefix: Mapped[str] = mapped_column(String(16), default="")
    number_pattern: Mapped[str] = mapped_column(
        String(64), default="{prefix}-{yyyy}-{seq:05}"
    )
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=5)
    # Issue 16 (migration 0012): what the market's documents print and e-invoices carry.
    # The trade register number (RO «Nr. Reg. Com.»; RU prints `ogrn`), the address in parts
    # (`address` is the street line), the director's position, a signer acting on a power of
    # attorney, and «TVA la încasare» (RO: VAT due when paid).
    trade_register: Mapped[str] = mapped_column(String(32), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(16), default="")  # ISO 3166-2, e.g. RO-B
    postal_code: Mapped[str] = mapped_column(String(16), default="")
    director_position: Mapped[str] = mapped_column(String(100), default="")
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    signer_position: Mapped[str] = mapped_column(String(100), default="")
    signer_poa_number: Mapped[str] = mapped_column(String(64), default="")
    signer_poa_date: Mapped[date | None] = mapped_column(Date)
    vat_on_collection: Mapped[bool] = mapped_column(Boolean, default=False)
    logo_document_id: Mapped[int | None] = fk("documents.id", nullable=True)
    stamp_document_id: Mapped[int | None] = fk("documents.id", nullable=True)
    signature_document_id: Mapped[int | None] = fk("documents.id", nullable=True)
    reminder_ladder: Mapped[list[Any] | None]
    created_at: Mapped[datetime] = created()


class OrganizationAccount(Base):
    __tablename__ = "organization_accounts"
    id: Mapped[int] = pk()
    organization_id: Mapped[int] = fk("organizations.id", ondelete="CASCADE")
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    bik: Mapped[str | None] = mapped_column(String(9))
    bic: Mapped[str | None] = mapped_column(String(11))
    account: Mapped[str] = mapped_column(String(34), unique=True)
    corr_account: Mapped[str | None] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class DocumentTemplate(Base):
    """An organization's replacement for a built-in document template."""

    __tablename__ = "document_templates"
    __table_args__ = (UniqueConstraint("organization_id", "kind"),)
    id: Mapped[int] = pk()
    organization_id: Mapped[int] = fk("organizations.id", ondelete="CASCADE")
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[int | None] = fk("users.id", nullable=True)
    updated_at: Mapped[datetime] = created()


class NumberSeries(Base):
    """Gapless counter: updated in the same transaction that issues the document."""

    __tablename__ = "number_series"
    __table_args__ = (UniqueConstraint("organization_id", "kind", "year"),)
    id: Mapped[int] = pk()
    organization_id: Mapped[int] = fk("organizations.id")
    kind: Mapped[str] = mapped_column(String(16))  # invoice | quote | receipt | act
    year: Mapped[int] = mapped_column(Integer)
    prefix: Mapped[str] = mapped_column(String(16), default="")
    last_number: Mapped[int] = mapped_column(Integer, default=0)


# --- clients -------------------------------------------------------------------------------


def pattern_ops(*columns: str) -> dict[str, str]:
    """PostgreSQL opclass for name prefix ranges (storage/search.py, migration 0003)."""
    return {c: "text_pattern_ops" for c in columns if c.endswith("_norm")}


def pattern_index(name: str, *columns: str) -> Index:
    """A PostgreSQL-only text_pattern_ops index (SQLite's BINARY indexes serve the same)."""
    return Index(name, *columns, postgresql_ops=pattern_ops(*columns)).ddl_if(
        dialect="postgresql")



class Company(Base):
    __tablename__ = "companies"
    __table_args__ = (
        Index("ix_companies_owner_name", "owner_id", "name_norm"),
        Index("ix_companies_name_norm", "name_norm"),
        Index("ix_companies_tax_id", "tax_id"),
        pattern_index("ix_companies_owner_name_pattern", "owner_id", "name_norm"),
        pattern_index("ix_companies_name_pattern", "name_norm"),
        Index("ix_companies_id_owner", "id", "owner_id"),  # migration 0009
    )
    id: Mapped[int] = pk()
    owner_id: Mapped[int] = fk("users.id")
    name: Mapped[str] = mapped_column(String(300))
    name_norm: Mapped[str] = mapped_column(String(300))
    legal_form: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(2))
    tax_id: Mapped[str | None] = mapped_column(String(20))
    kpp: Mapped[str | None] = mapped_column(String(9))
    ogrn: Mapped[str | None] = mapped_column(String(15))
    vat_payer: Mapped[bool | None] = mapped_column(Boolean)
    legal_address: Mapped[str | None] = mapped_column(Text)
    # Issue 16 (migration 0012): the trade register number and the address in parts.
    trade_register: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(16))  # ISO 3166-2, e.g. RO-CJ
    postal_code: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Issue 13 (migration 0008): the client's language and price list, archive, merge.
    language: Mapped[str | None] = mapped_column(String(8))
    price_list: Mapped[str | None] = mapped_column(String(32))
    archived_at: Mapped[datetime | None]
    archive_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = fk("companies.id", nullable=True)
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()


class CompanyAccount(Base):
    """A client's bank account; `confirmed` once a payment from it was matched to them."""

    __tablename__ = "company_accounts"
    __table_args__ = (UniqueConstraint("company_id", "account"),)
    id: Mapped[int] = pk()
    company_id: Mapped[int] = fk("companies.id", ondelete="CASCADE")
    bank_name: Mapped[str | None] = mapped_column(String(200))
    bik: Mapped[str | None] = mapped_column(String(9))
    bic: Mapped[str | None] = mapped_column(String(11))
    account: Mapped[str] = mapped_column(String(34), index=True)
    corr_account: Mapped[str | None] = mapped_column(String(20))
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_owner_name", "owner_id", "name_norm"),
                      Index("ix_contacts_name_norm", "name_norm"),
                      pattern_index("ix_contacts_owner_name_pattern", "owner_id", "name_norm"),
                      pattern_index("ix_contacts_name_pattern", "name_norm"))
    id: Mapped[int] = pk()
    owner_id: Mapped[int] = fk("users.id")
    company_id: Mapped[int | None] = fk("companies.id", nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    name_norm: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    city: Mapped[str | None] = mapped_column(String(120))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    customer_user_id: Mapped[int | None] = fk("users.id", nullable=True)
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Migration 0008: documents and reminders go to the company's primary contact.
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created()


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_owner_status", "owner_id", "status"),
                      Index("ix_leads_name_norm", "name_norm"),
                      Index("ix_leads_owner_name", "owner_id", "name_norm",
                            postgresql_ops=pattern_ops("name_norm")),
                      pattern_index("ix_leads_name_pattern", "name_norm"),
                      Index("ix_leads_owner_created", "owner_id", "created_at"),  # 0011
                      # 0014: a business chat's customer is looked up by their Telegram id.
                      Index("ix_leads_owner_telegram", "owner_id", "telegram_user_id"))
    id: Mapped[int] = pk()
    owner_id: Mapped[int] = fk("users.id")
    status: Mapped[str] = mapped_column(String(16), default="new")
    source: Mapped[str | None] = mapped_column(String(32))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    name_norm: Mapped[str] = mapped_column(String(300), default="")
    company_name: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    city: Mapped[str | None] = mapped_column(String(120))
    topic: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    tax_id: Mapped[str | None] = mapped_column(String(20), index=True)
    vat_payer: Mapped[bool | None] = mapped_column(Boolean)  # migration 0004
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    telegram_username: Mapped[str | None] = mapped_column(String(64))
    junk_reason: Mapped[str | None] = mapped_column(Text)
    company_id: Mapped[int | None] = fk("companies.id", nullable=True)
    contact_id: Mapped[int | None] = fk("contacts.id", nullable=True)
    deal_id: Mapped[int | None] = fk("deals.id", nullable=True)
    # Migration 0014: the language Telegram gave a lead from a business chat.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()


# --- pipeline ------------------------------------------------------------------------------


class Pipeline(Base):
    __tablename__ = "pipelines"
    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))  # strict | manual | none


class Stage(Base):
    __tablename__ = "stages"
    __table_args__ = (UniqueConstraint("pipeline_id", "code"),)
    id: Mapped[int] = pk()
    pipeline_id: Mapped[int] = fk("pipelines.id", ondelete="CASCADE")
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)
    probability: Mapped[int] = mapped_column(Integer, default=0)
    required_fields: Mapped[list[Any]] = mapped_column(JSON, default=list)
    outcome: Mapped[str | None] = mapped_column(String(8))  # None | won | lost | paid


class Deal(Base):
    __tablename__ = "deals"
    __table_args__ = (Index("ix_deals_owner_status", "owner_id", "status"),
                      Index("ix_deals_title_norm", "title_norm"),
                      Index("ix_deals_owner_title", "owner_id", "title_norm",
                            postgresql_ops=pattern_ops("title_norm")),
                      pattern_index("ix_deals_title_pattern", "title_norm"),
                      Index("ix_deals_closed", "status", "closed_at", "owner_id"),
                      # 0011, the funnel report: a pipeline's open deals by owner and stage
                      Index("ix_deals_funnel", "pipeline_id", "status", "owner_id", "stage_id",
                            "created_at"),
                      # 0013: the user's action that created it (an alert's button), once
                      Index("uq_deals_origin_key", "origin_key", unique=True))
    id: Mapped[int] = pk()
    owner_id: Mapped[int] = fk("users.id")
    pipeline_id: Mapped[int] = fk("pipelines.id")
    stage_id: Mapped[int | None] = fk("stages.id", nullable=True)
    title: Mapped[str] = mapped_column(String(300))
    title_norm: Mapped[str] = mapped_column(String(300))
    company_id: Mapped[int | None] = fk("companies.id", nullable=True)
    contact_id: Mapped[int | None] = fk("contacts.id", nullable=True)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | won | lost
    lost_reason: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()
    last_activity_at: Mapped[datetime] = created()
    closed_at: Mapped[datetime | None]
    origin_key: Mapped[str | None] = mapped_column(String(200))


class DealStageChange(Base):
    __tablename__ = "deal_stage_changes"
    __table_args__ = (Index("ix_deal_stage_changes_deal_at", "deal_id", "at"),  # 0011
                      # 0011, the funnel report
                      Index("ix_deal_stage_changes_at", "at", "deal_id", "to_stage_id"),
                      Index("ix_deal_stage_changes_deal_to", "deal_id", "to_stage_id", "at"))
    id: Mapped[int] = pk()
    deal_id: Mapped[int] = fk("deals.id", ondelete="CASCADE")
    from_stage_id: Mapped[int | None] = fk("stages.id", nullable=True)
    to_stage_id: Mapped[int | None] = fk("stages.id", nullable=True)
    actor_id: Mapped[int | None] = fk("users.id", nullable=True)
    at: Mapped[datetime] = created()
    note: Mapped[str | None] = mapped_column(Text)


# --- catalog -------------------------------------------------------------------------------


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = pk()
    sku: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    name_norm: Mapped[str] = mapped_column(String(300), index=True)
    unit: Mapped[str] = mapped_column(String(16), default="pcs")
    kind: Mapped[str] = mapped_column(String(8), default="good")  # good | service
    vat_rate: Mapped[str] = mapped_column(String(8))  # "22" | "10" | "0" | "none"
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class ProductPrice(Base):
    __tablename__ = "product_prices"
    __table_args__ = (UniqueConstraint("product_id", "price_list", "currency"),)
    id: Mapped[int] = pk()
    product_id: Mapped[int] = fk("products.id", ondelete="CASCADE")
    price_list: Mapped[str] = mapped_column(String(32), default="base")
    currency: Mapped[str] = mapped_column(String(3))
    price_minor: Mapped[int] = mapped_column(BigInteger)


# --- documents of the sale -----------------------------------------------------------------


class _Commercial:
    """Columns shared by quotes and invoices (a mixin, not a table)."""

    currency: Mapped[str] = mapped_column(String(3))
    tax_mode: Mapped[str] = mapped_column(String(12), default="per_line")
    language: Mapped[str] = mapped_column(String(8), default="ru")
    discount_percent: Mapped[Decimal | None]
    discount_minor: Mapped[int | None] = mapped_column(BigInteger)
    subtotal_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    price_list: Mapped[str | None] = mapped_column(String(32))  # migration 0008
    created_at: Mapped[datetime] = created()
    # Requisites as they were at issue (migration 0002): later edits never change a document.
    seller_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    buyer_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Quote(_Commercial, Base):
    __tablename__ = "quotes"
    __table_args__ = (UniqueConstraint("series_id", "number"),
                      Index("ix_quotes_number", "number"))
    id: Mapped[int] = pk()
    owner_id: Mapped[int] = fk("users.id")
    organization_id: Mapped[int] = fk("organizations.id")
    deal_id: Mapped[int | None] = fk("deals.id", nullable=True)
    company_id: Mapped[int | None] = fk("companies.id", nullable=True)
    contact_id: Mapped[int | None] = fk("contacts.id", nullable=True)
    series_id: Mapped[int | None] = fk("number_series.id", nullable=True)
    number: Mapped[int | None] = mapped_column(Integer)
    number_text: Mapped[str | None] = mapped_column(String(64))
    # draft | sent | accepted | changes_requested | expired (32 since migration 0002)
    status: Mapped[str] = mapped_column(String(32), default="draft")
    valid_until: Mapped[date | None] = mapped_column(Date)
    accepted_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    accepted_at: Mapped[datetime | None]
    change_request: Mapped[str | None] = mapped_column(Text)


class Invoice(_Commercial, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("series_id", "number"),
        Index("ix_invoices_owner_status", "owner_id", "status"),
        Index("ix_invoices_status_due", "status", "due_date"),
        Index("ix_invoices_number_text", "number_text"),
        Index("ix_invoices_number", "number"),
        Index("ix_invoices_total", "total_minor"),
        Index("ix_invoices_owner_total", "owner_id", "total_minor"),
        Index("ix_invoices_id_owner", "id", "owner_id"),  # migration 0009
        Index("ix_invoices_report", "currency", "issue_date", "owner_id", "company_id",
              "organization_id", "status", "total_minor", "paid_minor",
              "credited_minor"),  # migration 0011
        Index("ix_invoices_open", "currency", "status", "due_date", "owner_id",
              "organization_id", "company_id", "number", "total_minor", "paid_minor",
              "credited_minor", "id"),  # migration 0011: payment calendar
        Index("ix_invoices_id_scope", "id", "currency", "status", "owner_id",
              "organization_id"),  # migration 0011: money received
        # migration 0011, ABC/XYZ of clients: each client's months as one range
        Index("ix_invoices_client_report", "currency", "company_id", "issue_date", "status",
              "total_minor", "owner_id", "organization_id"),
    )
    id: Mapped[int] = pk()
    owner_id: Mapped[int] = fk("users.id")
    organization_id: Mapped[int] = fk("organizations.id")
    bank_account_id: Mapped[int | None] = fk("organization_accounts.id", nullable=True)
    deal_id: Mapped[int | None] = fk("deals.id", nullable=True)
    quote_id: Mapped[int | None] = fk("quotes.id", nullable=True)
    company_id: Mapped[int | None] = fk("companies.id", nullable=True)
    contact_id: Mapped[int | None] = fk("contacts.id", nullable=True)
    series_id: Mapped[int | None] = fk("number_series.id", nullable=True)
    number: Mapped[int | None] = mapped_column(Integer)
    number_text: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    issued_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    viewed_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)  # migration 0008
    credited_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # credit notes issued
    reminders_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Issue 16 (migration 0012): the delivery date when it differs from the issue date; for
    # an invoice in another currency than the organization's, the rate (organization's
    # currency per 1 unit of the invoice's); reverse charge («taxare inversă»); the legal
    # reason printed for lines without VAT.
    delivery_date: Mapped[date | None] = mapped_column(Date)
    exchange_rate: Mapped[Decimal | None]
    reverse_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    vat_exemption_reason: Mapped[str | None] = mapped_column(Text)
    reminders_stopped: Mapped[bool] = mapped_column(Boolean, default=False)


class DocumentLine(Base):
    """A priced line of a quote or an invoice (exactly one of the two is set)."""

    __tablename__ = "document_lines"
    __table_args__ = (Index("ix_document_lines_report", "invoice_id", "credit_note_id",
                            "product_id", "total_minor"),)  # migration 0011: sales by product
    id: Mapped[int] = pk()
    quote_id: Mapped[int | None] = fk("quotes.id", nullable=True, ondelete="CASCADE")
    invoice_id: Mapped[int | None] = fk("invoices.id", nullable=True, ondelete="CASCADE")
    credit_note_id: Mapped[int | None] = fk("credit_notes.id", nullable=True,
                                           ondelete="CASCADE")  # migration 0008
    source_line_id: Mapped[int | None] = fk("document_lines.id", nullable=True)  # credited line
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10), default="item")  # item | shipping | charge
    product_id: Mapped[int | None] = fk("products.id", nullable=True)
    name: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str] = mapped_column(String(16), default="pcs")
    quantity: Mapped[Decimal]
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    discount_percent: Mapped[Decimal | None]
    discount_minor: Mapped[int | None] = mapped_column(BigInteger)
    vat_rate: Mapped[str] = mapped_column(String(8))
    # "good" | "service" (migration 0012): what an act lists and a UPD ships; NULL on lines
    # written before, read then from the product, else taken as a service.
    supply: Mapped[str | None] = mapped_column(String(8))
    net_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class CreditNote(Base):
    """A correction reducing what an issued invoice asks for (migration 0008): whole or chosen
    lines; numbered in its own gapless series (kind "credit_note"). A refund of it is an
    outgoing payment (``payments.direction = "out"``, ``credit_note_id`` set)."""

    __tablename__ = "credit_notes"
    __table_args__ = (UniqueConstraint("series_id", "number"),
                      Index("ix_credit_notes_number", "number"))
    id: Mapped[int] = pk()
    invoice_id: Mapped[int] = fk("invoices.id")
    organization_id: Mapped[int] = fk("organizations.id")
    owner_id: Mapped[int] = fk("users.id")
    company_id: Mapped[int | None] = fk("companies.id", nullable=True)
    series_id: Mapped[int | None] = fk("number_series.id", nullable=True)
    number: Mapped[int | None] = mapped_column(Integer)
    number_text: Mapped[str | None] = mapped_column(String(64))
    issue_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="issued")  # issued | refunded
    created_by: Mapped[int | None] = fk("users.id", nullable=True)
    created_at: Mapped[datetime] = created()


class IssuedDocument(Base):
    """A document issued from an invoice or a credit note in its own gapless series
    (migration 0012): the act, the UPD, the corrective document. Numbered once, on first
    print, in the transaction that stores it; reprints keep the number and the date."""

    __tablename__ = "issued_documents"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "kind"),
                      UniqueConstraint("series_id", "number"),
                      Index("ix_issued_documents_number_text", "number_text"))
    id: Mapped[int] = pk()
    organization_id: Mapped[int] = fk("organizations.id")
    subject_type: Mapped[str] = mapped_column(String(16))  # invoice | credit_note
    subject_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))  # act | upd | correction
    series_id: Mapped[int] = fk("number_series.id")
    number: Mapped[int] = mapped_column(Integer)
    number_text: Mapped[str] = mapped_column(String(64))
    issue_date: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int | None] = fk("users.id", nullable=True)
    created_at: Mapped[datetime] = created()


class Document(Base):
    """Exact bytes we produced or received (PDFs sent, uploaded logos, statements)."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_subject", "subject_type", "subject_id"),
                      Index("ix_documents_view_hash", "subject_type", "subject_id",
                            "view_hash"))
    id: Mapped[int] = pk()
    kind: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[int | None] = fk("users.id", nullable=True)
    created_at: Mapped[datetime] = created()
    # The hash of the view a PDF was rendered from (migration 0005): unchanged → same bytes.
    view_hash: Mapped[str | None] = mapped_column(String(64))


class DocumentDelivery(Base):
    """One sending of a stored document to someone, through one channel."""

    __tablename__ = "document_deliveries"
    id: Mapped[int] = pk()
    document_id: Mapped[int] = fk("documents.id")
    channel: Mapped[str] = mapped_column(String(16))  # telegram | email | link
    recipient: Mapped[str] = mapped_column(String(254))
    sent_at: Mapped[datetime] = created()
    actor_id: Mapped[int | None] = fk("users.id", nullable=True)


class AccessToken(Base):
    """Unguessable, revocable tokens: deep links for customers and public document links."""

    __tablename__ = "access_tokens"
    id: Mapped[int] = pk()
    token: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # deep_link | public_link
    subject_type: Mapped[str] = mapped_column(String(16))  # invoice | quote | statement
    subject_id: Mapped[int] = mapped_column(BigInteger)
    contact_id: Mapped[int | None] = fk("contacts.id", nullable=True)
    created_by: Mapped[int | None] = fk("users.id", nullable=True)
    created_at: Mapped[datetime] = created()
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]


# --- money in --------------------------------------------------------------------------------


class BankStatement(Base):
    __tablename__ = "bank_statements"
    id: Mapped[int] = pk()
    organization_id: Mapped[int | None] = fk("organizations.id", nullable=True)
    format: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_by: Mapped[int | None] = fk("users.id", nullable=True)
    imported_at: Mapped[datetime] = created()
    transactions: Mapped[int] = mapped_column(Integer, default=0)
    new_payments: Mapped[int] = mapped_column(Integer, default=0)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_payments_status", "status"),
        # Migration 0009: whose a payment is, read from the index (storage/search.py).
        Index("ix_payments_amount_visible", "amount_minor", "status", "company_id",
              "created_by", "id"),
        Index("ix_payments_doc_number", "doc_number"),
        Index("ix_payments_received", "currency", "received_on", "status",
              "direction"),  # migration 0011
    )
    id: Mapped[int] = pk()
    source: Mapped[str] = mapped_column(String(16))  # bank | cash | card | telegram
    external_id: Mapped[str] = mapped_column(String(128))
    organization_id: Mapped[int | None] = fk("organizations.id", nullable=True)
    company_id: Mapped[int | None] = fk("companies.id", nullable=True)
    statement_id: Mapped[int | None] = fk("bank_statements.id", nullable=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date] = mapped_column(Date)
    payer_name: Mapped[str | None] = mapped_column(String(300))
    payer_tax_id: Mapped[str | None] = mapped_column(String(20))
    payer_account: Mapped[str | None] = mapped_column(String(34))
    purpose: Mapped[str | None] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="unmatched")
    direction: Mapped[str] = mapped_column(String(3), default="in")  # in | out (a refund)
    credit_note_id: Mapped[int | None] = fk("credit_notes.id", nullable=True)
    reversed_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = fk("users.id", nullable=True)
    created_at: Mapped[datetime] = created()


class PaymentAllocation(Base):
    __tablename__ = "payment_allocations"
    __table_args__ = (Index("ix_payment_allocations_payment_invoice", "payment_id",
                            "invoice_id"),  # migration 0009
                      Index("ix_payment_allocations_invoice", "invoice_id", "reversed_at",
                            "payment_id", "amount_minor"),  # migration 0011
                      Index("ix_payment_allocations_payment_live", "payment_id",
                            "reversed_at", "invoice_id",
                            "amount_minor"))  # migration 0011: money received
    id: Mapped[int] = pk()
    payment_id: Mapped[int] = fk("payments.id")
    invoice_id: Mapped[int | None] = fk("invoices.id", nullable=True)
    installment_id: Mapped[int | None] = fk("installments.id", nullable=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = fk("users.id", nullable=True)
    created_at: Mapped[datetime] = created()
    reversed_at: Mapped[datetime | None]


class PaymentScope(Base):
    """Who may see a payment, by amount (migration 0010): one row per (manager, payment) for
    each reason a manager may see it (they recorded it, it is of their client, it is allocated
    to their invoice), written with the payment, its allocation or an ownership change
    (storage/payment_scopes.py). A scoped search by amount reads a handful of these from the
    primary key and still checks each payment (a stale row shows nothing)."""

    __tablename__ = "payment_scopes"
    __table_args__ = {"sqlite_with_rowid": False}
    owner_id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                              autoincrement=False)
    payment_id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=False)


class Shipment(Base):
    __tablename__ = "shipments"
    id: Mapped[int] = pk()
    invoice_id: Mapped[int] = fk("invoices.id")
    kind: Mapped[str] = mapped_column(String(16))  # act | delivery_note
    on_credit: Mapped[bool] = mapped_column(Boolean, default=False)
    guarantee_until: Mapped[date | None] = mapped_column(Date)
    document_id: Mapped[int | None] = fk("documents.id", nullable=True)
    created_by: Mapped[int | None] = fk("users.id", nullable=True)
    created_at: Mapped[datetime] = created()


class Installment(Base):
    __tablename__ = "installments"
    __table_args__ = (Index("ix_installments_due", "status", "due_date"),
                      Index("ix_installments_invoice_due", "invoice_id", "due_date"))  # 0011
    id: Mapped[int] = pk()
    invoice_id: Mapped[int] = fk("invoices.id", ondelete="CASCADE")
    due_date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(12), default="open")


class Contract(Base):
    __tablename__ = "contracts"
    # 0015: the user's action that drew it (the confirmation's button), once
    __table_args__ = (Index("uq_contracts_origin_key", "origin_key", unique=True),)
    id: Mapped[int] = pk()
    owner_id: Mapped[int] = fk("users.id")
    company_id: Mapped[int | None] = fk("companies.id", nullable=True)
    contact_id: Mapped[int | None] = fk("contacts.id", nullable=True)
    title: Mapped[str] = mapped_column(String(300))
    number: Mapped[str | None] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = created()
    # Issue 19 (migration 0015): a contract drawn from a deal — its organization, language and
    # price (with VAT, in its currency). Its number is taken in its own gapless series
    # (`issued_documents`, kind "contract") and its PDF, stored once, is what is signed.
    # A contract only recorded (title and dates) has none of these.
    deal_id: Mapped[int | None] = fk("deals.id", nullable=True)
    organization_id: Mapped[int | None] = fk("organizations.id", nullable=True)
    language: Mapped[str | None] = mapped_column(String(8))
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    origin_key: Mapped[str | None] = mapped_column(String(200))


# --- work of the managers --------------------------------------------------------------------


class Task(Base):
    """A task (due time) or an event: meeting / call (start and end)."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_owner_due", "owner_id", "status", "due_at"),
                      Index("ix_tasks_owner_done", "owner_id", "done_at"),  # migration 0011
                      # 0013: the user's action that created it (an alert's button), once
                      Index("uq_tasks_origin_key", "origin_key", unique=True))
    id: Mapped[int] = pk()
    owner_id: Mapped[int] = fk("users.id")
    kind: Mapped[str] = mapped_column(String(8))  # task | meeting | call
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    deal_id: Mapped[int | None] = fk("deals.id", nullable=True)
    company_id: Mapped[int | None] = fk("companies.id", nullable=True)
    contact_id: Mapped[int | None] = fk("contacts.id", nullable=True)
    due_at: Mapped[datetime | None]
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    remind_client: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = fk("users.id", nullable=True)  # migration 0008
    created_at: Mapped[datetime] = created()
    origin_key: Mapped[str | None] = mapped_column(String(200))


class MeetingSlot(Base):
    """A time the manager offers for a meeting the client may move it to (migration 0013)."""

    __tablename__ = "meeting_slots"
    __table_args__ = (UniqueConstraint("task_id", "starts_at"),)
    id: Mapped[int] = pk()
    task_id: Mapped[int] = mapped_column(ID, ForeignKey("tasks.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    created_at: Mapped[datetime] = created()


class TaskComment(Base):
    """A comment on a task (migration 0008)."""

    __tablename__ = "task_comments"
    id: Mapped[int] = pk()
    task_id: Mapped[int] = fk("tasks.id", ondelete="CASCADE")
    author_id: Mapped[int] = fk("users.id")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created()


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_subject", "company_id", "contact_id", "deal_id"),
                      Index("ix_interactions_owner_at", "owner_id", "occurred_at"),  # 0011
                      Index("ix_interactions_lead_at", "lead_id", "occurred_at"))
    id: Mapped[int] = pk()
    owner_id: Mapped[int] = fk("users.id")
    kind: Mapped[str] = mapped_column(String(8))  # call | meeting | email | message | note
    company_id: Mapped[int | None] = fk("companies.id", nullable=True)
    contact_id: Mapped[int | None] = fk("contacts.id", nullable=True)
    deal_id: Mapped[int | None] = fk("deals.id", nullable=True)
    lead_id: Mapped[int | None] = fk("leads.id", nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = fk("documents.id", nullable=True)
    file_id: Mapped[int | None] = fk("files.id", nullable=True)  # migration 0008
    occurred_at: Mapped[datetime] = created()


class StoredFile(Base):
    """A file a manager sent to a client or deal card (migration 0008): Telegram keeps the
    bytes, we keep its file_id (to send it back) plus name, size and type."""

    __tablename__ = "files"
    __table_args__ = (Index("ix_files_company", "company_id", "created_at"),
                      Index("ix_files_deal", "deal_id", "created_at"))
    id: Mapped[int] = pk()
    owner_id: Mapped[int] = fk("users.id")
    company_id: Mapped[int | None] = fk("companies.id", nullable=True)
    deal_id: Mapped[int | None] = fk("deals.id", nullable=True)
    kind: Mapped[str] = mapped_column(String(16))  # document | photo | voice | video | ...
    telegram_file_id: Mapped[str] = mapped_column(String(255))
    telegram_unique_id: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255), default="")
    mime_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    caption: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = fk("users.id", nullable=True)
    created_at: Mapped[datetime] = created()


# --- Telegram Business (migration 0014) ----------------------------------------------------


class BusinessConnection(Base):
    """A staff member's Telegram Business account connected to the bot: Telegram's connection
    id, whether it is on, and the rights Telegram grants (the reply right apart)."""

    __tablename__ = "business_connections"
    id: Mapped[int] = pk()
    connection_id: Mapped[str] = mapped_column(String(255), unique=True)
    user_id: Mapped[int] = fk("users.id")
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    user_chat_id: Mapped[int] = mapped_column(BigInteger)
    is_enabled: Mapped[bool] = mapped_column(Boolean)
    can_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    rights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()


class BusinessChat(Base):
    """A customer's chat in a manager's business account: who wrote, whom they are on our
    side (a contact, or a lead), or that the manager excluded it (then nothing is stored)."""

    __tablename__ = "business_chats"
    __table_args__ = (UniqueConstraint("user_id", "chat_id"),)
    id: Mapped[int] = pk()
    user_id: Mapped[int] = fk("users.id")
    chat_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(200), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    contact_id: Mapped[int | None] = fk("contacts.id", nullable=True)
    lead_id: Mapped[int | None] = fk("leads.id", nullable=True)
    # The customer's first message here (business_messages.id): the lead's note, one push.
    first_message_id: Mapped[int | None] = mapped_column(BigInteger)
    excluded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()


class BusinessMessage(Base):
    """One message of a business chat, keyed as Telegram keys it (redelivery stores it once),
    with the timeline entry it made, its earlier texts and its deletion."""

    __tablename__ = "business_messages"
    __table_args__ = (UniqueConstraint("connection_id", "chat_id", "message_id"),)
    id: Mapped[int] = pk()
    connection_id: Mapped[int] = fk("business_connections.id")
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    business_chat_id: Mapped[int] = fk("business_chats.id")
    outgoing: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(16))  # text | photo | document | ... | sticker
    text: Mapped[str] = mapped_column(Text, default="")
    interaction_id: Mapped[int | None] = fk("interactions.id", nullable=True)
    edits: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"text", "at"}], oldest first
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    sent_at: Mapped[datetime]
    created_at: Mapped[datetime] = created()


# --- mail (migration 0016) -----------------------------------------------------------------


class Mailbox(Base):
    """The company mailbox the bot watches over IMAP: how far it has read (`last_uid` under
    `uidvalidity`), from when (`since`: older messages are never processed) and its failure
    streak (admins are told once per streak, keyed by `failing_since`)."""

    __tablename__ = "mail_mailboxes"
    id: Mapped[int] = pk()
    name: Mapped[str] = mapped_column(String(300), unique=True)  # user@host/folder
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    since: Mapped[datetime]
    failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created()


class MailMessage(Base):
    """One incoming message, processed once: unique by (mailbox, UIDVALIDITY, UID) and by its
    Message-ID. It ties the mail thread to the client (company, contact) or to the lead made
    from it, and to the timeline entry it became; `facts` is what was read from it for a
    lead (name, phone, company, tax id) and the text shown in the push."""

    __tablename__ = "mail_messages"
    __table_args__ = (UniqueConstraint("mailbox_id", "uidvalidity", "uid"),)
    id: Mapped[int] = pk()
    mailbox_id: Mapped[int] = fk("mail_mailboxes.id")
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    references: Mapped[str] = mapped_column(Text, default="")
    from_addr: Mapped[str] = mapped_column(String(254), default="")
    from_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16))  # client | unverified | unknown
    verified: Mapped[bool] = mapped_column(Boolean, default=True)
    owner_id: Mapped[int | None] = fk("users.id", nullable=True)  # the manager pushed
    company_id: Mapped[int | None] = fk("companies.id", nullable=True)
    contact_id: Mapped[int | None] = fk("contacts.id", nullable=True)
    lead_id: Mapped[int | None] = fk("leads.id", nullable=True)
    interaction_id: Mapped[int | None] = fk("interactions.id", nullable=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime]
    created_at: Mapped[datetime] = created()


class MailReply(Base):
    """A reply typed in the chat, leaving by SMTP through the outbox (`outbox_key`): its own
    Message-ID (kept across retries), In-Reply-To and References of the thread; `sent_at`
    and the timeline entry are written once the SMTP server took it. `action_key` is the
    manager's action (one tap twice is one reply)."""

    __tablename__ = "mail_replies"
    id: Mapped[int] = pk()
    mail_message_id: Mapped[int] = fk("mail_messages.id")
    owner_id: Mapped[int] = fk("users.id")
    company_id: Mapped[int | None] = fk("companies.id", nullable=True)
    action_key: Mapped[str] = mapped_column(String(200), unique=True)
    outbox_key: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int | None] = fk("documents.id", nullable=True)
    interaction_id: Mapped[int | None] = fk("interactions.id", nullable=True)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created()


# --- infrastructure ---------------------------------------------------------------------------


class OutboxMessage(Base):
    """A durable message waiting to be sent; the scheduler is only the clock."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "due_at"),)
    id: Mapped[int] = pk()
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16))  # telegram | email
    kind: Mapped[str] = mapped_column(String(32))
    recipient_user_id: Mapped[int | None] = fk("users.id", nullable=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    email: Mapped[str | None] = mapped_column(String(254))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    invoice_id: Mapped[int | None] = fk("invoices.id", nullable=True, ondelete="SET NULL")
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created()


class JobWatermark(Base):
    """How far a scheduled job has looked (migration 0006): everything due up to `watermark`
    is in the outbox, so after downtime the job picks up from here, not from "now"."""

    __tablename__ = "job_watermarks"
    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    watermark: Mapped[datetime]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_subject", "entity", "entity_id"),)
    id: Mapped[int] = pk()
    actor_id: Mapped[int | None] = fk("users.id", nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Migration 0008: the client and deal an entry belongs to, for their timelines.
    company_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    deal_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    at: Mapped[datetime] = created()


class SalesPlan(Base):
    """A manager's sales plan for a month in one currency (migration 0011): `basis` says what
    counts towards it, "paid" (money received in the month on their invoices) or "invoiced"
    (invoices issued in the month); `month` is the month's first day."""

    __tablename__ = "sales_plans"
    __table_args__ = (UniqueConstraint("user_id", "month", "currency"),)
    id: Mapped[int] = pk()
    user_id: Mapped[int] = mapped_column(ID, ForeignKey("users.id"))
    month: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    basis: Mapped[str] = mapped_column(String(8))  # paid | invoiced
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    set_by: Mapped[int | None] = mapped_column(ID, ForeignKey("users.id"))
    updated_at: Mapped[datetime] = created()


class ReportOptout(Base):
    """A push a user turned off (migration 0011): a report, "weekly" (heads, Monday) or
    "monthly" (admins, the 1st), from its own button; an alert kind (0013: "digest",
    "overdue", "installment", "guarantee", "contract", "task") from the alert settings."""

    __tablename__ = "report_optouts"
    user_id: Mapped[int] = mapped_column(ID, ForeignKey("users.id"), primary_key=True,
                                         autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = created()


class FsmRecord(Base):
    """aiogram FSM state and data, so a flow survives a restart without Redis."""

    __tablename__ = "fsm_state"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = created()
