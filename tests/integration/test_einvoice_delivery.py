"""e-Factura and Factur-X of our issued documents, on a real database (SQLite, and PostgreSQL
when TEST_POSTGRES_URL is set) with real PDFs and a real SMTP server (aiosmtpd):

* the Romanian demo organization's invoice to a Romanian company (21 % and 11 % lines, a
  document discount) gives an e-Factura valid under the UBL XSD and CIUS-RO 1.0.9, with the
  invoice row's totals; stored once; another manager's id is NotFound and stores nothing;
* refusals store nothing: a buyer outside Romania (explained), a missing county code (named);
* a credit note gives a valid UBL CreditNote referring to its invoice, with its stored total;
* the e-mail carries the XML beside the PDF, both recorded as delivered;
* an EU buyer's EUR invoice is a PDF/A-3 whose embedded factur-x.xml is the CII we build,
  valid for the factur-x library's XSD and the CII D16B / Factur-X schemas;
* `dealchat einvoice NUMBER --out FILE` writes the stored e-Factura; a refusal exits 1
  with the bot's words; an unknown number exits 2.

The validation parts skip, saying why, when the rules folder is absent."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import update

from bot.cli import main as cli_main
from bot.einvoice.check import EInvoiceValidator, rules_dir
from bot.images import PoolImageTools
from bot.mailer import SmtpMailer
from bot.pdf import PdfRenderer
from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.credit_notes import CreditNoteService
from services.delivery import DeliveryService, DeliverySettings
from services.delivery.structured import invoice_xml
from services.errors import Conflict, InvalidInput, NotFound
from services.invoices import Invoice, InvoiceService
from services.organizations import OrganizationService, seed_demo_organization
from services.quotes import QuoteService
from services.users import Role, User
from storage import models as m
from storage.db import create_engine
from storage.uow import Database
from tests.e2e.test_delivery import Inbox, serving
from tests.integration.test_delivery import T0, pdf_text, renderer, rows

__all__ = ["renderer"]  # the module-scoped renderer fixture, shared

D = Decimal
NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}


@pytest.fixture(scope="module")
def validator() -> EInvoiceValidator:
    folder = rules_dir()
    checker = EInvoiceValidator(folder)
    if not checker.available():
        pytest.skip(f"e-invoice rules folder {folder} is absent (EFACTURA_RULES_DIR): "
                    "XSD and schematron validation not run")
    return checker


@dataclass
class World:
    clock: FrozenClock
    invoices: InvoiceService
    delivery: DeliveryService
    m1: User
    m2: User
    company: int
    german: int


RO_BUYER: dict[str, Any] = {
    "legal_form": "SRL", "country": "RO", "tax_id": "RO14399840",
    "legal_address": "Str. Memorandumului 28", "city": "Cluj-Napoca", "region": "RO-CJ",
    "postal_code": "400114", "trade_register": "J12/345/2015", "vat_payer": True}
DE_BUYER: dict[str, Any] = {
    "legal_form": "GmbH", "country": "DE", "tax_id": "DE136695976",
    "legal_address": "Friedrichstraße 68", "city": "Berlin", "region": "",
    "postal_code": "10117", "vat_payer": True}


async def make_world(db: Database, renderer: PdfRenderer, smtp_port: int | None = None
                     ) -> World:
    clock = FrozenClock(T0)
    access = AccessService(db.uow, clock, "UTC")
    (admin,) = await access.ensure_admins([1])
    m1 = await access.join(2, (await access.create_invite(admin, Role.MANAGER)).token,
                           "Ion", None, "ro")
    m2 = await access.join(3, (await access.create_invite(admin, Role.MANAGER)).token,
                           "Petr", None, "en")
    await seed_demo_organization(OrganizationService(db.uow, clock), "RO")
    clients = ClientService(db.uow, clock)
    company = await clients.create_company(m1, CompanyDraft(name="Client Exemplu",
                                                            email="contabil@exemplu.ro"))
    german = await clients.create_company(m1, CompanyDraft(name="Beispiel"))
    async with db.uow() as uow:
        for cid, values in ((company.id, RO_BUYER), (german.id, DE_BUYER)):
            await uow.session.execute(update(m.Company).where(m.Company.id == cid)
                                      .values(**values))
        await uow.commit()
    invoices = InvoiceService(db.uow, clock, "UTC")
    mailer = (SmtpMailer("127.0.0.1", smtp_port, sender="facturi@demo.example")
              if smtp_port else None)
    delivery = DeliveryService(db.uow, clock, invoices,
                               QuoteService(db.uow, clock, invoices, "UTC"), renderer,
                               PoolImageTools(renderer), mailer,
                               DeliverySettings(30, "https://crm.example.com"))
    return World(clock, invoices, delivery, m1, m2, company.id, german.id)


async def romanian_invoice(w: World, company: int | None = None) -> Invoice:
    """21 % and 11 % lines, 5 % off the total: the acceptance's tax mix."""
    inv = await w.invoices.create_draft(w.m1, company or w.company)
    await w.invoices.add_free_line(w.m1, inv.id, "Scaun de birou", D(3), D("459.90"))
    await w.invoices.add_free_line(w.m1, inv.id, "Carte tehnică", D(2), D("87.35"))
    await w.invoices.update_line(w.m1, inv.id, 2, vat_rate=D(11))
    await w.invoices.set_discount(w.m1, inv.id, D(5), None)
    return await w.invoices.issue(w.m1, inv.id)


def amount(doc: etree._Element, path: str) -> Decimal:
    found = doc.findtext(path, namespaces=NS)
    assert found is not None, path
    return D(found)


async def test_efactura_of_an_invoice_valid_stored_once_scoped_and_refused(
        db: Database, renderer: PdfRenderer, validator: EInvoiceValidator) -> None:
    w = await make_world(db, renderer)
    draft = await w.invoices.create_draft(w.m1, w.company)
    with pytest.raises(Conflict):  # a draft has no number: no e-Factura
        await w.delivery.efactura(w.m1, "invoice", draft.id)
    inv = await romanian_invoice(w)
    xml = await w.delivery.efactura(w.m1, "invoice", inv.id)
    assert xml.filename == f"Invoice_{inv.number_text}.xml"
    report = validator.validate(xml.content)
    assert (report.kind, report.error_ids) == ("ubl-invoice", [])

    doc = etree.fromstring(xml.content)
    assert doc.findtext("cbc:ID", namespaces=NS) == inv.number_text
    # The invoice row's totals (minor units in the database) are the XML's.
    [(total, vat)] = await rows(db, m.Invoice.total_minor, m.Invoice.vat_minor,
                                where=m.Invoice.id == inv.id)
    assert amount(doc, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount") * 100 == total
    assert amount(doc, "cac:LegalMonetaryTotal/cbc:PayableAmount") == inv.grand_total
    assert amount(doc, "cac:TaxTotal/cbc:TaxAmount") * 100 == vat == inv.vat_total * 100
    assert amount(doc, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") == inv.net_total
    rates = sorted(D(p) for p in doc.xpath("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/"
                                           "cbc:Percent/text()", namespaces=NS))
    assert rates == [D(11), D(21)]
    assert doc.findtext("cac:AllowanceCharge/cbc:AllowanceChargeReason",
                        namespaces=NS) == "Reducere"

    # Stored as the exact bytes; asked again, the same row.
    again = await w.delivery.efactura(w.m1, "invoice", inv.id)
    assert (again.document_id, again.content) == (xml.document_id, xml.content)
    assert await rows(db, m.Document.kind, m.Document.mime_type, m.Document.content,
                      where=m.Document.kind == "efactura_xml") == [
        ("efactura_xml", "application/xml", xml.content)]

    # Another manager, a forged id, a quote's id: NotFound, nothing stored.
    documents = await rows(db, m.Document.id)
    for forged in (w.delivery.efactura(w.m2, "invoice", inv.id),
                   w.delivery.efactura(w.m1, "invoice", inv.id + 1000),
                   w.delivery.efactura(w.m1, "quote", inv.id)):
        with pytest.raises(NotFound):
            await forged

    # A buyer outside Romania: explained; a Romanian buyer without the county code: named.
    german = await romanian_invoice(w, w.german)
    with pytest.raises(InvalidInput) as refused:
        await w.delivery.efactura(w.m1, "invoice", german.id)
    assert (refused.value.code, refused.value.params["country"]) == (
        "einvoice_buyer_not_ro", "DE")
    async with db.uow() as uow:
        await uow.session.execute(update(m.Company).where(m.Company.id == w.company)
                                  .values(region=None))
        await uow.commit()
    no_county = await romanian_invoice(w)
    with pytest.raises(InvalidInput) as refused:
        await w.delivery.efactura(w.m1, "invoice", no_county.id)
    assert (refused.value.code, refused.value.params["field"]) == (
        "einvoice_buyer_missing", "region")
    assert await rows(db, m.Document.id) == documents


async def test_credit_note_efactura_refers_to_its_invoice(
        db: Database, renderer: PdfRenderer, validator: EInvoiceValidator) -> None:
    w = await make_world(db, renderer)
    inv = await romanian_invoice(w)
    notes = CreditNoteService(db.uow, w.clock, "UTC")  # type: ignore[arg-type]
    first, _ = (await notes.state(w.m1, inv.id)).lines
    note = await notes.issue(w.m1, inv.id, {first.id: D(1)}, "Retur un scaun")
    xml = await w.delivery.efactura(w.m1, "credit_note", note.id)
    report = validator.validate(xml.content)
    assert (report.kind, report.error_ids) == ("ubl-credit-note", [])
    doc = etree.fromstring(xml.content)
    assert doc.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert doc.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
                        namespaces=NS) == inv.number_text
    assert amount(doc, "cac:LegalMonetaryTotal/cbc:PayableAmount") == note.total
    assert amount(doc, "cac:TaxTotal/cbc:TaxAmount") * 100 == note.vat_minor
    assert "Retur un scaun" in doc.xpath("cbc:Note/text()", namespaces=NS)
    with pytest.raises(NotFound):
        await w.delivery.efactura(w.m2, "credit_note", note.id)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with serving(Inbox()) as served:
        yield served


async def test_email_carries_the_efactura_beside_the_pdf(
        db: Database, renderer: PdfRenderer, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    w = await make_world(db, renderer, port)
    inv = await romanian_invoice(w)
    assert await w.delivery.send_email(w.m1, "invoice", inv.id, "contabil@exemplu.ro") \
        == "contabil@exemplu.ro"
    [message] = inbox.messages
    parts = {p.get_filename(): (p.get_content_type(), p.get_content())
             for p in message.iter_attachments()}
    xml = await w.delivery.efactura(w.m1, "invoice", inv.id)  # the stored one
    assert parts[f"Invoice_{inv.number_text}.xml"] == ("application/xml", xml.content)
    assert parts[f"Invoice_{inv.number_text}.pdf"][0] == "application/pdf"
    body = message.get_body(("plain",))
    assert body is not None \
        and "Este atașată și factura electronică (e-Factura, XML)." in body.get_content()
    assert sorted(await rows(db, m.Document.kind, m.DocumentDelivery.channel,
                             where=m.Document.id == m.DocumentDelivery.document_id)) == [
        ("efactura_xml", "email"), ("invoice_pdf", "email")]

    # A German client's invoice is e-mailed with its PDF alone.
    german = await romanian_invoice(w, w.german)
    await w.delivery.send_email(w.m1, "invoice", german.id, "buch@beispiel.de")
    assert [p.get_filename() for p in inbox.messages[1].iter_attachments()] == [
        f"Invoice_{german.number_text}.pdf"]


async def test_eu_buyer_in_eur_gets_a_factur_x_pdf(
        db: Database, renderer: PdfRenderer, validator: EInvoiceValidator) -> None:
    w = await make_world(db, renderer)
    inv = await w.invoices.create_draft(w.m1, w.german, currency="EUR")
    await w.invoices.add_free_line(w.m1, inv.id, "Consulting", D(4), D("120.00"))
    # The intra-EU service: reverse charge; a Romanian seller's EUR invoice needs its rate.
    await w.invoices.set_reverse_charge(w.m1, inv.id, True)
    await w.invoices.set_exchange_rate(w.m1, inv.id, D("4.9771"))
    inv = await w.invoices.issue(w.m1, inv.id)
    pdf = await w.delivery.pdf(w.m1, "invoice", inv.id)
    reader = PdfReader(io.BytesIO(pdf.content))
    embedded = {name: data[0] for name, data in reader.attachments.items()}
    assert set(embedded) == {"factur-x.xml"}
    # The CII we build from the invoice's read is the one in the PDF.
    cii = invoice_xml(await w.invoices.get_for_render(w.m1, inv.id), "en16931")
    assert embedded["factur-x.xml"] == cii
    assert facturx.xml_check_xsd(cii, flavor="factur-x", level="en16931")
    report = validator.validate(cii)
    assert (report.kind, report.error_ids) == ("cii", [])
    # PDF/A-3 (what Factur-X requires), and still the invoice a reader prints.
    metadata = reader.xmp_metadata
    assert metadata is not None and metadata.pdfaid_part == "3"  # type: ignore[attr-defined]
    assert inv.number_text is not None and inv.number_text in pdf_text(pdf.content)

    # An ordinary invoice (RON, Romanian buyer) stays a plain PDF: nothing embedded.
    plain = await w.delivery.pdf(w.m1, "invoice", (await romanian_invoice(w)).id)
    assert PdfReader(io.BytesIO(plain.content)).attachments == {}


def test_cli_writes_the_stored_efactura(
        database_url: str, renderer: PdfRenderer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """In-process (`bot.cli.main`, as `python -m bot` runs it): a subprocess would pay
    aiogram's import, seconds on a shared machine, three times."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the command line is shown on SQLite")

    async def seed() -> tuple[str, str]:
        db = Database(create_engine(database_url))
        try:
            w = await make_world(db, renderer)
            inv, german = await romanian_invoice(w), await romanian_invoice(w, w.german)
            return str(inv.number_text), str(german.number_text)
        finally:
            await db.dispose()

    async def stored() -> list[tuple[object, ...]]:
        db = Database(create_engine(database_url))
        try:
            return await rows(db, m.Document.content, where=m.Document.kind == "efactura_xml")
        finally:
            await db.dispose()

    number, german = asyncio.run(seed())
    out = tmp_path / "out" / "factura.xml"
    url = ["--database-url", database_url]
    assert cli_main(["einvoice", number, "--out", str(out), *url]) == 0
    assert f"e-Factura (Invoice) of {number}" in capsys.readouterr().out
    assert [(out.read_bytes(),)] == asyncio.run(stored())
    assert cli_main(["einvoice", german, "--out", str(tmp_path / "x.xml"), *url]) == 1
    assert "e-Factura goes only to buyers in Romania; this client is in DE" \
        in capsys.readouterr().err
    assert not (tmp_path / "x.xml").exists()
    assert cli_main(["einvoice", "NOPE-1", "--out", str(tmp_path / "y.xml"), *url]) == 2
    assert "no issued invoice or credit note" in capsys.readouterr().err
    assert cli_main(["einvoice", "--validate", str(out)]) == 0
