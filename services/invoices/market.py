"""An invoice's market fields (issue 16), set by the manager on the draft: the delivery date,
the exchange rate, reverse charge, and the legal reason of the lines without VAT; and what
issuing requires of them (`check_market`).

Invariants:
- a Romanian or Moldovan organization's invoice in another currency than its own is issued
  only with an exchange rate (the organization's currency per 1 unit of the invoice's): the
  factură gives its VAT in lei at that rate (RO: art. 319 Codul fiscal; MD: the VAT in MDL).
  In Russia and Belarus an invoice in foreign currency is paid at the bank's rate of the
  payment day, so no rate is asked there (one may still be set and is printed). A rate on an
  invoice in the organization's own currency is refused, and changing the invoice's currency
  drops it;
- a Romanian VAT payer's invoice with lines without VAT is issued only with the legal reason
  of the exemption printed, unless the invoice is under reverse charge («taxare inversă»);
- under reverse charge every line is priced at 0 % VAT (the buyer accounts for the VAT), on
  every change of the draft; turning it off gives catalog lines their product's rate back and
  typed lines the organization's standard rate;
- bad input changes nothing (InvalidInput before anything is written).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from services.dateranges import parse_date
from services.errors import Conflict, InvalidInput
from services.invoices.drafts import InvoiceDrafts
from services.invoices.model import Invoice, Line
from services.invoices.ports import InvoiceUnitOfWork
from services.organizations import Organization
from services.pricing import vat_rates_for
from services.text import normalize_typed
from services.users import Actor

RATE_MAX_PLACES: Final = 6
RATE_MAX: Final = Decimal("1000000")
REASON_MAX: Final = 300
DELIVERY_MAX_DAYS: Final = 366
# Where the law wants the invoice's VAT in the local currency too (see the invariants).
RATE_REQUIRED_IN: Final = ("RO", "MD")
ZERO: Final = Decimal("0")
_RATE: Final = re.compile(r"\d{1,7}(\.\d{1,6})?")  # RATE_MAX_PLACES decimals


def parse_exchange_rate(text: str) -> Decimal:
    """«4,9750», «4.975»: a positive rate with at most 6 decimals; else InvalidInput
    ("bad_exchange_rate")."""
    body = normalize_typed(text).replace(" ", "").replace(",", ".")
    if not _RATE.fullmatch(body):
        raise InvalidInput("bad_exchange_rate", field="exchange_rate")
    try:
        rate = Decimal(body)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise InvalidInput("bad_exchange_rate", field="exchange_rate") from None
    if rate <= 0 or rate >= RATE_MAX:
        raise InvalidInput("bad_exchange_rate", field="exchange_rate")
    return rate


def parse_delivery_date(text: str) -> date:
    """«02.03.2026», «2026-03-02»; else InvalidInput("bad_date")."""
    try:
        return parse_date(text)
    except InvalidInput:
        raise InvalidInput("bad_date", field="delivery_date") from None


def clean_exemption_reason(text: str) -> str:
    """The reason as printed: one line, not empty, at most 300 characters."""
    reason = " ".join(normalize_typed(text).split())
    if not reason:
        raise InvalidInput("empty", field="vat_exemption_reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput("too_long", field="vat_exemption_reason", limit=REASON_MAX)
    return reason


def without_vat(line: Line) -> bool:
    """A line without VAT: the "none" rate or 0 %."""
    return isinstance(line.vat_rate, str) or line.vat_rate == 0


def check_market(doc: Invoice, org: Organization) -> None:
    """What issuing requires of the market fields (see the module's invariants)."""
    if (org.country in RATE_REQUIRED_IN and doc.currency != org.currency
            and doc.exchange_rate is None):
        raise InvalidInput("exchange_rate_required", field="exchange_rate",
                           currency=doc.currency, local=org.currency)
    if (org.country == "RO" and org.vat_payer and not doc.reverse_charge
            and not doc.vat_exemption_reason and any(without_vat(x) for x in doc.lines)):
        raise InvalidInput("vat_exemption_reason_required", field="vat_exemption_reason")


class InvoiceMarketFields(InvoiceDrafts):
    """The draft's delivery date, exchange rate, reverse charge and exemption reason."""

    async def _save_in(self, uow: InvoiceUnitOfWork, actor: Actor, doc: Invoice,
                       lines: Sequence[Line], header: dict[str, Any],
                       audit: dict[str, Any] | None = None, audited: bool = True) -> Invoice:
        # A rate is the rate of the invoice's currency: another currency drops it.
        if header.get("currency", doc.currency) != doc.currency:
            header = {**header, "exchange_rate": None}
        # Under reverse charge every line is at 0 %, whatever added or changed it.
        if header.get("reverse_charge", doc.reverse_charge):
            lines = [x if isinstance(x.vat_rate, Decimal) and x.vat_rate == 0
                     else replace(x, vat_rate=ZERO) for x in lines]
        return await super()._save_in(uow, actor, doc, lines, header, audit, audited)

    async def set_delivery_date(self, actor: Actor, invoice_id: int, day: date | None
                                ) -> Invoice:
        """The date the goods or services were supplied, when it differs from the issue
        date (None: the same day). At most a year away from today."""
        if day is not None and abs((day - self.today()).days) > DELIVERY_MAX_DAYS:
            raise InvalidInput("delivery_too_far", field="delivery_date")
        return await self._edit(actor, invoice_id,
                                lambda d, _: (d.lines, {"delivery_date": day}))

    async def set_exchange_rate(self, actor: Actor, invoice_id: int, rate: Decimal | None
                                ) -> Invoice:
        """The organization's currency per 1 unit of the invoice's (None: no rate)."""
        if rate is not None and (rate <= 0 or rate >= RATE_MAX
                                 or -rate.as_tuple().exponent > RATE_MAX_PLACES):  # type: ignore[operator]
            raise InvalidInput("bad_exchange_rate", field="exchange_rate")

        def change(doc: Invoice, org: Organization) -> tuple[Sequence[Line], dict[str, Any]]:
            if rate is not None and doc.currency == org.currency:
                raise Conflict("exchange_rate_not_needed", currency=doc.currency)
            return doc.lines, {"exchange_rate": rate}

        return await self._edit(actor, invoice_id, change)

    async def set_reverse_charge(self, actor: Actor, invoice_id: int, on: bool) -> Invoice:
        """Reverse charge on (every line at 0 %) or off (catalog lines back at their
        product's rate, typed lines at the organization's standard rate)."""
        async with self._uow() as uow:
            doc = await self._load(uow, actor, invoice_id)
            if doc.status not in self.editable:
                raise Conflict("not_draft", status=doc.status)
            lines: Sequence[Line] = doc.lines
            if not on and doc.reverse_charge:
                org = await self._organization(uow, doc.organization_id)
                lines = await self._rates_back(uow, doc.lines, org)
            fresh = await self._save_in(uow, actor, doc, lines, {"reverse_charge": on}, {
                "changes": [{"field": "reverse_charge", "old": doc.reverse_charge,
                             "new": on}]})
            await uow.commit()
        return fresh

    async def _rates_back(self, uow: InvoiceUnitOfWork, lines: Sequence[Line],
                          org: Organization) -> list[Line]:
        standard = vat_rates_for(org.country, self.today())[0] if org.vat_payer else "none"
        out = []
        for line in lines:
            product = (await uow.products.get(line.product_id)
                       if line.product_id is not None else None)
            out.append(replace(line, vat_rate=product.vat_rate if product else standard))
        return out

    async def set_exemption_reason(self, actor: Actor, invoice_id: int, text: str | None
                                   ) -> Invoice:
        """The legal reason printed for the lines without VAT («art. 292 alin. (2) lit. a)
        din Codul fiscal»); None clears it."""
        reason = clean_exemption_reason(text) if text is not None else None
        return await self._edit(actor, invoice_id,
                                lambda d, _: (d.lines, {"vat_exemption_reason": reason}))
