"""e-Factura end to end through the sandbox, in Romanian: the Romanian demo organization's
invoice to a Romanian company (a 21 % line, an 11 % line, 5 % off the total). Its totals are
identical in the chat (the card), the PDF's text, the XML (LegalMonetaryTotal, TaxTotal and
its per-rate subtotals) and the database row. The card's «e-Factura (XML)» button sends the
file the manager uploads to ANAF; a client outside Romania gets the explained refusal; another
manager's forged button finds nothing; a credit note's menu sends its CreditNote, referring to
the invoice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree
from sqlalchemy import update

from handlers.delivery import DeliveryCb, Dv
from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.credit_notes import CreditNote, CreditNoteService
from services.invoices import InvoiceService
from services.money import format_money, from_minor
from services.organizations import OrganizationService, seed_demo_organization
from services.users import Role
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.harness import ADMIN, Harness, buttons
from tests.e2e.test_corrections import rows
from tests.e2e.test_documents_ship import next_document, pdf_text

MANAGER, MANAGER2 = 2301, 2302
D = Decimal
NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}
NOT_FOUND_RO = "Elementul nu a fost găsit."


def ron(amount: Decimal) -> str:
    return format_money(amount, "RON", "ro")


async def seed(bot: Harness) -> tuple[int, str, int]:
    """Ion (in Romanian) and his invoice to «Client Exemplu SRL» (Cluj), issued; Petr; a
    German client's invoice of Ion's. Returns (invoice id, number, German invoice id)."""
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        (admin,) = await access.ensure_admins([ADMIN])
        ion = await access.join(MANAGER, (await access.create_invite(admin, Role.MANAGER))
                                .token, "Ion", None, "ro")
        await access.join(MANAGER2, (await access.create_invite(admin, Role.MANAGER)).token,
                          "Petr", None, "ro")
        await seed_demo_organization(OrganizationService(db.uow, bot.clock), "RO")
        clients = ClientService(db.uow, bot.clock)
        company = await clients.create_company(ion, CompanyDraft(name="Client Exemplu"))
        german = await clients.create_company(ion, CompanyDraft(name="Beispiel"))
        async with db.uow() as uow:
            await uow.session.execute(update(m.Company).where(m.Company.id == company.id).values(
                legal_form="SRL", country="RO", tax_id="RO14399840", city="Cluj-Napoca",
                legal_address="Str. Memorandumului 28", region="RO-CJ", postal_code="400114",
                trade_register="J12/345/2015", vat_payer=True))
            await uow.session.execute(update(m.Company).where(m.Company.id == german.id).values(
                legal_form="GmbH", country="DE", tax_id="DE136695976", city="Berlin",
                legal_address="Friedrichstraße 68", postal_code="10117"))
            await uow.commit()
        invoices = InvoiceService(db.uow, bot.clock, "UTC")
        ids = []
        for client in (company.id, german.id):
            inv = await invoices.create_draft(ion, client)
            await invoices.add_free_line(ion, inv.id, "Scaun de birou", D(3), D("459.90"))
            await invoices.add_free_line(ion, inv.id, "Carte tehnică", D(7), D("87.35"))
            await invoices.update_line(ion, inv.id, 2, vat_rate=D(11))
            await invoices.set_discount(ion, inv.id, D(5), None)
            ids.append(await invoices.issue(ion, inv.id))
        first, other = ids
        assert first.number_text is not None
        return first.id, first.number_text, other.id
    finally:
        await db.dispose()


def xml_amount(doc: Any, path: str) -> Decimal:
    found = doc.xpath(path, namespaces=NS)
    assert len(found) == 1, path
    return D(found[0])


async def test_totals_are_identical_in_chat_pdf_xml_and_database(bot: Harness) -> None:
    invoice_id, number, german_id = await seed(bot)
    [(total_minor, vat_minor)] = await rows(bot, m.Invoice.total_minor, m.Invoice.vat_minor,
                                            where=m.Invoice.id == invoice_id)
    per_rate: dict[str, list[int]] = {}
    for rate, net, vat in await rows(bot, m.DocumentLine.vat_rate, m.DocumentLine.net_minor,
                                     m.DocumentLine.vat_minor,
                                     where=m.DocumentLine.invoice_id == invoice_id):
        per_rate.setdefault(str(rate), []).extend([net, vat])
    total, vat = from_minor(total_minor, "RON"), from_minor(vat_minor, "RON")
    net = total - vat
    vat21 = from_minor(per_rate["21"][1], "RON")
    vat11 = from_minor(per_rate["11"][1], "RON")
    assert vat21 + vat11 == vat and vat21 and vat11

    # The chat: the invoice card.
    listing = await bot.say(MANAGER, "/invoices")
    card = await bot.press(MANAGER, listing, next(b for b in buttons(listing)
                                                  if b.startswith(number)))
    for shown in (f"Total fără TVA: {ron(net)}", f"TVA 21%: {ron(vat21)}",
                  f"TVA 11%: {ron(vat11)}", f"Total: {ron(total)}"):
        assert shown in card["text"], shown
    assert "e-Factura (XML)" in buttons(card)

    # The PDF (Send… → PDF): the same amounts in its text.
    menu = await bot.press(MANAGER, card, "Trimiteți…")
    await bot.client.press(MANAGER, menu["message_id"], text="PDF")
    pdf = await next_document(bot, MANAGER, menu["message_id"])
    text = await pdf_text(bot, MANAGER, pdf)
    for amount in (net, vat21, vat11, total):
        assert ron(amount) in text, ron(amount)

    # The XML («e-Factura (XML)» on the card): the e-Factura, with the same totals.
    await bot.client.press(MANAGER, card["message_id"], text="e-Factura (XML)")
    sent = await next_document(bot, MANAGER, pdf["message_id"])
    assert sent["document"]["file_name"] == f"Invoice_{number}.xml"
    assert "gata de încărcat în SPV-ul ANAF" in sent["caption"]
    doc = etree.fromstring(await bot.client.file_bytes(MANAGER, sent["message_id"]))
    legal = "cac:LegalMonetaryTotal/cbc:"
    assert xml_amount(doc, legal + "TaxExclusiveAmount/text()") == net
    assert xml_amount(doc, legal + "TaxInclusiveAmount/text()") == total
    assert xml_amount(doc, legal + "PayableAmount/text()") == total
    assert xml_amount(doc, "cac:TaxTotal/cbc:TaxAmount/text()") == vat
    for rate, expected in (("21", per_rate["21"]), ("11", per_rate["11"])):
        sub = f"cac:TaxTotal/cac:TaxSubtotal[cac:TaxCategory/cbc:Percent='{rate}']/cbc:"
        assert xml_amount(doc, sub + "TaxAmount/text()") == from_minor(expected[1], "RON")
    # The XML's per-rate taxable amounts are the lines' nets after the discount (database).
    assert sum(xml_amount(doc, f"cac:TaxTotal/cac:TaxSubtotal[{i}]/cbc:TaxableAmount/text()")
               for i in (1, 2)) == net

    # A client outside Romania: the refusal, explained, in Romanian; nothing stored.
    own = await bot.say(MANAGER, "/invoices")
    data = DeliveryCb(action=Dv.XML, k="i", id=german_id).pack()
    await bot.client.press_raw(MANAGER, own["message_id"], data)
    refusal = await bot.client.wait_for(
        MANAGER, lambda msg: "e-Factura" in (msg.get("text") or ""), after=own["message_id"])
    assert "DE" in refusal["text"] and "Factur-X" in refusal["text"]
    # Petr's forged button for Ion's invoice: nothing sent.
    petr = await bot.say(MANAGER2, "/invoices")
    data = DeliveryCb(action=Dv.XML, k="i", id=invoice_id).pack()
    assert NOT_FOUND_RO in await bot.press_for_answer(
        MANAGER2, petr["message_id"], forged=True, callback_data=data)
    await bot.settled()
    assert not [x for x in await bot.client.messages(MANAGER2) if x.get("document")]
    assert await rows(bot, m.Document.subject_id, where=m.Document.kind
                      == "efactura_xml") == [(invoice_id,)]

    # A credit note (one chair back): its menu offers its e-Factura, a CreditNote that
    # refers to the invoice, for the credit note's stored total.
    note = await credit_one_chair(bot, invoice_id)
    listing = await bot.say(MANAGER, "/invoices")
    card = await bot.press(MANAGER, listing, next(b for b in buttons(listing)
                                                  if b.startswith(number)))
    menu = await bot.press(MANAGER, card, f"📄 {note.number_text}")
    assert buttons(menu) == ["E-mail", "PDF", "e-Factura (XML)"]
    await bot.client.press(MANAGER, menu["message_id"], text="e-Factura (XML)")
    sent = await next_document(bot, MANAGER, menu["message_id"])
    assert sent["document"]["file_name"] == f"Credit_note_{note.number_text}.xml"
    doc = etree.fromstring(await bot.client.file_bytes(MANAGER, sent["message_id"]))
    assert etree.QName(doc).localname == "CreditNote"
    assert doc.xpath("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID/text()",
                     namespaces=NS) == [number]
    assert xml_amount(doc, legal + "PayableAmount/text()") == note.total


async def credit_one_chair(bot: Harness, invoice_id: int) -> CreditNote:
    db = Database(create_engine(bot.database_url))
    try:
        access = AccessService(db.uow, bot.clock, "UTC")
        ion = await access.identify(MANAGER)
        assert ion is not None
        notes = CreditNoteService(db.uow, bot.clock, "UTC")  # type: ignore[arg-type]
        chairs = (await notes.state(ion, invoice_id)).lines[0]
        return await notes.issue(ion, invoice_id, {chairs.id: D(1)}, "Retur un scaun")
    finally:
        await db.dispose()
