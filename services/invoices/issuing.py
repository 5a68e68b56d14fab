"""Issuing an invoice (the seller's and buyer's requisites frozen, the next number of the
series assigned, one transaction) and its status changes: transition, cancel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.errors import Conflict
from services.invoices.cancelling import after_cancel
from services.invoices.drafts import InvoiceDrafts
from services.invoices.market import check_market
from services.invoices.model import INVOICE_TRANSITIONS, Invoice, S, check_transition, seller_party
from services.invoices.ports import InvoiceUnitOfWork
from services.numbering import assign_number
from services.users import Actor


class InvoiceIssuing(InvoiceDrafts):
    """Issue, status transitions and cancellation of invoices."""

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

    async def _issue_in(self, uow: InvoiceUnitOfWork, actor: Actor, doc: Invoice) -> Invoice:
        check_transition(INVOICE_TRANSITIONS, doc.status, S.ISSUED)
        if not doc.lines:
            raise Conflict("no_lines")
        if doc.company_id is None:
            raise Conflict("no_buyer")
        buyer = await uow.invoices.company_requisites(doc.company_id)
        if buyer is None:
            raise Conflict("no_buyer")
        org = await self._organization(uow, doc.organization_id)
        check_market(doc, org)
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
        if doc.deal_id is not None and self.deals is not None:
            await self.deals.advance_on_invoice(uow, doc.deal_id, actor.id, self._clock.now())
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

    async def cancel(self, actor: Actor, invoice_id: int, reason: str | None = None) -> Invoice:
        """A draft or an unpaid issued invoice → cancelled (an issued one keeps its number),
        with the reason given; its pending reminders are withdrawn and a customer who had
        received it is told (`services.invoices.cancelling`)."""
        async with self._uow() as uow:
            doc = await self._load(uow, actor, invoice_id)
            await self._cancel_in(uow, actor, doc, reason)
            fresh = await uow.invoices.get(doc.id, None)
            await uow.commit()
        assert fresh is not None
        return fresh

    def check_cancel(self, doc: Invoice) -> None:
        """Whether `doc` may be cancelled: Conflict("has_payments", paid=…) while money is on
        it (reverse or move the payments first), Conflict("has_credit_notes") once credited,
        else the transition rule."""
        if doc.paid > 0:
            raise Conflict("has_payments", paid=doc.paid, currency=doc.currency)
        if doc.credited > 0:
            raise Conflict("has_credit_notes")
        check_transition(INVOICE_TRANSITIONS, doc.status, S.CANCELLED)

    async def _cancel_in(self, uow: InvoiceUnitOfWork, actor: Actor, doc: Invoice,
                         reason: str | None = None) -> None:
        self.check_cancel(doc)
        values: dict[str, Any] = {"status": S.CANCELLED, "cancelled_at": self._clock.now()}
        if reason:
            values["cancel_reason"] = reason
        if not await uow.invoices.update(doc.id, values, expected=[doc.status]):
            raise Conflict("bad_transition", current=doc.status, target=S.CANCELLED)
        await uow.audit.add(actor.id, "invoice.cancel", "invoice", doc.id,
                            {"reason": reason} if reason else None,
                            company_id=doc.company_id, deal_id=doc.deal_id)
        if doc.status != S.DRAFT:
            await after_cancel(uow, doc, reason, self._clock.now())

