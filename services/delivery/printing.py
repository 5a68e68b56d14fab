"""Printing: an issued invoice as its act, UPD, delivery note or cash receipt, and the client
statement as PDF (one per currency).

The act and the UPD are numbered in their own gapless series per organization (kinds "act"
and "upd" of `number_series`, a row of `issued_documents` per invoice and kind): the number is
taken once, on the first print, in the write transaction that stores its PDF; a reprint keeps
the number and the date. The PDF is rendered before that transaction (never inside one) with
the number the series will give next; when another print took it meanwhile, the transaction
is rolled back and the document rendered again with the next one. A refusal (no service line
for an act, a missing requisite, another manager's invoice) takes no number."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from services.delivery.model import SENDABLE, DocHeader, PdfFile, Printing, StatementPdf
from services.delivery.rendering import (
    Reading,
    RenderingMixin,
    pdf_filename,
    template_key,
    view_hash,
)
from services.documents import (
    PRINT_KINDS,
    TRANSFER_KINDS,
    PartyView,
    StatementEntry,
    TransferKind,
    as_transfer,
    build_invoice_view,
    build_statement_view,
    contract_basis,
    format_date,
    invoice_basis,
    labels_for,
    missing_requisite,
)
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices import Party, seller_party
from services.money import from_minor
from services.numbering import assign_number, format_number
from services.organizations import Organization
from services.receivables import ClientStatement
from services.users import User

if TYPE_CHECKING:
    from services.delivery.ports import DeliveryUnitOfWork as UnitOfWork

#: The act's and the UPD's numbers: 1, 2, 3 ... per organization, kind and year.
TRANSFER_PATTERN: Final = "{seq}"
#: Renders with a number another print took meanwhile, before giving up (a busy moment).
TRANSFER_ATTEMPTS: Final = 5
# What an organization's signatories are on the act and the UPD: today's, not the invoice's
# snapshot (the act is signed now, by whoever signs now).
_SIGNATORY_FIELDS: Final = ("director", "director_position", "accountant", "signer_name",
                            "signer_position", "signer_poa_number", "signer_poa_date",
                            "vat_payer")


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
        if kind in TRANSFER_KINDS:
            return await self._print_transfer(actor, invoice_id, kind)  # type: ignore[arg-type]
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

    # --- the act and the UPD, in their own series ---------------------------------------

    async def _print_transfer(self, actor: User, invoice_id: int, kind: TransferKind
                              ) -> PdfFile:
        for _ in range(TRANSFER_ATTEMPTS):
            async with self._uow(readonly=True) as uow:
                header = await self._header(uow, actor, "invoice", invoice_id)
                if header.status not in SENDABLE["invoice"]:
                    raise Conflict("not_sendable", status=header.status)
                read, expected, day = await self._read_transfer(uow, actor, header, kind)
            made = await self._make(read)
            if expected is None:  # a reprint: its number and date, its stored bytes
                return await self._stored(made, actor.id)
            async with self._uow() as uow:
                taken = await assign_number(uow, header.organization_id, kind, day.year, "",
                                            TRANSFER_PATTERN)
                if taken.number != expected or await uow.issued_documents.get(
                        "invoice", header.id, kind) is not None:
                    continue  # another print came first: rolled back, rendered again
                await uow.issued_documents.add(
                    organization_id=header.organization_id, subject_type="invoice",
                    subject_id=header.id, kind=kind, number=taken, issue_date=day,
                    created_by=actor.id, now=self._clock.now())
                pdf = await self._keep(uow, made, actor.id)
                await uow.audit.add(actor.id, f"invoice.{kind}", "invoice", header.id,
                                    {"number": taken.text, "document_id": pdf.document_id})
                await uow.commit()
            return pdf
        raise Conflict("busy")

    async def _read_transfer(self, uow: UnitOfWork, actor: User, header: DocHeader,
                             kind: TransferKind) -> tuple[Reading, int | None, date]:
        """The act or UPD of the invoice, checked first (a UPD only for a Russian seller, an
        act only with a service line, every requisite it needs): with its number and date
        when it has been issued (then `expected` is None), else with the number its series
        will give next (`expected`), dated the day of the shipment, else today."""
        issued = await uow.issued_documents.get("invoice", header.id, kind)
        r = await self._invoices.for_render_in(uow, actor, header.id)
        org = await uow.organizations.get(header.organization_id)
        seller = with_signatories(r.seller, org)
        if kind == "upd" and seller.country != "RU":
            raise Conflict("upd_russia_only")
        if kind == "act" and "service" not in r.supplies:
            raise Conflict("act_without_services")
        missing = missing_requisite(kind, seller, r.buyer)
        if missing is not None:
            whose, field = missing
            raise InvalidInput(f"missing_{whose}_requisite", field=field)
        expected: int | None = None
        if issued is not None:
            number, day = issued.number_text, issued.issue_date
        else:
            shipped = await uow.shipments.shipped_at(header.id)
            # The day in the organization's zone (the invoices' own), not UTC's.
            day = (self._invoices.local_date(shipped) if shipped is not None
                   else self._invoices.today())
            expected = await uow.numbering.last_number(header.organization_id, kind,
                                                       day.year) + 1
            number = format_number(TRANSFER_PATTERN, prefix="", year=day.year, seq=expected)
        language: Any = r.language if r.language in ("ru", "en", "ro") else "ru"
        if kind == "upd":
            language = "ru"  # a Russian tax form
        contract = (await uow.contracts.in_force(header.company_id, day)
                    if header.company_id is not None else None)
        basis = (contract_basis(contract.number or "", contract.starts_on, language)
                 if contract is not None
                 else invoice_basis(r.number, r.issue_date, language))
        payments = ""
        if kind == "upd":
            # (5) «К платёжно-расчётному документу № 7 от 10.03.2026; 9 от 12.03.2026»
            dated = labels_for(language).dated
            payments = "; ".join(
                f"{p.doc_number or p.id} {dated} {format_date(p.received_on, language)}"
                for p, _ in await uow.payments.invoice_payments(header.id))
        images = await uow.stored_documents.organization_images(header.organization_id)
        invoice = build_invoice_view(
            seller=PartyView(**asdict(seller)), buyer=PartyView(**asdict(r.buyer)),
            lines=r.lines, units=r.units, currency=r.currency, number=r.number,
            issue_date=r.issue_date, tax_mode=r.tax_mode, language=language,
            layout="ru" if seller.country in ("RU", "BY") else "intl",
            total_discount_percent=r.total_discount_percent,
            total_discount_amount=r.total_discount_amount, logo=images.get("logo"),
            stamp=images.get("stamp"), signature=images.get("signature"))
        view = as_transfer(invoice, kind, number, day, supplies=r.supplies, basis=basis,
                           payment_documents=payments)
        template = await uow.stored_documents.template(header.organization_id,
                                                       template_key(view))
        key = view_hash(view, template)
        stored = await uow.stored_documents.by_view_hash(header.kind, header.id, key)
        return Reading(header, view, kind, pdf_filename(kind, number, header.id), template,
                       key, stored), expected, day

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


def with_signatories(seller: Party, org: Organization | None) -> Party:
    """The invoice's seller with the organization's signatories and VAT status of today."""
    if org is None:
        return seller
    today = seller_party(org)
    return replace(seller, **{name: getattr(today, name) for name in _SIGNATORY_FIELDS})
