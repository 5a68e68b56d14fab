"""Our organizations, the catalog, the gapless number series, quotes and invoices with their
lines, in memory; each method does what its SQL twin in storage/ does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from services.catalog import Price, Product, ProductDraft, price_from_minor, price_minor
from services.invoices import BuyerRequisites, Invoice, Line, Party, line_from_row
from services.invoices.query import InvoiceQuery
from services.money import from_minor, to_minor
from services.organizations import BankAccount, Organization, OrganizationDraft
from services.quotes import Quote

if TYPE_CHECKING:
    from tests.fakes.store import State


# --- organizations --------------------------------------------------------------------------


class FakeOrganizationRepository:
    def __init__(self, state: State) -> None:
        self._t = state

    async def add(self, draft: OrganizationDraft, now: datetime) -> Organization:
        org_id = self._t.next_id("organizations")
        account = draft.account or draft.iban
        accounts = (BankAccount(id=self._t.next_id("organization_accounts"),
                                organization_id=org_id, bank_name=draft.bank_name or "",
                                bik=draft.bik, bic=draft.bic, account=account,
                                corr_account=draft.corr_account, currency=draft.currency,
                                is_default=True),) if account else ()
        org = Organization(
            id=org_id, name=draft.name, legal_name=draft.legal_name or "",
            country=draft.country, tax_id=draft.tax_id, kpp=draft.kpp,
            vat_payer=bool(draft.vat_payer), address=draft.address or "",
            director=draft.director or "", accountant=draft.accountant or "",
            currency=draft.currency, language=draft.language or "ru",
            invoice_prefix=draft.invoice_prefix or "", number_pattern=draft.number_pattern,
            payment_terms_days=draft.payment_terms_days or 5, accounts=accounts)
        self._t.organizations[org_id] = org
        return org

    async def get(self, org_id: int) -> Organization | None:
        return self._t.organizations.get(org_id)

    async def list(self) -> Sequence[Organization]:
        return [o for _, o in sorted(self._t.organizations.items())]

    async def first(self) -> Organization | None:
        return min(self._t.organizations.items())[1] if self._t.organizations else None

    async def update(self, org_id: int, values: Mapping[str, Any]) -> None:
        self._t.organizations[org_id] = replace(self._t.organizations[org_id], **values)

    async def update_account(self, account_id: int, values: Mapping[str, Any]) -> None:
        for org_id, org in list(self._t.organizations.items()):
            accounts = tuple(replace(a, **values) if a.id == account_id else a
                             for a in org.accounts)
            self._t.organizations[org_id] = replace(org, accounts=accounts)


# --- catalog --------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())


class FakeProductRepository:
    def __init__(self, state: State) -> None:
        self._t = state

    def _product(self, row: dict[str, Any]) -> Product:
        prices = [price_from_minor(p["price_list"], p["currency"], p["price_minor"])
                  for p in sorted(self._t.product_prices.values(), key=lambda p: p["id"])
                  if p["product_id"] == row["id"]]
        return Product(id=row["id"], sku=row["sku"], name=row["name"], unit=row["unit"],
                       kind=row["kind"], vat_code=row["vat_rate"],
                       is_active=bool(row["is_active"]), prices=tuple(prices))

    async def get(self, product_id: int) -> Product | None:
        row = self._t.products.get(product_id)
        return self._product(row) if row else None

    async def by_sku(self, sku: str) -> Product | None:
        row = next((r for r in self._t.products.values() if r["sku"] == sku), None)
        return self._product(row) if row else None

    async def by_name(self, name: str) -> Product | None:
        rows = sorted((r for r in self._t.products.values() if r["name_norm"] == _norm(name)),
                      key=lambda r: r["id"])
        return self._product(rows[0]) if rows else None

    async def search(self, query: str, limit: int, archived: bool = False
                     ) -> Sequence[Product]:
        key = _norm(query)
        rows = sorted((r for r in self._t.products.values() if bool(r["is_active"]) != archived
                       and (r["sku"] == query or r["name_norm"].startswith(key))),
                      key=lambda r: (r["name_norm"], r["id"]))
        return [self._product(r) for r in rows[:limit]]

    def _check_sku(self, sku: str | None, product_id: int | None) -> None:
        if sku and any(r["sku"] == sku and r["id"] != product_id
                       for r in self._t.products.values()):
            raise self._t.integrity("products.sku")

    async def add(self, draft: ProductDraft) -> Product:
        self._check_sku(draft.sku, None)
        row = {"id": self._t.next_id("products"), "sku": draft.sku, "name": draft.name,
               "name_norm": _norm(draft.name), "unit": draft.unit, "kind": draft.kind,
               "vat_rate": draft.vat_code, "is_active": True}
        self._t.products[row["id"]] = row
        await self.set_prices(row["id"], draft.prices)
        return self._product(row)

    async def update(self, product_id: int, draft: ProductDraft) -> Product:
        row = self._t.products[product_id]
        if draft.sku:
            self._check_sku(draft.sku, product_id)
            row["sku"] = draft.sku
        row.update(name=draft.name, name_norm=_norm(draft.name), unit=draft.unit,
                   kind=draft.kind, vat_rate=draft.vat_code, is_active=True)
        await self.set_prices(product_id, draft.prices)
        return self._product(row)

    async def set_prices(self, product_id: int, prices: Sequence[Price]) -> None:
        """Replaces the price of each (price list, currency) given; the others stay."""
        for p in prices:
            minor = price_minor(p)
            for pid, row in list(self._t.product_prices.items()):
                if (row["product_id"], row["price_list"], row["currency"]) == (
                        product_id, p.price_list, p.currency):
                    del self._t.product_prices[pid]
            new_id = self._t.next_id("product_prices")
            self._t.product_prices[new_id] = {
                "id": new_id, "product_id": product_id, "price_list": p.price_list,
                "currency": p.currency, "price_minor": minor}

    async def page(self, archived: bool, offset: int, limit: int
                   ) -> tuple[Sequence[Product], int]:
        rows = sorted((r for r in self._t.products.values()
                       if bool(r["is_active"]) != archived),
                      key=lambda r: (r["name_norm"], r["id"]))
        return [self._product(r) for r in rows[offset:offset + limit]], len(rows)

    async def set_fields(self, product_id: int, values: Mapping[str, Any]) -> None:
        row = self._t.products[product_id]
        unknown = set(values) - {"name", "unit", "vat_rate", "is_active"}
        if unknown:
            raise TypeError(f"unknown product columns {sorted(unknown)}")
        row.update(values)
        if "name" in values:
            row["name_norm"] = _norm(str(values["name"]))

    async def price_lists(self) -> Sequence[str]:
        codes = {p["price_list"] for p in self._t.product_prices.values()}
        return sorted(codes, key=lambda c: (c != "base", c.casefold()))

    async def company_price_list(self, company_id: int) -> str | None:
        row = self._t.companies.get(company_id)
        return row.get("price_list") if row else None


# --- numbering ------------------------------------------------------------------------------


class FakeNumberSeriesRepository:
    """The counter row per (organization, kind, year), created on first use with the prefix
    given then (later prefixes do not change it, as ON CONFLICT DO NOTHING)."""

    def __init__(self, state: State) -> None:
        self._t = state

    async def take_next(self, organization_id: int, kind: str, year: int,
                        prefix: str) -> tuple[int, int]:
        key = (organization_id, kind, year)
        row = self._t.number_series.get(key)
        if row is None:
            if organization_id not in self._t.organizations:
                raise self._t.integrity("number_series.organization_id")
            row = {"id": self._t.next_id("number_series"), "prefix": prefix, "last_number": 0}
            self._t.number_series[key] = row
        row["last_number"] += 1
        return int(row["id"]), int(row["last_number"])

    async def last_number(self, organization_id: int, kind: str, year: int) -> int:
        row = self._t.number_series.get((organization_id, kind, year))
        return int(row["last_number"]) if row else 0


# --- quotes and invoices --------------------------------------------------------------------

COMMERCIAL_DEFAULTS: dict[str, Any] = {
    "deal_id": None, "company_id": None, "contact_id": None, "series_id": None,
    "number": None, "number_text": None, "status": "draft", "tax_mode": "per_line",
    "language": "ru", "discount_percent": None, "discount_minor": None, "subtotal_minor": 0,
    "discount_total_minor": 0, "vat_minor": 0, "total_minor": 0, "seller_snapshot": None,
    "buyer_snapshot": None, "price_list": None}
INVOICE_DEFAULTS: dict[str, Any] = {
    **COMMERCIAL_DEFAULTS, "bank_account_id": None, "quote_id": None, "issue_date": None,
    "due_date": None, "paid_minor": 0, "issued_at": None, "sent_at": None, "viewed_at": None,
    "paid_at": None, "cancelled_at": None, "reminders_paused": False,
    "reminders_stopped": False, "cancel_reason": None, "credited_minor": 0,
    # issue 16, the invoice's market fields
    "delivery_date": None, "exchange_rate": None, "reverse_charge": False,
    "vat_exemption_reason": None}
QUOTE_DEFAULTS: dict[str, Any] = {
    **COMMERCIAL_DEFAULTS, "valid_until": None, "accepted_by_telegram_id": None,
    "accepted_at": None, "change_request": None}
REQUIRED = ("owner_id", "organization_id", "currency")
TOTAL_COLUMNS = {"subtotal": "subtotal_minor", "discount_total": "discount_total_minor",
                 "vat_total": "vat_minor", "grand_total": "total_minor"}


def _common(row: Mapping[str, Any], buyer_name: str | None,
            lines: tuple[Line, ...]) -> dict[str, Any]:
    c = row["currency"]
    return {
        "id": row["id"], "owner_id": row["owner_id"], "organization_id": row["organization_id"],
        "company_id": row["company_id"], "deal_id": row["deal_id"],
        "contact_id": row["contact_id"], "buyer_name": buyer_name or "",
        "status": row["status"], "currency": c, "tax_mode": row["tax_mode"],
        "language": row["language"], "discount_percent": row["discount_percent"],
        "discount_amount": (from_minor(row["discount_minor"], c)
                            if row["discount_minor"] is not None else None),
        "subtotal": from_minor(row["subtotal_minor"], c),
        "discount_total": from_minor(row["discount_total_minor"], c),
        "vat_total": from_minor(row["vat_minor"], c),
        "grand_total": from_minor(row["total_minor"], c),
        "series_id": row["series_id"], "number": row["number"],
        "number_text": row["number_text"], "created_at": row["created_at"], "lines": lines,
        "price_list": row.get("price_list") or "base",
        "seller": Party.from_dict(row["seller_snapshot"]) if row["seller_snapshot"] else None,
        "buyer": Party.from_dict(row["buyer_snapshot"]) if row["buyer_snapshot"] else None}


class _FakeDocuments:
    kind = "invoice"
    defaults: dict[str, Any] = INVOICE_DEFAULTS

    def __init__(self, state: State) -> None:
        self._t = state

    @property
    def _rows(self) -> dict[int, dict[str, Any]]:
        rows: dict[int, dict[str, Any]] = getattr(self._t, f"{self.kind}s")
        return rows

    def _build(self, row: dict[str, Any], lines: tuple[Line, ...]) -> Any:
        raise NotImplementedError

    def _doc(self, row: dict[str, Any], with_lines: bool = True) -> Any:
        lines: tuple[Line, ...] = ()
        if with_lines:
            stored = sorted(self._t.document_lines.get((self.kind, row["id"]), []),
                            key=lambda r: r["position"])
            lines = tuple(line_from_row(r, row["currency"]) for r in stored)
        return self._build(row, lines)

    def _buyer_name(self, row: Mapping[str, Any]) -> str | None:
        company = self._t.companies.get(row["company_id"]) if row["company_id"] else None
        return company["name"] if company else None

    async def add(self, fields: Mapping[str, Any]) -> int:
        unknown = set(fields) - set(self.defaults) - {*REQUIRED, "created_at"}
        if unknown:
            raise TypeError(f"unknown {self.kind} columns {sorted(unknown)}")
        missing = [c for c in REQUIRED if fields.get(c) is None]
        if missing:
            raise self._t.integrity(f"{self.kind}s.{missing[0]} NOT NULL")
        row = {**self.defaults, "created_at": self._t.clock_now(), **fields,
               "id": self._t.next_id(f"{self.kind}s")}
        self._rows[row["id"]] = row
        return int(row["id"])

    async def get(self, doc_id: int, owner_id: int | None) -> Any:
        row = self._rows.get(doc_id)
        if row is None or (owner_id is not None and row["owner_id"] != owner_id):
            return None
        return self._doc(row)

    async def save_draft(self, doc_id: int, lines: Sequence[Mapping[str, Any]],
                         totals: Mapping[str, int], header: Mapping[str, Any]) -> None:
        row = self._rows[doc_id]
        self._t.document_lines[(self.kind, doc_id)] = [
            {**line, "quantity": Decimal(line["quantity"])} for line in lines]
        values: dict[str, Any] = {TOTAL_COLUMNS[k]: v for k, v in totals.items()
                                  if k in TOTAL_COLUMNS}
        for key, value in header.items():
            if key == "discount_amount":
                currency = header.get("currency") or row["currency"]
                values["discount_minor"] = (to_minor(value, str(currency))
                                            if value is not None else None)
            elif key in self.defaults or key in REQUIRED:
                values[key] = value
            else:
                raise TypeError(f"unknown {self.kind} column {key!r}")
        row.update(values)

    async def update(self, doc_id: int, values: Mapping[str, Any],
                     expected: Sequence[str] | None = None) -> bool:
        row = self._rows.get(doc_id)
        if row is None or (expected is not None and row["status"] not in expected):
            return False
        unknown = set(values) - set(self.defaults) - set(REQUIRED)
        if unknown:
            raise TypeError(f"unknown {self.kind} columns {sorted(unknown)}")
        if values.get("number") is not None and any(
                r["series_id"] == values.get("series_id", row["series_id"])
                and r["number"] == values["number"] and r["id"] != doc_id
                for r in self._rows.values()):
            raise self._t.integrity(f"{self.kind}s UNIQUE(series_id, number)")
        row.update(values)
        return True

    async def list(self, owner_id: int | None, statuses: Sequence[str] | None, offset: int,
                   limit: int) -> tuple[Sequence[Any], int]:
        rows = [r for r in self._rows.values()
                if (owner_id is None or r["owner_id"] == owner_id)
                and (not statuses or r["status"] in statuses)]
        rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
        page = rows[max(0, offset):max(0, offset) + limit]
        return [self._doc(r, with_lines=False) for r in page], len(rows)

    async def sums_by_currency(self, owner_id: int | None,
                               statuses: Sequence[str]) -> dict[str, int]:
        sums: dict[str, int] = {}
        for r in self._rows.values():
            if r["status"] in statuses and (owner_id is None or r["owner_id"] == owner_id):
                sums[r["currency"]] = sums.get(r["currency"], 0) + int(r["total_minor"])
        return sums

    async def company_requisites(self, company_id: int) -> BuyerRequisites | None:
        c = self._t.companies.get(company_id)
        if c is None:
            return None
        return BuyerRequisites(
            id=c["id"], owner_id=c["owner_id"], name=c["name"], legal_form=c["legal_form"],
            country=c["country"], tax_id=c["tax_id"], kpp=c["kpp"],
            address=c["legal_address"], phone=c["phone"], email=c["email"],
            payment_terms_days=c["payment_terms_days"])


class FakeInvoiceRepository(_FakeDocuments):
    kind = "invoice"
    defaults = INVOICE_DEFAULTS

    def _build(self, row: dict[str, Any], lines: tuple[Line, ...]) -> Invoice:
        return Invoice(**_common(row, self._buyer_name(row), lines),
                       bank_account_id=row["bank_account_id"], quote_id=row["quote_id"],
                       issue_date=row["issue_date"], due_date=row["due_date"],
                       paid=from_minor(row["paid_minor"], row["currency"]),
                       issued_at=row["issued_at"], cancelled_at=row["cancelled_at"],
                       credited=from_minor(row["credited_minor"], row["currency"]),
                       cancel_reason=row["cancel_reason"], sent_at=row["sent_at"],
                       delivery_date=row["delivery_date"], exchange_rate=row["exchange_rate"],
                       reverse_charge=bool(row["reverse_charge"]),
                       vat_exemption_reason=row["vat_exemption_reason"])

    async def last_issued(self, company_id: int, owner_id: int | None) -> int | None:
        rows = sorted((r for r in self._rows.values()
                       if r["company_id"] == company_id
                       and r["status"] not in ("draft", "cancelled")
                       and (owner_id is None or r["owner_id"] == owner_id)),
                      key=lambda r: (r["issued_at"], r["id"]))
        return rows[-1]["id"] if rows else None

    async def id_from_quote(self, quote_id: int) -> int | None:
        ids = sorted(r["id"] for r in self._rows.values()
                     if r["quote_id"] == quote_id and r["status"] != "cancelled")
        return ids[0] if ids else None

    def _matches(self, r: dict[str, Any], owner_id: int | None, q: InvoiceQuery) -> bool:
        if owner_id is not None and r["owner_id"] != owner_id:
            return False
        if q.statuses is not None and r["status"] not in q.statuses:
            return False
        if q.company_id is not None and r["company_id"] != q.company_id:
            return False
        if q.due_before is not None and not (r["due_date"] and r["due_date"] < q.due_before):
            return False
        if q.start is not None and q.end is not None:
            if r["issue_date"] is not None:
                return bool(q.start <= r["issue_date"] <= q.end)
            return (q.created_from is not None and q.created_to is not None
                    and q.created_from <= r["created_at"] < q.created_to)
        return True

    async def list_filtered(self, owner_id: int | None, query: InvoiceQuery, offset: int,
                            limit: int) -> tuple[Sequence[Any], int]:
        rows = [r for r in self._rows.values() if self._matches(r, owner_id, query)]
        rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
        page = rows[max(0, offset):max(0, offset) + limit]
        return [self._doc(r, with_lines=False) for r in page], len(rows)

    async def sums_filtered(self, owner_id: int | None, query: InvoiceQuery
                            ) -> dict[str, int]:
        sums: dict[str, int] = {}
        for r in self._rows.values():
            if self._matches(r, owner_id, query):
                sums[r["currency"]] = sums.get(r["currency"], 0) + int(r["total_minor"])
        return sums


class FakeQuoteRepository(_FakeDocuments):
    kind = "quote"
    defaults = QUOTE_DEFAULTS

    def _build(self, row: dict[str, Any], lines: tuple[Line, ...]) -> Quote:
        return Quote(**_common(row, self._buyer_name(row), lines),
                     valid_until=row["valid_until"],
                     accepted_by_telegram_id=row["accepted_by_telegram_id"],
                     accepted_at=row["accepted_at"], change_request=row["change_request"])
