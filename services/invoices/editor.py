"""The shared editing of drafts: quotes and invoices add, change and remove lines, set the
discount, tax mode and currency with one implementation; every change prices the whole draft
again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, Generic, TypeVar
from zoneinfo import ZoneInfo

from services.catalog import BASE_LIST
from services.clock import Clock
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices.lines import line_to_row, price_document, product_line
from services.invoices.model import UNIT_MAX, CommercialDoc, Line
from services.invoices.parsing import clean_currency, clean_line_name
from services.invoices.ports import DocumentRepository, EditorUnitOfWork
from services.kernel import UowFactory
from services.organizations import Organization
from services.pricing import LINE_KINDS, MAX_LINES, TAX_MODES, VatRate, vat_rates_for
from services.users import Actor

# --- the shared editing of drafts -----------------------------------------------------------

D = TypeVar("D", bound=CommercialDoc)
U = TypeVar("U", bound=EditorUnitOfWork)
LINE_FIELDS: Final = frozenset({"name", "quantity", "unit_price", "vat_rate", "discount",
                                "unit"})


@dataclass(frozen=True)
class Repriced(Generic[D]):
    """A draft whose catalog lines were priced from `price_list` today: how many prices
    changed, and how many came from the base list (no price in `price_list`)."""

    doc: D
    price_list: str
    changed: int
    fallback: int


class DocumentEditor(Generic[D, U]):
    """Line editing of quote and invoice drafts (one implementation for both kinds)."""

    kind: str = "document"
    editable: frozenset[str] = frozenset({"draft"})

    def __init__(self, uow: UowFactory[U], clock: Clock, timezone: str = "UTC") -> None:
        self._uow = uow
        self._clock = clock
        self._tz = ZoneInfo(timezone)

    def _repo(self, uow: U) -> DocumentRepository[D]:
        raise NotImplementedError

    def today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    def local_date(self, moment: datetime) -> date:
        """The day of `moment` in the documents' time zone (a shipment dates its act)."""
        return moment.astimezone(self._tz).date()

    async def get(self, actor: Actor, doc_id: int) -> D:
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            doc = await self._repo(uow).get(doc_id, actor.owner_scope())
        if doc is None:
            raise NotFound(entity=self.kind, id=doc_id)
        return doc

    async def read_in(self, uow: U, actor: Actor, doc_id: int) -> D:
        """`get` in the caller's unit of work (a use case reading all it needs in one)."""
        return await self._load(uow, actor, doc_id)

    async def _load(self, uow: U, actor: Actor, doc_id: int) -> D:
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
            fresh = await self._save_in(uow, actor, doc, lines, header)
            await uow.commit()
        return fresh

    async def _save_in(self, uow: U, actor: Actor, doc: D, lines: Sequence[Line],
                       header: dict[str, Any], audit: dict[str, Any] | None = None,
                       audited: bool = True) -> D:
        """Prices `lines` with `doc`'s terms changed by `header` and stores lines, totals and
        header together (the caller commits). Audited as "<kind>.edit" (with `audit` as its
        data: then tied to the client and the deal, for their timelines) unless the caller
        audits the change itself (`audited` false)."""
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
        if audit is not None:
            await uow.audit.add(actor.id, f"{self.kind}.edit", self.kind, doc.id, audit,
                                company_id=doc.company_id, deal_id=doc.deal_id)
        elif audited:
            await uow.audit.add(actor.id, f"{self.kind}.edit", self.kind, doc.id)
        fresh = await repo.get(doc.id, None)
        assert fresh is not None
        return fresh

    async def _reprice(self, uow: U, lines: Sequence[Line], currency: str, price_list: str
                       ) -> tuple[list[Line], int, int]:
        """Catalog lines at today's price of `price_list` (the base price where the product
        has none there; kept as they are where it has no price in `currency` at all); other
        lines unchanged. Returns the lines, how many prices changed and how many fell back
        to the base list."""
        out: list[Line] = []
        changed = fallback = 0
        for line in lines:
            product = (await uow.products.get(line.product_id)
                       if line.product_id is not None and line.kind == "item" else None)
            price = product.exact_price(currency, price_list) if product else None
            if product is not None and price is None:
                price = product.price(currency)
                if price is not None and price_list != BASE_LIST:
                    fallback += 1
            if price is None:
                out.append(line)
                continue
            if price != line.unit_price:
                changed += 1
            out.append(replace(line, unit_price=price))
        return out, changed, fallback

    async def known_price_list(self, uow: U, code: str) -> str:
        """`code` if some product has a price in it (or it is the base list)."""
        if code != BASE_LIST and code not in await uow.products.price_lists():
            raise InvalidInput("unknown_price_list", field="price_list")
        return code

    async def set_price_list(self, actor: Actor, doc_id: int, price_list: str
                             ) -> Repriced[D]:
        """Another price list for a draft: its catalog lines that have a price there are
        priced again from it (the others from the base list); lines typed by hand stay."""
        async with self._uow() as uow:
            doc = await self._load(uow, actor, doc_id)
            if doc.status not in self.editable:
                raise Conflict("not_draft", status=doc.status)
            code = await self.known_price_list(uow, price_list)
            lines, changed, fallback = await self._reprice(uow, doc.lines, doc.currency, code)
            fresh = await self._save_in(uow, actor, doc, lines, {"price_list": code}, {
                "changes": [{"field": "price_list", "old": doc.price_list, "new": code}]})
            await uow.commit()
        return Repriced(fresh, code, changed, fallback)

    async def add_line(self, actor: Actor, doc_id: int, line: Line) -> D:
        if line.kind not in LINE_KINDS:
            raise InvalidInput("bad_line_kind", field="line")
        line = replace(line, name=clean_line_name(line.name),
                       unit=(line.unit.strip() or "pcs")[:UNIT_MAX], position=0)
        return await self._edit(actor, doc_id, lambda d, _: ([*d.lines, line], {}))

    async def add_product(self, actor: Actor, doc_id: int, product_id: int,
                          quantity: Decimal, unit_price: Decimal | None = None,
                          price_list: str | None = None) -> D:
        """A catalog line at the product's price in the document's currency and price list
        (the base price when it has none there; or `unit_price`), with the product's VAT
        rate, unit and name."""
        async with self._uow(readonly=True) as uow:
            product = await uow.products.get(product_id)
        if product is None or not product.is_active:
            raise NotFound(entity="product", id=product_id)

        def change(doc: D, _org: Organization) -> tuple[Sequence[Line], dict[str, Any]]:
            price = unit_price if unit_price is not None else product.price(
                doc.currency, price_list or doc.price_list)
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

