"""Rendering and storing a document's PDF: the view of the document as it is now, re-used
when nothing printed has changed (keyed by ``view_hash``), else rendered and stored."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from services.delivery.base import DeliveryBase
from services.delivery.model import DocHeader, PdfFile, Printing, StoredFile
from services.delivery.structured import facturx_applies, invoice_xml
from services.documents import (
    CreditLineInput,
    CreditNoteView,
    DocumentView,
    PartyView,
    as_printed,
    build_credit_note_view,
    build_invoice_view,
)
from services.errors import Conflict, InvalidInput, NotFound
from services.invoices import Party, seller_party
from services.money import from_minor
from services.pricing import NO_VAT, VatRate
from services.users import User

if TYPE_CHECKING:
    from services.delivery.ports import CustomerUnitOfWork
    from services.delivery.ports import DeliveryUnitOfWork as UnitOfWork

logger = logging.getLogger(__name__)

FILE_WORDS: Final = {"invoice": "Invoice", "quote": "Quote", "act": "Act", "upd": "UPD",
                     "delivery_note": "Delivery_note", "receipt": "Receipt",
                     "statement": "Statement", "credit_note": "Credit_note",
                     "contract": "Contract"}


def pdf_filename(kind: str, number: str | None, doc_id: int) -> str:
    """"Invoice_INV-2026-00001.pdf"; characters a file system may dislike become "_"."""
    word = FILE_WORDS.get(kind, "Document")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", number or f"draft-{doc_id}").strip("_")
    return f"{word}_{safe or doc_id}.pdf"


def _digest(data: bytes | None) -> str:
    return hashlib.sha256(data).hexdigest() if data else "-"


Viewed = DocumentView | CreditNoteView


def view_hash(view: Viewed, template_source: str | None) -> str:
    """The cache key of a rendered PDF. ``repr`` of the frozen view covers every printed
    field (Decimals, dates and parties repr exactly); the images are ``repr=False`` and are
    hashed separately, as is the template."""
    parts = [repr(view), _digest(view.logo), _digest(view.stamp), _digest(view.signature),
             _digest(template_source.encode("utf-8") if template_source else None)]
    facturx = getattr(view, "facturx", None)
    if facturx:  # only then: the keys of every other stored PDF stay what they were
        parts.append(_digest(facturx))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def layout_for(country: str) -> Any:
    return "ru" if country in ("RU", "BY") else "intl"


def template_key(view: DocumentView) -> str:
    """The organization's template a view prints with (`TEMPLATE_NAMES`): invoices by layout,
    contracts by language, the other kinds by kind."""
    if view.kind == "invoice":
        return f"invoice_{view.layout}"
    return f"contract_{view.language}" if view.kind == "contract" else view.kind


@dataclass(frozen=True, slots=True)
class Made:
    """A document's PDF as it is now, read and rendered but not stored yet: the stored file
    when nothing printed has changed (`stored`), else the fresh bytes (stored by `_keep`, in
    the caller's write transaction)."""

    header: DocHeader
    kind: str  # what is stored: the document's kind or what it is printed as
    filename: str
    content: bytes
    view_hash: str
    qr_png: bytes | None
    qr_payload: str | None
    stored: StoredFile | None

    def reused(self, stored: StoredFile) -> PdfFile:
        return PdfFile(stored.id, stored.filename, stored.content, stored.sha256, self.qr_png,
                       self.header, rendered=False, qr_payload=self.qr_payload)


@dataclass(frozen=True, slots=True)
class Reading:
    """What rendering needs, read in the caller's unit of work."""

    header: DocHeader
    view: Viewed | None  # None: the stored PDF is what is sent (a contract, as signed)
    kind: str
    filename: str
    template: str | None
    view_hash: str
    stored: StoredFile | None


class RenderingMixin(DeliveryBase):
    """The PDF of a document: built, rendered once, stored."""

    # --- rendering and storing ----------------------------------------------------------

    async def _view(self, uow: UnitOfWork, actor: User, header: DocHeader) -> DocumentView:
        org, req = None, None
        images = await uow.stored_documents.organization_images(header.organization_id)
        if header.kind == "quote":
            org = await uow.organizations.get(header.organization_id)
            req = (await uow.invoices.company_requisites(header.company_id)
                   if header.company_id is not None else None)
        if header.kind == "invoice":
            r = await self._invoices.for_render_in(uow, actor, header.id)
            seller, buyer, lines, units = r.seller, r.buyer, r.lines, r.units
            number, issue, due, currency, mode = (r.number, r.issue_date, r.due_date,
                                                  r.currency, r.tax_mode)
            language, pct, amt, paid = (r.language, r.total_discount_percent,
                                        r.total_discount_amount, r.paid_amount)
            valid_until = None
            inv = r.invoice
            market: dict[str, Any] = {
                "delivery_date": inv.delivery_date, "exchange_rate": inv.exchange_rate,
                "accounting_currency": r.accounting_currency or None,
                "reverse_charge": inv.reverse_charge,
                "vat_exemption_reason": inv.vat_exemption_reason or ""}
        else:
            market = {}
            quote = await self._quotes.read_in(uow, actor, header.id)
            if org is None:
                raise Conflict("no_organization")
            seller = quote.seller or seller_party(org)
            buyer = quote.buyer or (req.as_party() if req else Party(name=quote.buyer_name))
            lines = tuple(x.as_input() for x in quote.lines)
            units = tuple(x.unit for x in quote.lines)
            number = quote.number_text or "—"
            issue = quote.created_at.date()
            due, valid_until = None, quote.valid_until
            currency, language = quote.currency, quote.language
            mode = quote.tax_mode  # type: ignore[assignment]  # a TaxMode by construction
            pct, amt, paid = quote.discount_percent, quote.discount_amount, Decimal("0.00")
        lang: Any = language if language in ("ru", "en", "ro") else "ru"
        return build_invoice_view(
            seller=PartyView(**asdict(seller)), buyer=PartyView(**asdict(buyer)),
            lines=lines, units=units, currency=currency, number=number, issue_date=issue,
            tax_mode=mode, language=lang, layout=layout_for(seller.country),
            kind=header.kind,  # type: ignore[arg-type]
            due_date=due, valid_until=valid_until, total_discount_percent=pct,
            total_discount_amount=amt, paid_amount=paid, logo=images.get("logo"),
            stamp=images.get("stamp"), signature=images.get("signature"), **market)

    async def _credit_note_view(self, uow: UnitOfWork, actor: User,
                                header: DocHeader) -> CreditNoteView:
        """The credit note in its market's form (`build_credit_note_view`): its stored lines,
        each with the invoice line as it stood before it (less the earlier credit notes);
        the parties, language and tax mode of its invoice as that prints them."""
        note = await uow.credit_notes.get(header.id, actor.owner_scope())
        if note is None:
            raise NotFound(entity="credit_note", id=header.id)
        r = await self._invoices.for_render_in(uow, actor, note.invoice_id)
        before = {x.id: x for x in await uow.credit_notes.invoice_lines(note.invoice_id,
                                                                         note.id)}
        cur = note.currency
        lines = []
        for x in note.lines:
            was = before.get(x.source_line_id)
            if was is None:  # cannot happen: a credit note's lines come from its invoice
                raise NotFound(entity="line", id=x.source_line_id)
            rate: VatRate = NO_VAT if x.vat_rate == NO_VAT else Decimal(x.vat_rate)
            lines.append(CreditLineInput(
                x.position, x.name, x.unit, rate, from_minor(x.unit_price_minor, cur),
                was.quantity_left, from_minor(was.net_minor - was.credited_net_minor, cur),
                from_minor(was.vat_minor - was.credited_vat_minor, cur), x.quantity,
                from_minor(x.net_minor, cur), from_minor(x.vat_minor, cur)))
        images = await uow.stored_documents.organization_images(header.organization_id)
        lang: Any = r.language if r.language in ("ru", "en", "ro") else "ru"
        # The УКД corrects the UPD the goods went with, when one was issued.
        upd = await uow.issued_documents.get("invoice", note.invoice_id, "upd")
        return build_credit_note_view(
            seller=PartyView(**asdict(r.seller)), buyer=PartyView(**asdict(r.buyer)),
            lines=lines, currency=cur, number=note.number_text, issue_date=note.issue_date,
            invoice_number=r.number, invoice_date=r.issue_date, reason=note.reason,
            tax_mode=r.tax_mode, language=lang, layout=layout_for(r.seller.country),
            reverse_charge=r.invoice.reverse_charge,
            vat_exemption_reason=r.invoice.vat_exemption_reason or "",
            logo=images.get("logo"), stamp=images.get("stamp"),
            signature=images.get("signature"),
            transfer_number=upd.number_text if upd is not None else "",
            transfer_date=upd.issue_date if upd is not None else None,
            exchange_rate=r.invoice.exchange_rate,
            accounting_currency=r.accounting_currency or "")

    async def _read_pdf(self, uow: UnitOfWork, actor: User, header: DocHeader,
                        printing: Printing | None = None) -> Reading:
        """Everything the PDF of the document as it is now is made of, and the stored file
        when nothing printed has changed (keyed by `view_hash`)."""
        if header.kind == "contract":  # drawn once (`ContractsMixin`): what is signed
            stored = await uow.stored_documents.latest("contract", header.id, "contract_pdf")
            if stored is None:
                raise NotFound(entity="contract", id=header.id)
            return Reading(header, None, header.kind, stored.filename, None,
                           stored.view_hash or "", stored)
        if header.kind == "credit_note":  # no uploaded templates for credit notes
            note = await self._credit_note_view(uow, actor, header)
            key = view_hash(note, None)
            stored = await uow.stored_documents.by_view_hash(header.kind, header.id, key)
            return Reading(header, note, header.kind,
                           pdf_filename(header.kind, header.number_text, header.id), None,
                           key, stored)
        view = await self._view(uow, actor, header)
        if printing is None and header.kind == "invoice":
            view = await self._with_facturx(uow, actor, header, view)
        kind = header.kind
        if printing is not None:
            view = as_printed(view, printing.kind,  # type: ignore[arg-type]  # checked
                              printing.number, printing.day, printing.received)
            kind = printing.kind
        template = await uow.stored_documents.template(header.organization_id,
                                                       template_key(view))
        key = view_hash(view, template)
        stored = await uow.stored_documents.by_view_hash(header.kind, header.id, key)
        filename = pdf_filename(kind, view.number if printing else header.number_text,
                                header.id)
        return Reading(header, view, kind, filename, template, key, stored)

    async def _with_facturx(self, uow: UnitOfWork, actor: User, header: DocHeader,
                            view: DocumentView) -> DocumentView:
        """An EU buyer's EUR invoice carries its CII (Factur-X, EN 16931), embedded by the
        renderer in a PDF/A-3. When the data cannot make a valid one (a requisite missing)
        the invoice is printed as a plain PDF: the customer still gets their invoice."""
        if not facturx_applies(view.seller.country, view.buyer.country, view.currency):
            return view  # ordinary invoices: nothing more is read
        r = await self._invoices.for_render_in(uow, actor, header.id)
        try:
            xml = invoice_xml(r, "en16931")
        except InvalidInput as err:
            logger.warning("invoice %s printed without Factur-X: %s", header.id, err)
            return view
        return replace(view, facturx=xml)

    async def _make(self, read: Reading) -> Made:
        """The PDF (rendered in the renderer's worker processes unless stored already) and
        its payment QR: no transaction is open meanwhile."""
        view = read.view
        payload = view.qr_payload if view is not None else None
        qr = await self._images.qr_photo(payload) if payload else None
        if read.stored is not None:
            content, filename = read.stored.content, read.stored.filename
        else:
            assert view is not None  # only a stored PDF is read without its view
            content, filename = await self._renderer.render(view, read.template), read.filename
        return Made(read.header, read.kind, filename, content, read.view_hash, qr,
                    payload or None, read.stored)

    async def _keep(self, uow: CustomerUnitOfWork, made: Made, created_by: int | None) -> PdfFile:
        """The PDF as a stored file: the stored one, else stored now in the caller's write
        transaction."""
        if made.stored is not None:
            return made.reused(made.stored)
        digest = hashlib.sha256(made.content).hexdigest()
        header = made.header
        doc_id = await uow.stored_documents.add(
            kind=f"{made.kind}_pdf", subject_type=header.kind, subject_id=header.id,
            filename=made.filename, mime_type="application/pdf", content=made.content,
            sha256=digest, view_hash=made.view_hash, created_by=created_by,
            now=self._clock.now())
        return PdfFile(doc_id, made.filename, made.content, digest, made.qr_png, header,
                       rendered=True, qr_payload=made.qr_payload)

    async def _produce(self, actor: User, header: DocHeader, created_by: int | None,
                       printing: Printing | None = None) -> PdfFile:
        """The PDF of the document as it is now: the stored bytes when nothing printed has
        changed, else rendered (outside any transaction) and stored in one."""
        async with self._uow(readonly=True) as uow:
            read = await self._read_pdf(uow, actor, header, printing)
        return await self._stored(await self._make(read), created_by)

    async def _stored(self, made: Made, created_by: int | None) -> PdfFile:
        if made.stored is not None:  # nothing to write
            return made.reused(made.stored)
        async with self._uow() as uow:
            pdf = await self._keep(uow, made, created_by)
            await uow.commit()
        return pdf

    async def _owner(self, header: DocHeader) -> User:
        async with self._uow(readonly=True) as uow:
            owner = await uow.users.get(header.owner_id)
        if owner is None:
            raise NotFound(entity=header.kind, id=header.id)
        if not owner.is_staff:  # cannot happen: documents belong to staff
            raise NotFound(entity=header.kind, id=header.id)
        return owner

    async def pdf_for_owner(self, header: DocHeader) -> PdfFile:
        """The PDF rendered on behalf of the document's manager (the customer's side, which
        has no staff actor; the caller has checked the customer's right to it)."""
        return await self._stored(await self.made_for_owner(header), None)

    async def made_for_owner(self, header: DocHeader) -> Made:
        """`pdf_for_owner` read and rendered, not stored yet: the caller stores it (`keep`)
        in the write transaction of its use case."""
        owner = await self._owner(header)
        async with self._uow(readonly=True) as uow:
            read = await self._read_pdf(uow, owner, header)
        return await self._make(read)

    async def keep(self, uow: CustomerUnitOfWork, made: Made, created_by: int | None) -> PdfFile:
        """`made` as a stored file, in the caller's write transaction (see `_keep`)."""
        return await self._keep(uow, made, created_by)

    async def pdf(self, actor: User, kind: str, doc_id: int) -> PdfFile:
        """The PDF for the manager to look at or forward (stored; no delivery recorded)."""
        async with self._uow(readonly=True) as uow:
            header = await self._header(uow, actor, kind, doc_id)
        return await self._produce(actor, header, actor.id)
