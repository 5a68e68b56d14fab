"""Copying a document into a new invoice draft: reissuing a cancelled (or cancellable) invoice,
and an invoice from a quote."""

from __future__ import annotations

from typing import Any

from services.errors import Conflict
from services.invoices.issuing import InvoiceIssuing
from services.invoices.lines import line_to_row, price_document
from services.invoices.model import REISSUABLE, CommercialDoc, Invoice, S
from services.invoices.ports import InvoiceUnitOfWork
from services.users import Actor


class InvoiceCopying(InvoiceIssuing):
    """Reissue, and a new invoice from a quote (may issue it at once)."""

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

    async def _copy_in(self, uow: InvoiceUnitOfWork, actor: Actor, doc: CommercialDoc,
                       extra: dict[str, Any]) -> int:
        """A new invoice draft with `doc`'s client, terms and lines, priced again."""
        new_id = await self._create_in(uow, actor, None, doc.deal_id, doc.organization_id,
                                       doc.currency, **{"price_list": doc.price_list, **extra})
        header: dict[str, Any] = {
            "company_id": doc.company_id, "contact_id": doc.contact_id,
            "tax_mode": doc.tax_mode, "discount_percent": doc.discount_percent,
            "discount_amount": doc.discount_amount, "language": doc.language}
        if isinstance(doc, Invoice):  # a reissue corrects the same supply: its market fields
            header.update(delivery_date=doc.delivery_date, exchange_rate=doc.exchange_rate,
                          reverse_charge=doc.reverse_charge,
                          vat_exemption_reason=doc.vat_exemption_reason)
        priced, totals = price_document(doc.lines, doc.currency, doc.tax_mode,
                                        doc.discount_percent, doc.discount_amount)
        await uow.invoices.save_draft(new_id, [line_to_row(x, doc.currency) for x in priced],
                                      totals, header)
        return new_id

    async def copy_into_invoice(self, uow: InvoiceUnitOfWork, actor: Actor, doc: CommercialDoc,
                                issue: bool = False) -> Invoice:
        """Inside the caller's unit of work: a new invoice draft from a quote's lines (and
        issued at once when `issue`). Used by `QuoteService.invoice_from_quote`."""
        new_id = await self._copy_in(uow, actor, doc, {"quote_id": doc.id})
        invoice = await uow.invoices.get(new_id, None)
        assert invoice is not None
        if issue:
            invoice = await self._issue_in(uow, actor, invoice)
        return invoice

