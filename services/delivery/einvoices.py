"""The e-Factura of an issued invoice or credit note (issue 16): built from the same read as
its PDF (`services.delivery.structured`), scoped exactly like it (a manager only their own
documents; another's, or a forged id, is NotFound), stored as the exact bytes produced
(`documents`, kind "efactura_xml"; unchanged bytes are stored once) and returned to be sent
in chat, e-mailed beside the PDF, or written by `dealchat einvoice NUMBER --out FILE`.

A refusal (a buyer outside Romania, a missing requisite: ``InvalidInput`` naming it) stores
nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.delivery.model import DocHeader, StoredFile, XmlFile
from services.delivery.rendering import RenderingMixin, pdf_filename
from services.delivery.structured import (
    EFACTURA_KIND,
    XML_MIME,
    credit_note_xml,
    efactura_applies,
    invoice_xml,
    xml_key,
)
from services.errors import InvalidInput, NotFound
from services.users import User

if TYPE_CHECKING:
    from services.delivery.ports import CustomerUnitOfWork
    from services.delivery.ports import DeliveryUnitOfWork as UnitOfWork

#: The documents that have an e-Factura.
EFACTURA_SUBJECTS = ("invoice", "credit_note")


@dataclass(frozen=True, slots=True)
class XmlReading:
    """An e-Factura built in the caller's read, not stored yet (`stored`: the same bytes
    stored before)."""

    header: DocHeader
    filename: str
    content: bytes
    key: str
    stored: StoredFile | None


def xml_filename(kind: str, number: str | None, doc_id: int) -> str:
    """"Invoice_DMO-2026-00001.xml" (the PDF's name, with .xml)."""
    return pdf_filename(kind, number, doc_id).removesuffix(".pdf") + ".xml"


def _as_file(stored: StoredFile, header: DocHeader) -> XmlFile:
    return XmlFile(stored.id, stored.filename, stored.content, stored.sha256, header,
                   stored.mime_type)


class EInvoiceMixin(RenderingMixin):
    """The e-Factura XML of an invoice or credit note."""

    async def _efactura_read(self, uow: UnitOfWork, actor: User, header: DocHeader,
                             romanian_b2b_only: bool = False) -> XmlReading | None:
        """The document's e-Factura, built from the PDF's read in ``uow``. Raises
        ``InvalidInput`` when it cannot be made; with ``romanian_b2b_only`` returns None
        instead of building one for a document that is not Romanian B2B."""
        if header.kind == "credit_note":
            note = await uow.credit_notes.get(header.id, actor.owner_scope())
            if note is None:
                raise NotFound(entity="credit_note", id=header.id)
            r = await self._invoices.for_render_in(uow, actor, note.invoice_id)
            if romanian_b2b_only and not efactura_applies(r.seller, r.buyer):
                return None
            content = credit_note_xml(note, r)
        else:
            r = await self._invoices.for_render_in(uow, actor, header.id)
            if romanian_b2b_only and not efactura_applies(r.seller, r.buyer):
                return None
            content = invoice_xml(r)
        key = xml_key(content)
        stored = await uow.stored_documents.by_view_hash(header.kind, header.id, key)
        return XmlReading(header, xml_filename(header.kind, header.number_text, header.id),
                          content, key, stored)

    async def _keep_xml(self, uow: CustomerUnitOfWork, reading: XmlReading,
                        created_by: int | None) -> XmlFile:
        """The XML as a stored file: the stored one, else stored now in the caller's write
        transaction."""
        if reading.stored is not None:
            return _as_file(reading.stored, reading.header)
        digest = hashlib.sha256(reading.content).hexdigest()
        header = reading.header
        doc_id = await uow.stored_documents.add(
            kind=EFACTURA_KIND, subject_type=header.kind, subject_id=header.id,
            filename=reading.filename, mime_type=XML_MIME, content=reading.content,
            sha256=digest, view_hash=reading.key, created_by=created_by,
            now=self._clock.now())
        return XmlFile(doc_id, reading.filename, reading.content, digest, header, XML_MIME)

    async def _xml_stored(self, reading: XmlReading, created_by: int | None) -> XmlFile:
        if reading.stored is not None:  # nothing to write
            return _as_file(reading.stored, reading.header)
        async with self._uow() as uow:
            xml = await self._keep_xml(uow, reading, created_by)
            await uow.commit()
        return xml

    async def efactura(self, actor: User, kind: str, doc_id: int) -> XmlFile:
        """The e-Factura (UBL, CIUS-RO) of the actor's issued invoice or credit note: an
        Invoice, or a CreditNote referring to its invoice. Scoped like the PDF; refused
        (``InvalidInput``, nothing stored) for a buyer outside Romania or a missing
        requisite, Conflict("not_sendable") for a draft or a cancelled invoice."""
        if kind not in EFACTURA_SUBJECTS:
            raise NotFound(entity="document")

        async def read(uow: UnitOfWork, header: DocHeader) -> XmlReading:
            reading = await self._efactura_read(uow, actor, header)
            assert reading is not None
            return reading

        return await self._xml_stored(await self._sendable(actor, kind, doc_id, read),
                                      actor.id)

    async def efactura_by_number(self, number: str) -> XmlFile:
        """`efactura` of the invoice or credit note numbered ``number``, on behalf of its
        manager (the operator's command line: no staff actor). NotFound for no such
        number; InvalidInput("ambiguous_number") when both an invoice and a credit note
        carry it."""
        async with self._uow(readonly=True) as uow:
            found = await uow.delivery.numbered(number.strip(), EFACTURA_SUBJECTS)
            if not found:
                raise NotFound(entity="document")
            if len(found) > 1:
                raise InvalidInput("ambiguous_number", field="number")
            header = await self._header(uow, None, *found[0])
        owner = await self._owner(header)
        return await self.efactura(owner, header.kind, header.id)
