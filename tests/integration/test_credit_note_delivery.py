"""A credit note's document through delivery on a real database (SQLite, and PostgreSQL when
TEST_POSTGRES_URL is set) with real PDFs: the Russian demo organization's УКД rendered from
the stored lines, stored once and re-used while nothing printed changes; a second credit note
on the same line starts from what the first left; e-mailed like an invoice (the delivery
recorded); no links; another manager's credit note is NotFound and stores nothing."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from bot.images import PoolImageTools
from bot.pdf import PdfRenderer
from services.credit_notes import CreditNoteService
from services.delivery import DeliveryService, DeliverySettings, OutgoingEmail
from services.errors import Conflict, NotFound
from services.money import format_money
from storage import models as m
from storage.uow import Database
from tests.integration.test_delivery import make_world, pdf_text, renderer, rows

__all__ = ["renderer"]  # the module-scoped renderer fixture, shared

D = Decimal


def rub(amount: str) -> str:
    return format_money(D(amount), "RUB", "ru").replace("\u202f", " ").replace("\u00a0", " ")


def flat(text: str) -> str:
    return " ".join(re.sub(r"[\u00a0\u202f]", " ", text).split())


class Mailbox:
    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []

    async def send_document(self, email: OutgoingEmail) -> None:
        self.sent.append(email)


async def test_credit_note_pdf_stored_reused_mailed_and_scoped(
        db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    mailbox = Mailbox()
    delivery = DeliveryService(db.uow, w.clock, w.invoices, w.quotes, renderer,
                               PoolImageTools(renderer), mailbox,
                               DeliverySettings(30, "https://crm.example.com"))
    notes = CreditNoteService(db.uow, w.clock, "UTC")  # type: ignore[arg-type]
    inv = await w.invoices.create_draft(w.m1, w.company)
    await w.invoices.add_free_line(w.m1, inv.id, "Консультация", D(3), D("1500.00"))
    inv = await w.invoices.issue(w.m1, inv.id)
    assert inv.number_text is not None
    (line,) = (await notes.state(w.m1, inv.id)).lines
    first = await notes.issue(w.m1, inv.id, {line.id: D(1)}, "Скидка после выставления")
    # The stored amounts, as the credit note service computed them.
    (stored_line,) = first.lines
    net, vat = D(stored_line.net_minor) / 100, D(stored_line.vat_minor) / 100

    pdf = await delivery.pdf(w.m1, "credit_note", first.id)
    text = flat(pdf_text(pdf.content))
    assert pdf.rendered and pdf.filename.startswith("Credit_note_")
    for mention in ("Универсальный корректировочный документ", "Статус: 1",
                    f"Корректировочный счёт-фактура № {first.number_text}",
                    f"к счёту № {inv.number_text} от",
                    "Основание для корректировки: Скидка после выставления",
                    f"А — до изменения 3 {rub('1500.00')}",
                    f"Б — после изменения 2 {rub('1500.00')}",
                    f"Всего уменьшение (сумма строк Г) {rub(str(net))} X {rub(str(vat))} "
                    f"{rub(str(net + vat))}"):
        assert mention in text, mention
    again = await delivery.pdf(w.m1, "credit_note", first.id)
    assert (again.rendered, again.document_id, again.sha256) == (False, pdf.document_id,
                                                                 pdf.sha256)
    assert await rows(db, m.Document.kind, m.Document.subject_type,
                      where=m.Document.id == pdf.document_id) == [
        ("credit_note_pdf", "credit_note")]

    # The rest of the line: its document starts from the 2 the first one left.
    rest = await notes.issue(w.m1, inv.id, None, "Возврат")
    text = flat(pdf_text((await delivery.pdf(w.m1, "credit_note", rest.id)).content))
    assert f"А — до изменения 2 {rub('1500.00')}" in text
    assert f"Б — после изменения 0 {rub('1500.00')} {rub('0.00')}" in text

    # E-mailed like an invoice: the stored PDF attached, the delivery recorded.
    assert await delivery.send_email(w.m1, "credit_note", first.id, "buh@romashka.ru") \
        == "buh@romashka.ru"
    [mail] = mailbox.sent
    assert (mail.kind, mail.number, mail.total, mail.filename) == (
        "credit_note", first.number_text, first.total, pdf.filename)
    assert await rows(db, m.DocumentDelivery.document_id, m.DocumentDelivery.channel) == [
        (pdf.document_id, "email")]
    assert await rows(db, m.AuditEntry.entity_id, where=m.AuditEntry.action
                      == "credit_note.deliver") == [(first.id,)]

    # No links for a credit note; the invoice is untouched by sending its credit note.
    for make_link in (delivery.deep_link, delivery.public_link):
        with pytest.raises(Conflict) as refused:
            await make_link(w.m1, "credit_note", first.id)
        assert refused.value.code == "no_links"
    assert await rows(db, m.AccessToken.id) == []

    # Another manager: NotFound for the PDF, the e-mail and the send menu; nothing stored.
    documents = await rows(db, m.Document.id)
    for forged in (delivery.pdf(w.m2, "credit_note", first.id),
                   delivery.send_email(w.m2, "credit_note", first.id, "x@example.com"),
                   delivery.options(w.m2, "credit_note", first.id)):
        with pytest.raises(NotFound):
            await forged
    assert await rows(db, m.Document.id) == documents
    assert len(mailbox.sent) == 1
