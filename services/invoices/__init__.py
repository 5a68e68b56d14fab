"""Invoices (and the line editing quotes share): drafts, issue with a gapless number, status.

Invariants:
- every change to a draft prices ALL its lines again with `compute_totals` and stores the
  result (lines and totals, in minor units) in the same transaction: the draft card, the
  database and the PDF show the same numbers;
- bad input changes nothing: it raises InvalidInput before anything is written;
- only drafts are edited; an issued invoice is corrected by cancelling and reissuing (a new
  draft with the same lines) or by a new document;
- a number is assigned only when the invoice is issued, in the issuing transaction
  (`services.numbering`); a cancelled invoice keeps its number;
- status changes follow `INVOICE_TRANSITIONS`; any other is a Conflict;
- every read and write is scoped by the actor: another manager's invoice is NotFound.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar
from zoneinfo import ZoneInfo

from services.catalog import Product, vat_code, vat_from_code
from services.clock import Clock
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.money import (
    AmountError,
    UnknownCurrencyError,
    check_currency,
    from_minor,
    parse_amount,
    parse_percent,
    parse_quantity,
    to_minor,
)
from services.numbering import assign_number
from services.organizations import DEFAULT_LANGUAGE, TAX_ID_LABEL, Organization
from services.pricing import (
    LINE_KINDS,
    MAX_LINES,
    TAX_MODES,
    LineInput,
    PricingError,
    TaxMode,
    VatRate,
    compute_totals,
    vat_rates_for,
)
from services.text import clean_name as clean_typed_name
from services.users import Actor

if TYPE_CHECKING:
    from services.ports import DocumentRepository, UnitOfWork, UowFactory

LINE_NAME_MAX: Final = 500
UNIT_MAX: Final = 16
DUE_MAX_DAYS: Final = 366 * 3


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    SENT = "sent"
    VIEWED = "viewed"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"


S = InvoiceStatus
INVOICE_TRANSITIONS: Final[Mapping[str, frozenset[str]]] = {
    S.DRAFT: frozenset({S.ISSUED, S.CANCELLED}),
    S.ISSUED: frozenset({S.SENT, S.VIEWED, S.PARTIALLY_PAID, S.PAID, S.OVERDUE, S.CANCELLED}),
    S.SENT: frozenset({S.VIEWED, S.PARTIALLY_PAID, S.PAID, S.OVERDUE, S.CANCELLED}),
    S.VIEWED: frozenset({S.PARTIALLY_PAID, S.PAID, S.OVERDUE, S.CANCELLED}),
    S.OVERDUE: frozenset({S.SENT, S.VIEWED, S.PARTIALLY_PAID, S.PAID, S.CANCELLED}),
    S.PARTIALLY_PAID: frozenset({S.PAID, S.OVERDUE}),
    S.PAID: frozenset(),
    S.CANCELLED: frozenset(),
}
# Money was received against these: cancelling would hide it, so they are not cancelled.
REISSUABLE: Final = frozenset({S.ISSUED, S.SENT, S.VIEWED, S.OVERDUE, S.CANCELLED})
OPEN_STATUSES: Final = frozenset({S.ISSUED, S.SENT, S.VIEWED, S.OVERDUE, S.PARTIALLY_PAID})


def check_transition(transitions: Mapping[str, frozenset[str]], current: str,
                     target: str) -> None:
    if target not in transitions.get(current, frozenset()):
        raise Conflict("bad_transition", current=current, target=target)


# --- values ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """A document line: what was entered, and (once priced) net, VAT and total = gross."""

    name: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: VatRate
    kind: str = "item"  # item | shipping | charge
    unit: str = "pcs"
    product_id: int | None = None
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    position: int = 0
    net: Decimal = Decimal("0.00")
    vat: Decimal = Decimal("0.00")
    total: Decimal = Decimal("0.00")

    def as_input(self) -> LineInput:
        kind: Any = self.kind
        return LineInput(self.name, self.quantity, self.unit_price, self.vat_rate,
                         self.discount_percent, self.discount_amount, kind)

    @property
    def has_discount(self) -> bool:
        return bool(self.discount_percent) or bool(self.discount_amount)


@dataclass(frozen=True, slots=True)
class Party:
    """A seller or buyer as printed; the field names match `services.documents.PartyView`
    (`PartyView(**asdict(party))`). Stored as a snapshot when the document is issued."""

    name: str
    legal_name: str = ""
    country: str = ""
    tax_id_label: str = ""
    tax_id: str = ""
    kpp: str = ""
    address: str = ""
    bank_name: str = ""
    bik_or_bic: str = ""
    account: str = ""
    corr_account: str = ""
    iban: str = ""
    phone: str = ""
    email: str = ""
    director: str = ""
    accountant: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Party:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: str(v) for k, v in data.items() if k in known and v is not None})


@dataclass(frozen=True, slots=True)
class BuyerRequisites:
    """A client company's requisites, as storage reads them for the buyer snapshot."""

    id: int
    owner_id: int
    name: str
    legal_form: str | None
    country: str | None
    tax_id: str | None
    kpp: str | None
    address: str | None
    phone: str | None
    email: str | None
    payment_terms_days: int | None
    bank_name: str | None = None
    bik: str | None = None
    bic: str | None = None
    account: str | None = None
    corr_account: str | None = None

    def as_party(self) -> Party:
        country = self.country or ""
        legal = f"{self.legal_form} {self.name}" if self.legal_form else ""
        is_iban = bool(self.account) and not self.bik
        return Party(
            name=self.name, legal_name=legal, country=country,
            tax_id_label=TAX_ID_LABEL.get(country, "VAT ID") if self.tax_id else "",
            tax_id=self.tax_id or "", kpp=self.kpp or "", address=self.address or "",
            bank_name=self.bank_name or "", bik_or_bic=self.bik or self.bic or "",
            account="" if is_iban else self.account or "",
            corr_account=self.corr_account or "",
            iban=self.account or "" if is_iban else "",
            phone=self.phone or "", email=self.email or "")


def seller_party(org: Organization) -> Party:
    acc = org.default_account
    return Party(
        name=org.name, legal_name=org.legal_name, country=org.country,
        tax_id_label=org.tax_id_label if org.tax_id else "", tax_id=org.tax_id or "",
        kpp=org.kpp or "", address=org.address,
        bank_name=acc.bank_name if acc else "",
        bik_or_bic=(acc.bik or acc.bic or "") if acc else "",
        account=acc.account if acc and acc.bik else "",
        corr_account=(acc.corr_account or "") if acc else "",
        iban=(acc.iban or "") if acc else "",
        director=org.director, accountant=org.accountant)


@dataclass(frozen=True, slots=True)
class VatGroup:
    rate: VatRate
    net: Decimal
    vat: Decimal


@dataclass(frozen=True, slots=True)
class CommercialDoc:
    """Fields shared by quotes and invoices. Amounts are Decimal at the currency's minor unit,
    read back from the minor units `compute_totals` produced."""

    id: int
    owner_id: int
    organization_id: int
    company_id: int | None
    deal_id: int | None
    contact_id: int | None
    buyer_name: str
    status: str
    currency: str
    tax_mode: str
    language: str
    discount_percent: Decimal | None
    discount_amount: Decimal | None
    subtotal: Decimal
    discount_total: Decimal
    vat_total: Decimal
    grand_total: Decimal
    series_id: int | None
    number: int | None
    number_text: str | None
    created_at: datetime
    lines: tuple[Line, ...]
    seller: Party | None
    buyer: Party | None

    @property
    def net_total(self) -> Decimal:
        return self.grand_total - self.vat_total

    @property
    def vat_breakdown(self) -> tuple[VatGroup, ...]:
        """Sums of the lines per rate: numeric rates descending, "none" last (as pricing)."""
        groups: dict[Any, list[Line]] = {}
        for line in self.lines:
            groups.setdefault(line.vat_rate, []).append(line)

        def key(rate: Any) -> tuple[int, Decimal]:
            return (1, Decimal(0)) if isinstance(rate, str) else (0, -rate)

        return tuple(VatGroup(rate, sum((x.net for x in ls), Decimal("0.00")),
                              sum((x.vat for x in ls), Decimal("0.00")))
                     for rate, ls in sorted(groups.items(), key=lambda kv: key(kv[0])))


@dataclass(frozen=True, slots=True)
class Invoice(CommercialDoc):
    bank_account_id: int | None
    quote_id: int | None
    issue_date: date | None
    due_date: date | None
    paid: Decimal
    issued_at: datetime | None
    cancelled_at: datetime | None

    @property
    def remaining(self) -> Decimal:
        return self.grand_total - self.paid


@dataclass(frozen=True, slots=True)
class InvoicePage:
    items: Sequence[Invoice]
    total: int
    offset: int
    limit: int
    sums: Mapping[str, Decimal] = field(default_factory=dict)  # grand totals per currency


@dataclass(frozen=True, slots=True)
class InvoiceForRender:
    """Everything a printed invoice needs; `services.documents.build_invoice_view` takes it
    field by field (`PartyView(**asdict(seller))`, `lines=...`, `units=...`)."""

    invoice: Invoice
    seller: Party
    buyer: Party
    lines: tuple[LineInput, ...]
    units: tuple[str, ...]
    number: str
    issue_date: date
    due_date: date | None
    currency: str
    tax_mode: TaxMode
    language: str
    total_discount_percent: Decimal | None
    total_discount_amount: Decimal | None
    paid_amount: Decimal


# --- parsing what people type ---------------------------------------------------------------


def clean_quantity(text: str) -> Decimal:
    try:
        return parse_quantity(text)
    except AmountError as exc:
        code = "quantity_not_positive" if exc.code in ("not_positive", "negative") else (
            f"quantity_{exc.code}")
        raise InvalidInput(code, field="quantity") from None


def clean_price(text: str, currency: str | None = None) -> Decimal:
    try:
        return parse_amount(text, currency)
    except AmountError as exc:
        raise InvalidInput(f"amount_{exc.code}", field="price") from None


def clean_line_name(text: str) -> str:
    """A document line's name as typed, normalized (services.text)."""
    return clean_typed_name(text, LINE_NAME_MAX)


def clean_currency(text: str) -> str:
    try:
        return check_currency(text)
    except UnknownCurrencyError:
        raise InvalidInput("unknown_currency", field="currency") from None


def parse_discount(text: str, currency: str) -> tuple[Decimal | None, Decimal | None]:
    """"10%" → (10, None); "150" / "1 200,50" → (None, amount); "0" → (None, None)."""
    body = text.strip()
    if body.endswith("%"):
        try:
            percent = parse_percent(body)
        except AmountError as exc:
            code = "discount_over_100" if exc.code == "too_large" else f"amount_{exc.code}"
            raise InvalidInput(code, field="discount") from None
        return (percent, None) if percent else (None, None)
    try:
        amount = parse_amount(body, currency)
    except AmountError as exc:
        raise InvalidInput(f"amount_{exc.code}", field="discount") from None
    return (None, amount) if amount else (None, None)


_DATE_RE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})|(\d{4})-(\d{1,2})-(\d{1,2})")
_DAYS_RE = re.compile(r"\+?\s*(\d{1,4})(?:\s*(?:d|days?|дн\w*|zile|zi))?", re.I)


def parse_due_date(text: str, today: date) -> date:
    """"25.12.2026", "2026-12-25", or a number of days from today ("10", "+10 days")."""
    body = text.strip()
    m = _DATE_RE.fullmatch(body)
    try:
        if m and m.group(1):
            day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        elif m:
            day = date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
        elif (d := _DAYS_RE.fullmatch(body)) is not None:
            day = today + timedelta(days=int(d.group(1)))
        else:
            raise InvalidInput("bad_date", field="due_date")
    except ValueError:
        raise InvalidInput("bad_date", field="due_date") from None
    if day < today:
        raise InvalidInput("due_in_past", field="due_date")
    if day > today + timedelta(days=DUE_MAX_DAYS):
        raise InvalidInput("due_too_far", field="due_date")
    return day


# --- pricing a document ---------------------------------------------------------------------


def price_document(lines: Sequence[Line], currency: str, tax_mode: str,
                   discount_percent: Decimal | None, discount_amount: Decimal | None
                   ) -> tuple[tuple[Line, ...], dict[str, int]]:
    """Lines with net/VAT/total from ONE `compute_totals` call, and the totals in minor units.
    An empty document prices to zero. PricingError → InvalidInput(code, line=1-based)."""
    numbered = [replace(line, position=i + 1) for i, line in enumerate(lines)]
    if not numbered:
        if discount_amount:
            raise InvalidInput("total_discount_over_total", field="discount")
        zero = {"subtotal": 0, "discount_total": 0, "net_total": 0, "vat_total": 0,
                "grand_total": 0}
        return (), zero
    mode: Any = tax_mode
    try:
        totals = compute_totals([line.as_input() for line in numbered], currency, mode,
                                total_discount_percent=discount_percent,
                                total_discount_amount=discount_amount)
    except PricingError as exc:
        params: dict[str, Any] = {"field": "line"}
        if exc.line_index is not None:
            params["line"] = exc.line_index + 1
        raise InvalidInput(exc.code, **params) from None
    priced = tuple(replace(line, net=r.net, vat=r.vat, total=r.gross)
                   for line, r in zip(numbered, totals.lines, strict=True))
    return priced, totals.to_minor()


def line_to_row(line: Line, currency: str) -> dict[str, Any]:
    """A priced line as document_lines values (minor units)."""
    return {
        "position": line.position, "kind": line.kind, "product_id": line.product_id,
        "name": line.name, "unit": line.unit, "quantity": line.quantity,
        "unit_price_minor": to_minor(line.unit_price, currency),
        "discount_percent": line.discount_percent,
        "discount_minor": (to_minor(line.discount_amount, currency)
                           if line.discount_amount is not None else None),
        "vat_rate": vat_code(line.vat_rate),
        "net_minor": to_minor(line.net, currency), "vat_minor": to_minor(line.vat, currency),
        "total_minor": to_minor(line.total, currency),
    }


def line_from_row(row: Mapping[str, Any], currency: str) -> Line:
    dm = row.get("discount_minor")
    return Line(
        name=row["name"], quantity=Decimal(row["quantity"]),
        unit_price=from_minor(int(row["unit_price_minor"]), currency),
        vat_rate=vat_from_code(row["vat_rate"]), kind=row["kind"], unit=row["unit"],
        product_id=row.get("product_id"), discount_percent=row.get("discount_percent"),
        discount_amount=from_minor(int(dm), currency) if dm is not None else None,
        position=int(row["position"]), net=from_minor(int(row["net_minor"]), currency),
        vat=from_minor(int(row["vat_minor"]), currency),
        total=from_minor(int(row["total_minor"]), currency))


# --- the shared editing of drafts -----------------------------------------------------------

D = TypeVar("D", bound=CommercialDoc)
LINE_FIELDS: Final = frozenset({"name", "quantity", "unit_price", "vat_rate", "discount",
                                "unit"})


class DocumentEditor(Generic[D]):
    """Line editing of quote and invoice drafts (one implementation for both kinds)."""

    kind: str = "document"
    editable: frozenset[str] = frozenset({"draft"})

    def __init__(self, uow: UowFactory, clock: Clock, timezone: str = "UTC") -> None:
        self._uow = uow
        self._clock = clock
        self._tz = ZoneInfo(timezone)

    def _repo(self, uow: UnitOfWork) -> DocumentRepository[D]:
        raise NotImplementedError

    def today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    async def get(self, actor: Actor, doc_id: int) -> D:
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            doc = await self._repo(uow).get(doc_id, actor.owner_scope())
        if doc is None:
            raise NotFound(entity=self.kind, id=doc_id)
        return doc

    async def _load(self, uow: UnitOfWork, actor: Actor, doc_id: int) -> D:
        if not actor.is_staff:
            raise Forbidden()
        doc = await self._repo(uow).get(doc_id, actor.owner_scope())
        if doc is None:
            raise NotFound(entity=self.kind, id=doc_id)
        return doc

    async def _edit(self, actor: Actor, doc_id: int,
                    change: Callable[[D, Organization], tuple[Sequence[Line], dict[str, Any]]]
                    ) -> D:
        """Loads the draft, applies `change` (→ new lines, header changes), prices it all
        again and stores lines and totals together; nothing is written on any error."""
        async with self._uow() as uow:
            doc = await self._load(uow, actor, doc_id)
            if doc.status not in self.editable:
                raise Conflict("not_draft", status=doc.status)
            org = await uow.organizations.get(doc.organization_id)
            assert org is not None
            lines, header = change(doc, org)
            if len(lines) > MAX_LINES:
                raise InvalidInput("too_many_lines", field="line", limit=MAX_LINES)
            currency = header.get("currency", doc.currency)
            merged = {
                "tax_mode": doc.tax_mode, "discount_percent": doc.discount_percent,
                "discount_amount": doc.discount_amount, **header}
            priced, totals = price_document(lines, currency, merged["tax_mode"],
                                            merged["discount_percent"],
                                            merged["discount_amount"])
            repo = self._repo(uow)
            await repo.save_draft(doc.id, [line_to_row(x, currency) for x in priced],
                                  totals, header)
            await uow.audit.add(actor.id, f"{self.kind}.edit", self.kind, doc.id)
            fresh = await repo.get(doc.id, None)
            await uow.commit()
        assert fresh is not None
        return fresh

    async def add_line(self, actor: Actor, doc_id: int, line: Line) -> D:
        if line.kind not in LINE_KINDS:
            raise InvalidInput("bad_line_kind", field="line")
        line = replace(line, name=clean_line_name(line.name),
                       unit=(line.unit.strip() or "pcs")[:UNIT_MAX], position=0)
        return await self._edit(actor, doc_id, lambda d, _: ([*d.lines, line], {}))

    async def add_product(self, actor: Actor, doc_id: int, product_id: int,
                          quantity: Decimal, unit_price: Decimal | None = None,
                          price_list: str = "base") -> D:
        """A catalog line at the product's price in the document's currency (or
        `unit_price`), with the product's VAT rate, unit and name."""
        async with self._uow(readonly=True) as uow:
            product = await uow.products.get(product_id)
        if product is None or not product.is_active:
            raise NotFound(entity="product", id=product_id)

        def change(doc: D, _org: Organization) -> tuple[Sequence[Line], dict[str, Any]]:
            price = unit_price if unit_price is not None else product.price(doc.currency,
                                                                            price_list)
            if price is None:
                raise InvalidInput("no_price_in_currency", field="price",
                                   currency=doc.currency)
            return [*doc.lines, product_line(product, quantity, price)], {}

        return await self._edit(actor, doc_id, change)

    async def update_line(self, actor: Actor, doc_id: int, position: int,
                          **changes: Any) -> D:
        """Changes one line: name, quantity, unit_price, vat_rate, unit, or discount (a
        (percent, amount) pair as `parse_discount` gives it)."""
        unknown = set(changes) - LINE_FIELDS
        if unknown:
            raise InvalidInput("unknown_field", field=sorted(unknown)[0])
        values = dict(changes)
        if "discount" in values:
            values["discount_percent"], values["discount_amount"] = values.pop("discount")
        if "name" in values:
            values["name"] = clean_line_name(values["name"])

        def change(doc: D, _org: Organization) -> tuple[Sequence[Line], dict[str, Any]]:
            if not 1 <= position <= len(doc.lines):
                raise NotFound(entity="line", id=position)
            lines = list(doc.lines)
            lines[position - 1] = replace(lines[position - 1], **values)
            return lines, {}

        return await self._edit(actor, doc_id, change)

    async def remove_line(self, actor: Actor, doc_id: int, position: int) -> D:
        def change(doc: D, _org: Organization) -> tuple[Sequence[Line], dict[str, Any]]:
            if not 1 <= position <= len(doc.lines):
                raise NotFound(entity="line", id=position)
            return [x for x in doc.lines if x.position != position], {}

        return await self._edit(actor, doc_id, change)

    async def set_discount(self, actor: Actor, doc_id: int, percent: Decimal | None,
                           amount: Decimal | None) -> D:
        """The discount on the total (items only; shipping and charges are not discounted)."""
        return await self._edit(actor, doc_id, lambda d, _: (
            d.lines, {"discount_percent": percent, "discount_amount": amount}))

    async def set_tax_mode(self, actor: Actor, doc_id: int, mode: str) -> D:
        if mode not in TAX_MODES:
            raise InvalidInput("bad_tax_mode", field="tax_mode")
        return await self._edit(actor, doc_id, lambda d, _: (d.lines, {"tax_mode": mode}))

    async def set_currency(self, actor: Actor, doc_id: int, currency: str) -> D:
        code = clean_currency(currency)

        def change(doc: D, _org: Organization) -> tuple[Sequence[Line], dict[str, Any]]:
            if doc.lines and code != doc.currency:
                raise Conflict("currency_has_lines")
            return doc.lines, {"currency": code}

        return await self._edit(actor, doc_id, change)

    async def add_free_line(self, actor: Actor, doc_id: int, name: str, quantity: Decimal,
                            unit_price: Decimal, kind: str = "item") -> D:
        """A line typed by hand, at the organization's standard VAT rate (changeable)."""
        if kind not in LINE_KINDS:
            raise InvalidInput("bad_line_kind", field="line")
        clean = clean_line_name(name)

        def change(doc: D, org: Organization) -> tuple[Sequence[Line], dict[str, Any]]:
            rate = vat_rates_for(org.country, self.today())[0] if org.vat_payer else "none"
            return [*doc.lines, Line(clean, quantity, unit_price, rate, kind)], {}

        return await self._edit(actor, doc_id, change)

    async def line_vat_rates(self, actor: Actor, doc_id: int) -> list[VatRate]:
        """The VAT rates a line of this document may have (its organization's country)."""
        async with self._uow(readonly=True) as uow:
            doc = await self._load(uow, actor, doc_id)
            org = await uow.organizations.get(doc.organization_id)
        assert org is not None
        return self.vat_rates(org.country)

    def vat_rates(self, country: str) -> list[VatRate]:
        """The rates a line may have for a seller in `country`, today."""
        return vat_rates_for(country, self.today())


def product_line(product: Product, quantity: Decimal, price: Decimal) -> Line:
    return Line(name=product.name, quantity=quantity, unit_price=price,
                vat_rate=product.vat_rate, kind="item", unit=product.unit,
                product_id=product.id)


# --- invoices -------------------------------------------------------------------------------


class InvoiceService(DocumentEditor[Invoice]):
    kind = "invoice"

    def __init__(self, uow: UowFactory, clock: Clock, timezone: str = "UTC",
                 payment_terms_days: int = 5) -> None:
        super().__init__(uow, clock, timezone)
        self.payment_terms_days = payment_terms_days

    def _repo(self, uow: UnitOfWork) -> DocumentRepository[Invoice]:
        return uow.invoices

    async def _organization(self, uow: UnitOfWork, organization_id: int | None
                            ) -> Organization:
        org = (await uow.organizations.get(organization_id) if organization_id
               else await uow.organizations.first())
        if org is None:
            raise Conflict("no_organization")
        return org

    async def create_draft(self, actor: Actor, company_id: int | None,
                           deal_id: int | None = None, organization_id: int | None = None,
                           currency: str | None = None) -> Invoice:
        """An empty draft for a client of the actor (or of a deal of theirs), in the
        organization's currency and tax mode unless told otherwise."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow() as uow:
            doc_id = await self._create_in(uow, actor, company_id, deal_id, organization_id,
                                           currency)
            doc = await uow.invoices.get(doc_id, None)
            await uow.commit()
        assert doc is not None
        return doc

    async def create_for_deal(self, actor: Actor, deal_id: int) -> Invoice:
        """The "Invoice" button of a deal card: a draft for the deal's company."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow() as uow:
            deal = await uow.deals.get(deal_id, actor.owner_scope())
            if deal is None:
                raise NotFound(entity="deal", id=deal_id)
            doc_id = await self._create_in(uow, actor, deal.company_id, deal.id, None,
                                           deal.currency)
            doc = await uow.invoices.get(doc_id, None)
            await uow.commit()
        assert doc is not None
        return doc

    async def _create_in(self, uow: UnitOfWork, actor: Actor, company_id: int | None,
                         deal_id: int | None, organization_id: int | None,
                         currency: str | None, **extra: Any) -> int:
        if company_id is not None and await uow.companies.get(
                company_id, actor.owner_scope()) is None:
            raise NotFound(entity="company", id=company_id)
        org = await self._organization(uow, organization_id)
        code = clean_currency(currency) if currency else org.currency
        acc = org.default_account
        fields: dict[str, Any] = {
            "owner_id": actor.id, "organization_id": org.id,
            "bank_account_id": acc.id if acc else None, "company_id": company_id,
            "deal_id": deal_id, "currency": code, "tax_mode": org.default_tax_mode,
            "language": org.language or DEFAULT_LANGUAGE.get(org.country, "ru"),
            "status": S.DRAFT, "created_at": self._clock.now(), **extra}
        doc_id = await uow.invoices.add(fields)
        await uow.audit.add(actor.id, "invoice.create", "invoice", doc_id)
        return doc_id

    async def set_due_date(self, actor: Actor, invoice_id: int, due: date | None) -> Invoice:
        if due is not None and due < self.today():
            raise InvalidInput("due_in_past", field="due_date")
        return await self._edit(actor, invoice_id, lambda d, _: (d.lines, {"due_date": due}))

    async def issue(self, actor: Actor, invoice_id: int) -> Invoice:
        """Draft → issued: the seller's and buyer's requisites are frozen into the invoice,
        the due date defaults to the client's payment terms (else the organization's, else
        the default), and the next number of the series is assigned — all in one
        transaction."""
        async with self._uow() as uow:
            doc = await self._load(uow, actor, invoice_id)
            issued = await self._issue_in(uow, actor, doc)
            await uow.commit()
        return issued

    async def _issue_in(self, uow: UnitOfWork, actor: Actor, doc: Invoice) -> Invoice:
        check_transition(INVOICE_TRANSITIONS, doc.status, S.ISSUED)
        if not doc.lines:
            raise Conflict("no_lines")
        if doc.company_id is None:
            raise Conflict("no_buyer")
        buyer = await uow.invoices.company_requisites(doc.company_id)
        if buyer is None:
            raise Conflict("no_buyer")
        org = await self._organization(uow, doc.organization_id)
        today = self.today()
        terms = buyer.payment_terms_days or org.payment_terms_days or self.payment_terms_days
        due = doc.due_date or today + timedelta(days=terms)
        # The number last: the series row stays locked from here to the commit.
        number = await assign_number(uow, org.id, "invoice", today.year, org.invoice_prefix,
                                     org.number_pattern)
        changed = await uow.invoices.update(doc.id, {
            "status": S.ISSUED, "series_id": number.series_id, "number": number.number,
            "number_text": number.text, "issue_date": today, "due_date": due,
            "issued_at": self._clock.now(), "seller_snapshot": seller_party(org).to_dict(),
            "buyer_snapshot": buyer.as_party().to_dict()}, expected=[S.DRAFT])
        if not changed:
            raise Conflict("bad_transition", current="?", target=S.ISSUED)
        await uow.audit.add(actor.id, "invoice.issue", "invoice", doc.id,
                            {"number": number.text})
        fresh = await uow.invoices.get(doc.id, None)
        assert fresh is not None
        return fresh

    async def transition(self, actor: Actor, invoice_id: int, target: str) -> Invoice:
        """Any allowed status change except issue (`issue`) and cancel (`cancel`)."""
        if target in (S.ISSUED, S.CANCELLED, S.DRAFT):
            raise Conflict("bad_transition", current="?", target=target)
        now = self._clock.now()
        stamps = {S.SENT: "sent_at", S.VIEWED: "viewed_at", S.PAID: "paid_at"}
        async with self._uow() as uow:
            doc = await self._load(uow, actor, invoice_id)
            check_transition(INVOICE_TRANSITIONS, doc.status, target)
            values: dict[str, Any] = {"status": target}
            if target in stamps:
                values[stamps[S(target)]] = now
            if not await uow.invoices.update(doc.id, values, expected=[doc.status]):
                raise Conflict("bad_transition", current=doc.status, target=target)
            await uow.audit.add(actor.id, f"invoice.{target}", "invoice", doc.id)
            fresh = await uow.invoices.get(doc.id, None)
            await uow.commit()
        assert fresh is not None
        return fresh

    async def cancel(self, actor: Actor, invoice_id: int) -> Invoice:
        """A draft or an unpaid issued invoice → cancelled (an issued one keeps its number)."""
        async with self._uow() as uow:
            doc = await self._load(uow, actor, invoice_id)
            await self._cancel_in(uow, actor, doc)
            fresh = await uow.invoices.get(doc.id, None)
            await uow.commit()
        assert fresh is not None
        return fresh

    async def _cancel_in(self, uow: UnitOfWork, actor: Actor, doc: Invoice) -> None:
        check_transition(INVOICE_TRANSITIONS, doc.status, S.CANCELLED)
        if doc.paid > 0:
            raise Conflict("has_payments")
        if not await uow.invoices.update(doc.id, {"status": S.CANCELLED,
                                                  "cancelled_at": self._clock.now()},
                                         expected=[doc.status]):
            raise Conflict("bad_transition", current=doc.status, target=S.CANCELLED)
        await uow.audit.add(actor.id, "invoice.cancel", "invoice", doc.id)

    async def reissue(self, actor: Actor, invoice_id: int) -> Invoice:
        """Cancels the invoice (unless it already is) and returns a new draft with the same
        client, currency, tax mode, discount and lines, to correct and issue again."""
        async with self._uow() as uow:
            doc = await self._load(uow, actor, invoice_id)
            if doc.status not in REISSUABLE:
                raise Conflict("bad_transition", current=doc.status, target=S.CANCELLED)
            if doc.status != S.CANCELLED:
                await self._cancel_in(uow, actor, doc)
            new_id = await self._copy_in(uow, actor, doc, {"quote_id": doc.quote_id})
            await uow.audit.add(actor.id, "invoice.reissue", "invoice", new_id,
                                {"from": doc.id})
            fresh = await uow.invoices.get(new_id, None)
            await uow.commit()
        assert fresh is not None
        return fresh

    async def _copy_in(self, uow: UnitOfWork, actor: Actor, doc: CommercialDoc,
                       extra: dict[str, Any]) -> int:
        """A new invoice draft with `doc`'s client, terms and lines, priced again."""
        new_id = await self._create_in(uow, actor, None, doc.deal_id, doc.organization_id,
                                       doc.currency, **extra)
        header = {"company_id": doc.company_id, "contact_id": doc.contact_id,
                  "tax_mode": doc.tax_mode, "discount_percent": doc.discount_percent,
                  "discount_amount": doc.discount_amount, "language": doc.language}
        priced, totals = price_document(doc.lines, doc.currency, doc.tax_mode,
                                        doc.discount_percent, doc.discount_amount)
        await uow.invoices.save_draft(new_id, [line_to_row(x, doc.currency) for x in priced],
                                      totals, header)
        return new_id

    async def copy_into_invoice(self, uow: UnitOfWork, actor: Actor, doc: CommercialDoc,
                                issue: bool = False) -> Invoice:
        """Inside the caller's unit of work: a new invoice draft from a quote's lines (and
        issued at once when `issue`). Used by `QuoteService.invoice_from_quote`."""
        new_id = await self._copy_in(uow, actor, doc, {"quote_id": doc.id})
        invoice = await uow.invoices.get(new_id, None)
        assert invoice is not None
        if issue:
            invoice = await self._issue_in(uow, actor, invoice)
        return invoice

    async def list(self, actor: Actor, statuses: Collection[str] | None = None,
                   offset: int = 0, limit: int = 10) -> InvoicePage:
        """The actor's invoices (heads and admins: all), newest first, with the grand totals
        per currency of everything the filter matches (cancelled ones excluded from sums
        unless asked for)."""
        if not actor.is_staff:
            raise Forbidden()
        offset = max(0, offset)
        wanted = list(statuses) if statuses else None
        async with self._uow(readonly=True) as uow:
            items, total = await uow.invoices.list(actor.owner_scope(), wanted, offset, limit)
            sums = await uow.invoices.sums_by_currency(
                actor.owner_scope(), wanted or [s for s in S if s != S.CANCELLED])
        return InvoicePage(items, total, offset, limit,
                           {c: from_minor(v, c) for c, v in sorted(sums.items())})

    async def get_for_render(self, actor: Actor, invoice_id: int) -> InvoiceForRender:
        """An issued invoice with its frozen parties (a draft: the current ones, numbered
        "—"), ready for `build_invoice_view`."""
        async with self._uow(readonly=True) as uow:
            doc = await self._load(uow, actor, invoice_id)
            seller, buyer = doc.seller, doc.buyer
            if seller is None:
                seller = seller_party(await self._organization(uow, doc.organization_id))
            if buyer is None and doc.company_id is not None:
                req = await uow.invoices.company_requisites(doc.company_id)
                buyer = req.as_party() if req else None
        mode: Any = doc.tax_mode
        return InvoiceForRender(
            invoice=doc, seller=seller, buyer=buyer or Party(name=doc.buyer_name),
            lines=tuple(x.as_input() for x in doc.lines),
            units=tuple(x.unit for x in doc.lines), number=doc.number_text or "—",
            issue_date=doc.issue_date or self.today(), due_date=doc.due_date,
            currency=doc.currency, tax_mode=mode, language=doc.language,
            total_discount_percent=doc.discount_percent,
            total_discount_amount=doc.discount_amount, paid_amount=doc.paid)

    async def pick_clients(self, actor: Actor, limit: int = 20) -> Sequence[tuple[int, str]]:
        """(id, name) of the actor's clients for the "/invoice: choose the client" step."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            items, _ = await uow.companies.list(actor.owner_scope(), 0, limit)
        return [(c.id, c.name) for c in items]
