"""Invoice and quote values: statuses and their transitions, lines, parties, documents, pages and
what a printed invoice needs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from services.documents import PartyView
from services.errors import Conflict
from services.money import open_minor
from services.organizations import TAX_ID_LABEL, Organization
from services.pricing import LineInput, TaxMode, VatRate

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
    # "good" | "service" (what an act lists and a UPD ships): set from the product; a typed
    # line has none and is taken as a service (`supplied`).
    supply: str | None = None

    @property
    def supplied(self) -> str:
        """"good" or "service": the line's own, else a service (typed lines, shipping and
        charges are services)."""
        return self.supply if self.supply in ("good", "service") else "service"

    def as_input(self) -> LineInput:
        kind: Any = self.kind
        return LineInput(self.name, self.quantity, self.unit_price, self.vat_rate,
                         self.discount_percent, self.discount_amount, kind)

    @property
    def has_discount(self) -> bool:
        return bool(self.discount_percent) or bool(self.discount_amount)


@dataclass(frozen=True, slots=True)
class Party(PartyView):
    """A seller or buyer as printed: `services.documents.PartyView`'s fields (so
    `PartyView(**asdict(party))` prints it). Stored as a snapshot when the document is issued
    (`to_dict`); a snapshot written before a field existed reads back with its default."""

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
    # Issue 16: the register number (RO «Nr. Reg. Com.», RU ОГРН), the address in parts and
    # whether the client pays VAT (None: unknown).
    trade_register: str | None = None
    ogrn: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    vat_payer: bool | None = None

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
            phone=self.phone or "", email=self.email or "",
            reg_number=(self.ogrn if country == "RU" else self.trade_register) or "",
            city=self.city or "", region=self.region or "",
            postal_code=self.postal_code or "",
            vat_payer="" if self.vat_payer is None else ("yes" if self.vat_payer else "no"))


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
        director=org.director, accountant=org.accountant,
        reg_number=(org.ogrn if org.country == "RU" else org.trade_register) or "",
        city=org.city, region=org.region, postal_code=org.postal_code,
        vat_payer="yes" if org.vat_payer else "no",
        vat_on_collection="yes" if org.vat_on_collection else "",
        director_position=org.director_position, signer_name=org.signer_name,
        signer_position=org.signer_position, signer_poa_number=org.signer_poa_number,
        signer_poa_date=org.signer_poa_date.isoformat() if org.signer_poa_date else "")


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
    price_list: str  # the price list catalog lines are priced from ("base" when none)
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
class CreditRef:
    """A credit note as the invoice card names it."""

    id: int
    number_text: str
    total: Decimal
    refunded: Decimal
    status: str


@dataclass(frozen=True, slots=True)
class Invoice(CommercialDoc):
    bank_account_id: int | None
    quote_id: int | None
    issue_date: date | None
    due_date: date | None
    paid: Decimal
    issued_at: datetime | None
    cancelled_at: datetime | None
    credited: Decimal = Decimal("0.00")  # credit notes issued against it
    cancel_reason: str | None = None
    sent_at: datetime | None = None
    credit_notes: tuple[CreditRef, ...] = ()  # read by `get` only, oldest first
    # Issue 16: the delivery date when it differs from the issue date; the exchange rate
    # (the organization's currency per 1 unit of the invoice's) for an invoice in another
    # currency; reverse charge («taxare inversă»: the buyer accounts for the VAT); the legal
    # reason printed for lines without VAT.
    delivery_date: date | None = None
    exchange_rate: Decimal | None = None
    reverse_charge: bool = False
    vat_exemption_reason: str | None = None

    @property
    def remaining(self) -> Decimal:
        """What the client still owes (`services.money.open_minor`)."""
        return max(self.grand_total - self.paid - self.credited, Decimal("0.00"))


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
    supplies: tuple[str, ...] = ()  # "good" | "service" per line (`Line.supplied`)
    # Issue 16, the factură: the organization's currency (VAT and totals are also printed
    # in it at `invoice.exchange_rate` when the invoice is in another one).
    accounting_currency: str = ""


@dataclass(frozen=True, slots=True)
class InvoiceMoney:
    """What money needs to know about an invoice (storage reads it, locked when asked)."""

    id: int
    owner_id: int
    organization_id: int
    company_id: int | None
    deal_id: int | None
    number_text: str
    currency: str
    total_minor: int
    paid_minor: int
    status: str
    due_date: date | None
    sent: bool
    viewed: bool
    credited_minor: int = 0

    @property
    def open_minor(self) -> int:
        return open_minor(self.total_minor, self.paid_minor, self.credited_minor)

    @property
    def due_minor(self) -> int:
        """The total less the credit notes: what paying in full means."""
        return self.total_minor - self.credited_minor
