"""Reading invoices: the list with sums per currency, an invoice ready to render, the clients to
choose from."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from services.errors import Forbidden
from services.invoices.drafts import InvoiceDrafts
from services.invoices.model import InvoiceForRender, InvoicePage, Party, S, seller_party
from services.money import from_minor
from services.users import Actor

if TYPE_CHECKING:
    from services.invoices.ports import InvoiceUnitOfWork as UnitOfWork


class InvoiceReading(InvoiceDrafts):
    """List, render and client picking."""

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
            return await self.for_render_in(uow, actor, invoice_id)

    async def for_render_in(self, uow: UnitOfWork, actor: Actor, invoice_id: int
                            ) -> InvoiceForRender:
        """`get_for_render` in the caller's unit of work (a use case reading all it needs in
        one)."""
        doc = await self._load(uow, actor, invoice_id)
        seller, buyer = doc.seller, doc.buyer
        org = await self._organization(uow, doc.organization_id)
        if seller is None:
            seller = seller_party(org)
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
            total_discount_amount=doc.discount_amount, paid_amount=doc.paid,
            supplies=tuple(x.supplied for x in doc.lines), accounting_currency=org.currency)

    async def pick_clients(self, actor: Actor, limit: int = 20, archived_too: bool = False
                           ) -> Sequence[tuple[int, str]]:
        """(id, name) of the actor's clients for the "/invoice: choose the client" step (the
        active ones), or with `archived_too` for filtering the invoice list (an archived
        client's invoices are still theirs), the archived ones after the active ones."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            items, _ = await uow.companies.list(actor.owner_scope(), 0, limit)
            if archived_too and len(items) < limit:
                more, _ = await uow.companies.list(actor.owner_scope(), 0,
                                                   limit - len(items), archived=True)
                items = [*items, *more]
        return [(c.id, c.name) for c in items]
