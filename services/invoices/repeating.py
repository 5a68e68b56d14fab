"""Repeating an invoice for a repeat customer: a new draft with the same client, contact, deal,
lines and terms, its catalog lines at today's prices of the client's price list; and "invoice
like the last one" from a client or a deal card."""

from __future__ import annotations

from typing import Any

from services.errors import Conflict, Forbidden, NotFound
from services.invoices.editor import Repriced
from services.invoices.issuing import InvoiceIssuing
from services.invoices.model import Invoice, S
from services.invoices.ports import InvoiceUnitOfWork
from services.users import Actor


class InvoiceRepeating(InvoiceIssuing):
    """Repeat an invoice; repeat a client's latest issued invoice."""

    async def repeat(self, actor: Actor, invoice_id: int) -> Repriced[Invoice]:
        """A new draft like the invoice (scoped by the actor), priced today."""
        async with self._uow() as uow:
            doc = await self._load(uow, actor, invoice_id)
            if doc.status == S.DRAFT:
                raise Conflict("repeat_draft")
            result = await self._repeat_in(uow, actor, doc, doc.deal_id)
            await uow.commit()
        return result

    async def repeat_last(self, actor: Actor, company_id: int | None = None,
                          deal_id: int | None = None) -> Repriced[Invoice]:
        """"Invoice like the last one": the client's (or the deal's client's) latest issued
        invoice repeated; from a deal card the new draft belongs to that deal."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow() as uow:
            if deal_id is not None:
                deal = await uow.deals.get(deal_id, actor.owner_scope())
                if deal is None:
                    raise NotFound(entity="deal", id=deal_id)
                company_id = deal.company_id
            if company_id is None:
                raise Conflict("no_last_invoice")
            if await uow.companies.get(company_id, actor.owner_scope()) is None:
                raise NotFound(entity="company", id=company_id)
            last = await uow.invoices.last_issued(company_id, actor.owner_scope())
            if last is None:
                raise Conflict("no_last_invoice")
            doc = await self._load(uow, actor, last)
            result = await self._repeat_in(uow, actor, doc,
                                           deal_id if deal_id is not None else doc.deal_id)
            await uow.commit()
        return result

    async def _repeat_in(self, uow: InvoiceUnitOfWork, actor: Actor, doc: Invoice,
                         deal_id: int | None) -> Repriced[Invoice]:
        price_list = (await uow.products.company_price_list(doc.company_id)
                      if doc.company_id is not None else None) or doc.price_list
        new_id = await self._create_in(uow, actor, doc.company_id, deal_id,
                                       doc.organization_id, doc.currency,
                                       price_list=price_list)
        new = await uow.invoices.get(new_id, None)
        assert new is not None
        lines, changed, fallback = await self._reprice(uow, doc.lines, doc.currency,
                                                       price_list)
        header: dict[str, Any] = {"contact_id": doc.contact_id, "tax_mode": doc.tax_mode,
                  "discount_percent": doc.discount_percent,
                  "discount_amount": doc.discount_amount, "language": doc.language,
                  # the same client and supply: the same tax treatment (not the day's rate)
                  "reverse_charge": doc.reverse_charge,
                  "vat_exemption_reason": doc.vat_exemption_reason}
        if doc.issue_date is not None and doc.due_date is not None:
            header["due_date"] = self.today() + (doc.due_date - doc.issue_date)
        fresh = await self._save_in(uow, actor, new, lines, header, audited=False)
        await uow.audit.add(actor.id, "invoice.repeat", "invoice", new_id,
                            {"from": doc.id, "price_list": price_list, "changed": changed},
                            company_id=doc.company_id, deal_id=deal_id)
        return Repriced(fresh, price_list, changed, fallback)
