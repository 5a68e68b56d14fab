"""Issue 19, part C: contracts drawn from a deal, through DeliveryService on a real database
(SQLite, and PostgreSQL when TEST_POSTGRES_URL is set) with real PDFs read back as text.

A Russian organization's services agreement from the deal's invoice and a Romanian one's from
the deal's quote (in the client's language), with both parties' requisites, the subject, the
price with VAT and in words, the payment terms, the term and the signatories; the gapless
series across two contracts; the reprint (same number, same bytes, even after the requisites
changed); the end date in /contracts and in the expiry alert's query; e-mailed like any
document; the same button twice draws one contract; refusals (another manager's deal, a deal
with no client or nothing to sell, missing requisites, an end before the start) number
nothing; the organization's own template for a language, with its stamp and signature."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select, update

from bot.images import PoolImageTools
from bot.pdf import PdfRenderer
from services.access import AccessService
from services.clients import ClientService, CompanyDraft
from services.clock import FrozenClock
from services.contracts import ContractService, ContractTerms
from services.deals import DealDraft, DealService
from services.delivery import DeliveryService, DeliverySettings
from services.errors import Conflict, InvalidInput, NotFound
from services.invoices import InvoiceService, Line
from services.money import format_money
from services.organizations import OrganizationService, seed_demo_organization
from services.quotes import QuoteService
from services.users import Role, User
from services.words import amount_in_words
from storage import models as m
from storage.alerts import SqlAlertRepository
from storage.deals import sync_pipelines
from storage.uow import Database
from tests.integration.test_credit_note_delivery import Mailbox
from tests.integration.test_delivery import T0, renderer
from tests.integration.test_payments import PIPELINES
from tests.integration.test_pdf import flat

__all__ = ["renderer"]  # the module-scoped renderer fixture, shared

D = Decimal
START, END = date(2026, 4, 1), date(2027, 3, 31)

RU_CLIENT = {"country": "RU", "legal_form": "АО", "tax_id": "7728168971", "kpp": "772801001",
             "ogrn": "1027739019208", "payment_terms_days": 21,
             "legal_address": "117648, г. Москва, мкр. Чертаново Северное, д. 1А"}
RO_CLIENT = {"country": "RO", "tax_id": "RO14399840", "trade_register": "J12/345/2019",
             "legal_address": "Str. Memorandumului 28", "city": "Cluj-Napoca",
             "region": "RO-CJ", "language": "ro", "vat_payer": True}


@dataclass
class World:
    db: Database
    clock: FrozenClock
    delivery: DeliveryService
    contracts: ContractService
    deals: DealService
    invoices: InvoiceService
    quotes: QuoteService
    mailbox: Mailbox
    admin: User
    m1: User
    m2: User
    company: int
    other_company: int


async def make_world(db: Database, renderer: PdfRenderer, country: str = "RU",
                     client: dict[str, Any] | None = None) -> World:
    clock = FrozenClock(T0)
    async with db.uow() as uow:
        await sync_pipelines(uow.session, PIPELINES)
        await uow.commit()
    access = AccessService(db.uow, clock, "UTC")
    (admin,) = await access.ensure_admins([1])
    m1 = await access.join(2, (await access.create_invite(admin, Role.MANAGER)).token,
                           "Ivan", None, "en")
    m2 = await access.join(3, (await access.create_invite(admin, Role.MANAGER)).token,
                           "Petr", None, "en")
    await seed_demo_organization(OrganizationService(db.uow, clock), country)
    clients = ClientService(db.uow, clock)
    name = "Ромашка" if country == "RU" else "Client Nou SRL"
    company = await clients.create_company(m1, CompanyDraft(name=name,
                                                            email="buh@client.example"))
    other = await clients.create_company(m2, CompanyDraft(name="Лютик"))
    async with db.uow() as uow:  # the client's requisites, as its card holds them
        await uow.session.execute(update(m.Company).where(m.Company.id == company.id)
                                  .values(**(client or RU_CLIENT)))
        await uow.commit()
    invoices = InvoiceService(db.uow, clock, "UTC")
    quotes = QuoteService(db.uow, clock, invoices, "UTC")
    mailbox = Mailbox()
    delivery = DeliveryService(db.uow, clock, invoices, quotes, renderer,
                               PoolImageTools(renderer), mailbox,
                               DeliverySettings(30, "https://crm.example.com"))
    return World(db, clock, delivery, ContractService(db.uow, clock),
                 DealService(db.uow, clock, PIPELINES), invoices, quotes, mailbox, admin, m1,
                 m2, company.id, other.id)


async def deal_with_invoice(w: World, title: str = "Внедрение CRM"
                            ) -> tuple[int, Decimal, Decimal]:
    """A deal of Ivan's client with an issued invoice of two services, VAT 22% on top (the
    organization's tax mode): (deal id, total, VAT)."""
    deal = await w.deals.create(w.m1, DealDraft(title=title, company_id=w.company))
    inv = await w.invoices.create_draft(w.m1, w.company, deal.id)
    await w.invoices.add_line(w.m1, inv.id, Line("Настройка CRM", D(1), D("50000"), D(22),
                                                 unit="усл.", supply="service"))
    await w.invoices.add_line(w.m1, inv.id, Line("Обучение менеджеров", D(2), D("5000"),
                                                 D(22), unit="час", supply="service"))
    issued = await w.invoices.issue(w.m1, inv.id)
    return deal.id, issued.grand_total, issued.vat_total


async def rows(w: World, *columns: Any) -> list[tuple[Any, ...]]:
    async with w.db.uow(readonly=True) as uow:
        return [tuple(r) for r in (await uow.session.execute(
            select(*columns).order_by(columns[0]))).all()]


async def counters(w: World) -> dict[str, int]:
    async with w.db.uow(readonly=True) as uow:
        return {str(k): int(n) for k, n in (await uow.session.execute(
            select(m.NumberSeries.kind, m.NumberSeries.last_number)
            .where(m.NumberSeries.kind == "contract"))).all()}


async def change(w: World, table: Any, values: dict[str, Any]) -> None:
    async with w.db.uow() as uow:
        await uow.session.execute(update(table).values(**values))
        await uow.commit()


def terms(deal_id: int, language: str = "ru", **more: Any) -> ContractTerms:
    return ContractTerms(deal_id, START, END, language, **more)


async def test_russian_services_agreement_from_the_deals_invoice(
        db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    deal_id, total, vat = await deal_with_invoice(w)
    plan = await w.delivery.contract_plan(w.m1, deal_id)
    assert (plan.client_name, plan.source, plan.total, plan.currency, plan.language) == (
        "Ромашка", "invoice", total, "RUB", "ru")

    issued = await w.delivery.issue_contract(w.m1, terms(deal_id))
    contract = issued.contract
    assert (contract.number, contract.amount, contract.currency, contract.ends_on) == (
        "1/2026", total, "RUB", END)
    assert issued.pdf.filename == "Contract_1_2026.pdf"
    text = flat(issued.pdf.content)
    rub = format_money(total, "RUB", "ru")
    assert (total, vat) == (D("73200.00"), D("13200.00"))
    for mention in (
        "Договор оказания услуг № 1/2026",
        "Москва 10 марта 2026 г.",
        "ООО «Демо» (далее — «Исполнитель»), от имени которого действует Генеральный "
        "директор Иванов И. И. на основании Устава, с одной стороны, и АО Ромашка (далее — "
        "«Заказчик»), с другой стороны, заключили настоящий договор о нижеследующем:",
        "Исполнитель обязуется оказать, а Заказчик — принять и оплатить услуги",
        "Настройка CRM 1 усл.", "Обучение менеджеров 2 час",
        f"Цена договора составляет {rub} ({amount_in_words(total, 'RUB', 'ru')}).",
        f"НДС 22%: {format_money(vat, 'RUB', 'ru')}.",
        # the client's own payment terms, in the plural CLDR gives 21
        "в течение 21 календарного дня с даты выставления счёта",
        "Договор вступает в силу 1 апреля 2026 г. и действует по 31 марта 2027 г. "
        "включительно.",
        # both parties' requisites: ИНН/КПП, ОГРН, address, bank, BIK, account
        "Исполнитель ООО «Демо» ИНН 7707083893, КПП 773601001 ОГРН 1027700132195 117997, "
        "г. Москва, ул. Вавилова, д. 19, Москва Банк: ПАО Сбербанк "
        "Сч. № 40702810938000000001 БИК 044525225 Корр. счёт 30101810400000000225",
        "Заказчик АО Ромашка ИНН 7728168971, КПП 772801001 ОГРН 1027739019208 117648, "
        "г. Москва, мкр. Чертаново Северное, д. 1А",
        # the signatories
        "Исполнитель Генеральный директор Иванов И. И. (подпись) (ф. и. о.) М.П. "
        "Заказчик (должность)",
    ):
        assert mention in text, (mention, text)
    assert "QR" not in text and "Всего к оплате" not in text  # not an invoice


async def test_romanian_contract_from_the_deals_quote_in_the_clients_language(
        db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer, "RO", RO_CLIENT)
    async with w.db.uow() as uow:  # a signer by power of attorney instead of the director
        await uow.session.execute(update(m.Organization).values(
            signer_name="Ionescu Maria", signer_position="Director vânzări",
            signer_poa_number="12", signer_poa_date=date(2026, 1, 15)))
        await uow.commit()
    deal = await w.deals.create(w.m1, DealDraft(title="Mentenanță site", company_id=w.company,
                                                currency="RON"))
    quote = await w.quotes.create_for_deal(w.m1, deal.id)
    await w.quotes.add_line(w.m1, quote.id, Line("Mentenanță site", D(12), D("1500"), D(21),
                                                 unit="lună", supply="service"))
    plan = await w.delivery.contract_plan(w.m1, deal.id)
    assert (plan.source, plan.language, plan.currency) == ("quote", "ro", "RON")

    issued = await w.delivery.issue_contract(w.m1, terms(deal.id, plan.language))
    text = flat(issued.pdf.content)
    total = issued.contract.amount
    assert total is not None and total == plan.total
    ron = format_money(total, "RON", "ro")
    for mention in (
        "Contract de prestări servicii nr. 1/2026",
        "10 martie 2026",
        "Demo SRL, denumită în continuare „Prestator”, reprezentată prin Director vânzări "
        "Ionescu Maria, în baza procurii nr. 12 din 15.01.2026, pe de o parte, și Client Nou "
        "SRL, denumită în continuare „Beneficiar”, pe de altă parte, au încheiat prezentul "
        "contract după cum urmează:",
        "Prestatorul se obligă să presteze, iar Beneficiarul să recepționeze și să plătească "
        "serviciile",
        "Mentenanță site 12 lună",
        f"Prețul contractului este de {ron} ({amount_in_words(total, 'RON', 'ro')}).",
        "TVA 21%:",
        "în termen de 5 zile calendaristice de la data emiterii facturii",
        "Contractul intră în vigoare la 1 aprilie 2026 și este valabil până la 31 martie "
        "2027 inclusiv.",
        # both parties' requisites: CUI, Nr. Reg. Com., address, bank, IBAN
        "Prestator Demo SRL CUI RO18547290 Nr. Reg. Com. J40/1234/2020 Str. Exemplu 1, "
        "Sector 1 Banca: Banca Exemplu IBAN: RO49AAAA1B31007593840000 BIC RZBRROBU",
        "Beneficiar Client Nou SRL CUI RO14399840 Nr. Reg. Com. J12/345/2019 "
        "Str. Memorandumului 28, Cluj-Napoca",
        "Prestator Director vânzări",
        "Ionescu Maria",
    ):
        assert mention in text, (mention, text)


async def test_gapless_series_reprint_alert_and_email(db: Database,
                                                      renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    first_deal, _, _ = await deal_with_invoice(w)
    second_deal, _, _ = await deal_with_invoice(w, "Поддержка")
    first = await w.delivery.issue_contract(w.m1, terms(first_deal))
    second = await w.delivery.issue_contract(w.m1, terms(second_deal, "en"))
    assert (first.contract.number, second.contract.number) == ("1/2026", "2/2026")
    assert "Services agreement No. 2/2026" in flat(second.pdf.content)
    assert await counters(w) == {"contract": 2}
    assert await rows(w, m.IssuedDocument.subject_id, m.IssuedDocument.subject_type,
                      m.IssuedDocument.kind, m.IssuedDocument.number_text) == [
        (first.contract.id, "contract", "contract", "1/2026"),
        (second.contract.id, "contract", "contract", "2/2026")]

    # Reprinted a month later, after the director changed: the contract as signed.
    w.clock.advance(timedelta(days=30))
    async with w.db.uow() as uow:
        await uow.session.execute(update(m.Organization).values(director="Сидоров С. С."))
        await uow.commit()
    again = await w.delivery.pdf(w.m1, "contract", first.contract.id)
    assert (again.document_id, again.rendered, again.content, again.filename) == (
        first.pdf.document_id, False, first.pdf.content, "Contract_1_2026.pdf")
    assert (await w.delivery.pdf(w.admin, "contract", second.contract.id)).content \
        == second.pdf.content
    assert await counters(w) == {"contract": 2}

    # In /contracts (mine only) and in what the expiry alert reads.
    listed = await w.contracts.list(w.m1)
    assert [(c.number, c.client_name, c.ends_on, c.drawn) for c in listed] == [
        ("1/2026", "Ромашка", END, True), ("2/2026", "Ромашка", END, True)]
    assert await w.contracts.list(w.m2) == []
    async with w.db.uow(readonly=True) as uow:
        ending = await SqlAlertRepository(uow.session, "sqlite").contracts_ending(
            END - timedelta(days=30), END)
    assert [(e.contract_id, e.number, e.ends_on) for e in ending] == [
        (first.contract.id, "1/2026", END), (second.contract.id, "2/2026", END)]

    # E-mailed like any document: the stored PDF, the delivery recorded.
    assert await w.delivery.send_email(w.m1, "contract", first.contract.id,
                                       "buh@client.example") == "buh@client.example"
    [mail] = w.mailbox.sent
    assert (mail.kind, mail.number, mail.language, mail.pdf) == (
        "contract", "1/2026", "ru", first.pdf.content)
    assert await rows(w, m.DocumentDelivery.document_id, m.DocumentDelivery.channel) == [
        (first.pdf.document_id, "email")]
    # A Telegram link like an invoice's: "ctr_" and a token naming this contract.
    link = await w.delivery.deep_link(w.m1, "contract", first.contract.id)
    assert link.start_payload.startswith("ctr_")
    assert (link.subject_type, link.subject_id) == ("contract", first.contract.id)
    with pytest.raises(NotFound):
        await w.delivery.deep_link(w.m2, "contract", first.contract.id)
    # Another manager: neither the card nor the PDF.
    with pytest.raises(NotFound):
        await w.contracts.get(w.m2, first.contract.id)
    with pytest.raises(NotFound):
        await w.delivery.pdf(w.m2, "contract", first.contract.id)


async def test_the_same_button_twice_draws_one_contract(db: Database,
                                                        renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    deal_id, _, _ = await deal_with_invoice(w)
    once = await w.delivery.issue_contract(w.m1, terms(deal_id, origin_key="contract:2:77"))
    twice = await w.delivery.issue_contract(w.m1, terms(deal_id, origin_key="contract:2:77"))
    assert (twice.contract.id, twice.contract.number, twice.pdf.document_id) == (
        once.contract.id, "1/2026", once.pdf.document_id)
    assert await counters(w) == {"contract": 1}


async def test_the_deals_amount_when_it_has_no_invoice_or_quote(
        db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    deal = await w.deals.create(w.m1, DealDraft(title="Аудит продаж", company_id=w.company,
                                                amount=D("61000"), currency="RUB"))
    plan = await w.delivery.contract_plan(w.m1, deal.id)
    assert (plan.source, plan.total) == ("deal", D("61000.00"))
    text = flat((await w.delivery.issue_contract(w.m1, terms(deal.id))).pdf.content)
    assert "1 Аудит продаж 1 шт." in text
    assert f"В том числе НДС 22%: {format_money(D('11000.00'), 'RUB', 'ru')}." in text


async def test_refusals_number_nothing(db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    deal_id, _, _ = await deal_with_invoice(w)
    # Another manager's deal (a forged button): not found, at the plan and at the issue.
    with pytest.raises(NotFound):
        await w.delivery.contract_plan(w.m2, deal_id)
    with pytest.raises(NotFound):
        await w.delivery.issue_contract(w.m2, terms(deal_id))
    # An end before the start.
    with pytest.raises(InvalidInput) as bad:
        await w.delivery.issue_contract(w.m1, ContractTerms(deal_id, END, START, "ru"))
    assert bad.value.code == "contract_end_before_start"
    # A deal with no client; a deal with nothing to sell.
    lonely = await w.deals.create(w.m1, DealDraft(title="Без клиента"))
    with pytest.raises(Conflict) as refused:
        await w.delivery.issue_contract(w.m1, terms(lonely.id))
    assert refused.value.code == "contract_without_client"
    empty = await w.deals.create(w.m1, DealDraft(title="Пусто", company_id=w.company))
    with pytest.raises(Conflict) as refused:
        await w.delivery.contract_plan(w.m1, empty.id)
    assert refused.value.code == "contract_without_lines"
    # Requisites the contract cannot be drawn without, named (each put back after).
    for table, values, was, field in (
            (m.Organization, {"director": ""}, {"director": "Иванов И. И."},
             ("missing_seller_requisite", "director")),
            (m.Company, {"tax_id": None}, {"tax_id": RU_CLIENT["tax_id"]},
             ("missing_buyer_requisite", "tax_id")),
            (m.Company, {"legal_address": None}, {"legal_address": "г. Москва"},
             ("missing_buyer_requisite", "address"))):
        await change(w, table, values)
        with pytest.raises(InvalidInput) as missing:
            await w.delivery.contract_plan(w.m1, deal_id)
        with pytest.raises(InvalidInput) as missing_too:
            await w.delivery.issue_contract(w.m1, terms(deal_id))
        assert (missing.value.code, missing.value.params) == (
            missing_too.value.code, missing_too.value.params) == (field[0], {"field": field[1]})
        await change(w, table, was)
    assert await counters(w) == {}
    assert await rows(w, m.Contract.id) == [] and await rows(w, m.IssuedDocument.id) == []
    assert await rows(w, m.Document.id, m.Document.kind) == []


async def test_an_organization_without_a_bank_account_is_refused(
        db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    deal_id, _, _ = await deal_with_invoice(w)
    async with w.db.uow() as uow:
        await uow.session.execute(update(m.Invoice).values(bank_account_id=None))
        await uow.session.execute(m.OrganizationAccount.__table__.delete())  # type: ignore[attr-defined]
        await uow.commit()
    with pytest.raises(InvalidInput) as missing:
        await w.delivery.issue_contract(w.m1, terms(deal_id))
    assert (missing.value.code, missing.value.params) == (
        "missing_seller_requisite", {"field": "account"})
    assert await counters(w) == {} and await rows(w, m.Contract.id) == []


# An organization's own Russian contract: the shared body, its own title line.
OWN_RU = ('{% extends "_contract.html.j2" %}{% block title %}<h1>ДОГОВОР ОРГАНИЗАЦИИ '
          '№ {{ doc.number }} до {{ doc.ends_on | ldate }}</h1>{% endblock %}')


async def test_the_organizations_template_per_language_and_its_pictures(
        db: Database, renderer: PdfRenderer) -> None:
    w = await make_world(db, renderer)
    # Test-rendered on the specimen contract first: a field it does not have is refused.
    with pytest.raises(InvalidInput) as bad:
        await w.delivery.save_template(w.admin, "contract_ru", "{{ doc.no_such_field }}")
    assert bad.value.code == "template_error" and "no_such_field" in bad.value.params["error"]
    assert await w.delivery.save_template(w.admin, "contract_ru", OWN_RU) == "contract_ru"
    await w.delivery.save_image(w.admin, "stamp", png(400, 400))
    await w.delivery.save_image(w.admin, "signature", png(300, 100))
    first, _, _ = await deal_with_invoice(w)
    second, _, _ = await deal_with_invoice(w, "Поддержка")
    ru = await w.delivery.issue_contract(w.m1, terms(first))
    text = flat(ru.pdf.content)
    assert "ДОГОВОР ОРГАНИЗАЦИИ № 1/2026 до 31.03.2027" in text
    assert "Цена договора составляет" in text  # the body below it is ours
    assert len(images_of(ru.pdf.content)) == 2  # the stamp and the signature
    # The English contract has no template of the organization's: the shipped one.
    en = flat((await w.delivery.issue_contract(w.m1, terms(second, "en"))).pdf.content)
    assert "Services agreement No. 2/2026" in en and "ОРГАНИЗАЦИИ" not in en


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def images_of(pdf: bytes) -> list[Any]:
    return [image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images]
