"""Printing: an issued invoice as its act, delivery note or cash receipt, and the client
statement as PDF (one per currency)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services.delivery.model import SENDABLE, PdfFile, Printing, StatementPdf
from services.delivery.rendering import RenderingMixin, pdf_filename
from services.documents import PRINT_KINDS, PartyView, StatementEntry, build_statement_view
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices import Party, seller_party
from services.money import from_minor
from services.receivables import ClientStatement
from services.users import User


class PrintingMixin(RenderingMixin):
    """An invoice printed as another document; the client statement."""

    async def print_pdf(self, actor: User, invoice_id: int, kind: str,
                        payment_id: int | None = None) -> PdfFile:
        """An issued invoice printed as its act ("act"), its delivery note ("delivery_note",
        both dated the day it was shipped, else today) or the cash receipt ("receipt") of one
        payment on it (numbered by the payment's document number, else its id; the amount is
        what that payment brought to this invoice). Scoped like the invoice's own PDF."""
        if kind not in PRINT_KINDS:
            raise InvalidInput("unknown_field", field="kind")
        async with self._uow(readonly=True) as uow:
            header = await self._header(uow, actor, "invoice", invoice_id)
            if header.status not in SENDABLE["invoice"]:
                raise Conflict("not_sendable", status=header.status)
            if kind == "receipt":
                found = next(((p, minor) for p, minor in
                              await uow.payments.invoice_payments(header.id)
                              if p.id == payment_id), None)
                if found is None:
                    raise NotFound(entity="payment", id=payment_id or 0)
                payment, minor = found
                printing = Printing(kind, payment.doc_number or str(payment.id),
                                    payment.received_on, from_minor(minor, header.currency))
            else:
                shipped = await uow.shipments.shipped_at(header.id)
                day = shipped.date() if shipped is not None else self._clock.now().date()
                printing = Printing(kind, header.number_text or str(header.id), day)
        return await self._produce(actor, header, actor.id, printing)

    async def statement_pdfs(self, actor: User, statement: ClientStatement
                             ) -> list[StatementPdf]:
        """The client statement as PDF, one per currency the client deals in: the seller is
        the organization of the client's latest invoice (else the first one), the language
        that invoice's. `statement` comes from `ReceivableService.statement` (scoped)."""
        if not actor.is_staff:
            raise Forbidden()
        latest = max(statement.invoices, key=lambda i: i.id, default=None)
        async with self._uow(readonly=True) as uow:
            header = (await uow.delivery.header("invoice", latest.id)
                      if latest is not None else None)
            org = (await uow.organizations.get(header.organization_id) if header is not None
                   else await uow.organizations.first())
            if org is None:
                raise Conflict("no_organization")
            req = await uow.invoices.company_requisites(statement.company_id)
            images = await uow.stored_documents.organization_images(org.id)
        language: Any = header.language if header is not None \
            and header.language in ("ru", "en", "ro") else "ru"
        buyer = req.as_party() if req is not None else Party(name=statement.company_name)
        entries: dict[str, list[StatementEntry]] = {}
        for inv in statement.invoices:
            if inv.status in ("draft", "cancelled"):
                continue
            entries.setdefault(inv.currency, []).append(StatementEntry(
                inv.issue_date or statement.today, "invoice", inv.number_text,
                from_minor(inv.total_minor, inv.currency)))
        for p in statement.payments:
            entries.setdefault(p.currency, []).append(StatementEntry(
                p.received_on, "payment", p.doc_number, from_minor(p.amount_minor, p.currency)))
        for c in statement.corrections:
            kind: Any = c.kind
            entries.setdefault(c.currency, []).append(StatementEntry(
                c.day, kind, c.number, from_minor(c.amount_minor, c.currency)))
        out = []
        for currency in sorted(entries) or [org.currency]:
            view = build_statement_view(
                seller=PartyView(**asdict(seller_party(org))), buyer=PartyView(**asdict(buyer)),
                currency=currency, issue_date=statement.today,
                entries=entries.get(currency, []), language=language,
                logo=images.get("logo"), stamp=images.get("stamp"),
                signature=images.get("signature"))
            pdf = await self._renderer.render(view)
            suffix = f"{statement.company_id}-{statement.today:%Y%m%d}" + (
                f"-{currency}" if len(entries) > 1 else "")
            out.append(StatementPdf(pdf_filename("statement", suffix, statement.company_id),
                                    pdf, currency))
        return out
