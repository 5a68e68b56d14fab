"""InvoiceService on the in-memory fakes: drafts and their lines, the VAT modes, issuing with
numbers that have no gap, cancelling, the list's sums and the actor's scope."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal as D

import pytest

from services.alerts import replan_invoice
from services.catalog import Price, ProductDraft
from services.deals import DealDraft
from services.errors import Conflict, InvalidInput, NotFound
from services.invoices import Line
from services.pricing import NO_VAT
from tests.unit.services.conftest import World


async def test_a_draft_is_priced_again_on_every_change(w: World) -> None:
    draft = await w.invoices.create_draft(w.m1, w.c1)
    assert (draft.status, draft.currency, draft.tax_mode, draft.number) == ("draft", "RUB",
                                                                            "per_line", None)
    assert draft.buyer_name == "Ромашка" and draft.grand_total == D("0.00")
    doc = await w.invoices.add_free_line(w.m1, draft.id, "Доставка", D(2), D("100.00"))
    assert doc.lines[0].vat_rate == D(22)  # the organization's standard rate today
    assert (doc.subtotal, doc.vat_total, doc.grand_total) == (D("200.00"), D("44.00"),
                                                             D("244.00"))
    doc = await w.invoices.add_line(w.m1, doc.id, Line("Бумага", D("1.5"), D("10.00"),
                                                       NO_VAT))
    assert [x.position for x in doc.lines] == [1, 2]
    assert doc.grand_total == D("259.00")
    doc = await w.invoices.update_line(w.m1, doc.id, 2, quantity=D(3))
    assert (doc.lines[1].total, doc.grand_total) == (D("30.00"), D("274.00"))
    doc = await w.invoices.set_discount(w.m1, doc.id, D(10), None)
    assert doc.discount_total == D("23.00") and doc.grand_total == D("246.60")  # 180 + 39.60 + 27
    doc = await w.invoices.remove_line(w.m1, doc.id, 1)
    assert [(x.position, x.name) for x in doc.lines] == [(1, "Бумага")]
    assert doc.grand_total == D("27.00")
    # Bad input changes nothing.
    with pytest.raises(NotFound):
        await w.invoices.update_line(w.m1, doc.id, 5, quantity=D(1))
    with pytest.raises(InvalidInput):
        await w.invoices.set_tax_mode(w.m1, doc.id, "sometimes")
    assert (await w.invoices.get(w.m1, doc.id)).grand_total == D("27.00")


@pytest.mark.parametrize(("mode", "vat", "total"), [
    ("per_line", "0.06", "0.36"),  # 0.022 rounds to 0.02 on each of the three lines
    ("on_total", "0.07", "0.37"),  # 0.066 once, on the sum of the nets
    ("included", "0.06", "0.30"),  # the prices already hold the VAT
])
async def test_the_vat_modes(w: World, mode: str, vat: str, total: str) -> None:
    draft = await w.invoices.create_draft(w.m1, w.c1)
    await w.invoices.set_tax_mode(w.m1, draft.id, mode)
    for name in ("A", "B", "C"):
        doc = await w.invoices.add_line(w.m1, draft.id, Line(name, D(1), D("0.10"), D(22)))
    assert (doc.tax_mode, doc.vat_total, doc.grand_total) == (mode, D(vat), D(total))
    assert doc.vat_breakdown[0].vat == D(vat)


async def test_a_catalog_line_takes_the_price_of_the_documents_currency(w: World) -> None:
    product = await w.catalog.create(w.admin, ProductDraft(
        name="Бумага", vat_code="10", sku="P-1",
        prices=(Price("base", "RUB", D("300.00")), Price("base", "EUR", D("3.00")))))
    draft = await w.invoices.create_draft(w.m1, w.c1, currency="EUR")
    doc = await w.invoices.add_product(w.m1, draft.id, product.id, D(2))
    assert (doc.currency, doc.lines[0].unit_price, doc.grand_total) == ("EUR", D("3.00"),
                                                                        D("6.60"))
    with pytest.raises(Conflict) as err:
        await w.invoices.set_currency(w.m1, doc.id, "RUB")
    assert err.value.code == "currency_has_lines"
    usd = await w.invoices.create_draft(w.m1, w.c1, currency="USD")
    with pytest.raises(InvalidInput) as bad:
        await w.invoices.add_product(w.m1, usd.id, product.id, D(1))
    assert bad.value.code == "no_price_in_currency"


async def issued(w: World, company: int | None = None) -> str:
    draft = await w.invoices.create_draft(w.m1, company or w.c1)
    await w.invoices.add_line(w.m1, draft.id, Line("Работы", D(1), D("100.00"), NO_VAT))
    doc = await w.invoices.issue(w.m1, draft.id)
    assert doc.number_text is not None
    return doc.number_text


async def test_issued_numbers_have_no_gap(w: World) -> None:
    assert [await issued(w) for _ in range(2)] == ["INV-2026-00001", "INV-2026-00002"]
    empty = await w.invoices.create_draft(w.m1, w.c1)
    with pytest.raises(Conflict) as err:
        await w.invoices.issue(w.m1, empty.id)  # refused: its number is not used up
    assert err.value.code == "no_lines"
    no_buyer = await w.invoices.create_draft(w.m1, None)
    await w.invoices.add_line(w.m1, no_buyer.id, Line("X", D(1), D(1), NO_VAT))
    with pytest.raises(Conflict) as err:
        await w.invoices.issue(w.m1, no_buyer.id)
    assert err.value.code == "no_buyer"
    assert await issued(w) == "INV-2026-00003"
    third = await w.invoices.list(w.m1, ["issued"], limit=1)
    doc = third.items[0]
    assert (doc.issue_date, doc.due_date) == (date(2026, 11, 20), date(2026, 11, 25))
    assert doc.seller is not None and doc.seller.tax_id == w.org.tax_id
    assert doc.buyer is not None and doc.buyer.name == "Ромашка"


async def test_issued_is_final_and_cancelled_keeps_its_number(w: World) -> None:
    number = await issued(w)
    (doc,) = (await w.invoices.list(w.m1, ["issued"])).items
    with pytest.raises(Conflict) as err:
        await w.invoices.add_line(w.m1, doc.id, Line("More", D(1), D(1), NO_VAT))
    assert err.value.code == "not_draft"
    with pytest.raises(Conflict):
        await w.invoices.issue(w.m1, doc.id)
    cancelled = await w.invoices.cancel(w.m1, doc.id)
    assert (cancelled.status, cancelled.number_text) == ("cancelled", number)
    with pytest.raises(Conflict) as err:
        await w.invoices.transition(w.m1, doc.id, "sent")
    assert err.value.code == "bad_transition"
    assert await issued(w) == "INV-2026-00002"


async def test_the_list_sums_per_currency_without_the_cancelled(w: World) -> None:
    await issued(w)
    await issued(w)
    eur = await w.invoices.create_draft(w.m1, w.c1, currency="EUR")
    await w.invoices.add_line(w.m1, eur.id, Line("Y", D(1), D("7.50"), NO_VAT))
    page = await w.invoices.list(w.m1, limit=2)
    assert (page.total, [d.currency for d in page.items]) == (3, ["EUR", "RUB"])
    assert page.sums == {"EUR": D("7.50"), "RUB": D("200.00")}
    await w.invoices.cancel(w.m1, page.items[1].id)
    assert (await w.invoices.list(w.m1)).sums == {"EUR": D("7.50"), "RUB": D("100.00")}


async def test_another_managers_invoice_and_client_are_not_found(w: World) -> None:
    draft = await w.invoices.create_draft(w.m1, w.c1)
    with pytest.raises(NotFound) as err:
        await w.invoices.create_draft(w.m2, w.c1)
    assert err.value.params == {"entity": "company", "id": w.c1}
    for call in (lambda i: w.invoices.get(w.m2, i),
                 lambda i: w.invoices.add_free_line(w.m2, i, "X", D(1), D(1)),
                 lambda i: w.invoices.issue(w.m2, i),
                 lambda i: w.invoices.cancel(w.m2, i)):
        for doc_id in (draft.id, draft.id + 100):
            with pytest.raises(NotFound) as err:
                await call(doc_id)
            assert err.value.params == {"entity": "invoice", "id": doc_id}
    assert (await w.invoices.list(w.m2)).total == 0
    seen = await w.invoices.get(w.admin, draft.id)
    assert (seen.status, seen.lines) == ("draft", ())
    deal = await w.deals.create(w.m1, DealDraft(title="Paper", company_id=w.c1))
    with pytest.raises(NotFound):
        await w.invoices.create_for_deal(w.m2, deal.id)
    mine = await w.invoices.create_for_deal(w.m1, deal.id)
    assert (mine.deal_id, mine.company_id) == (deal.id, w.c1)


async def test_invoices_issued_at_once_get_distinct_numbers_in_a_row(w: World) -> None:
    drafts = []
    for _ in range(5):
        draft = await w.invoices.create_draft(w.m1, w.c1)
        await w.invoices.add_line(w.m1, draft.id, Line("X", D(1), D(1), NO_VAT))
        drafts.append(draft.id)
    issued_docs = await asyncio.gather(*(w.invoices.issue(w.m1, i) for i in drafts))
    assert sorted(d.number for d in issued_docs if d.number) == [1, 2, 3, 4, 5]


async def test_cancel_with_a_reason_withdraws_reminders_and_tells_the_customer(
        w: World) -> None:
    await w.db.add_contact(w.m1.id, "Ольга", company_id=w.c1, telegram_user_id=777,
                           language="ru")
    await issued(w)
    (doc,) = (await w.invoices.list(w.m1, ["issued"])).items
    await w.invoices.transition(w.m1, doc.id, "sent")
    async with w.db.uow() as uow:
        assert (await replan_invoice(uow, doc.id, w.clock.now()))[0] > 0
        await uow.commit()
    cancelled = await w.invoices.cancel(w.m1, doc.id, "Клиент отказался")
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Клиент отказался")
    (entry,) = [e for e in w.db.state.audit if e["action"] == "invoice.cancel"]
    assert (entry["data"], entry["company_id"]) == ({"reason": "Клиент отказался"}, w.c1)
    rows = w.db.outbox_rows()
    assert [r.status for r in rows if r.invoice_id == doc.id] \
        and {r.status for r in rows if r.invoice_id == doc.id} == {"cancelled"}
    told = [r for r in rows if r.kind == "invoice_cancelled"]
    assert [(r.chat_id, r.payload["lang"], r.payload["number"]) for r in told] == [
        (777, "ru", cancelled.number_text)]


async def test_an_invoice_with_money_on_it_is_not_cancelled(w: World) -> None:
    await issued(w)
    (doc,) = (await w.invoices.list(w.m1, ["issued"])).items
    await w.payments.record_manual(w.m1, doc.id, "cash", "40", action_key="a1")
    with pytest.raises(Conflict) as err:
        await w.invoices.cancel(w.m1, doc.id, "Ошибка")
    assert (err.value.code, err.value.params["paid"]) == ("has_payments", D("40.00"))
    fresh = await w.invoices.get(w.m1, doc.id)
    assert (fresh.status, fresh.cancel_reason) == ("partially_paid", None)
    assert not [e for e in w.db.state.audit if e["action"] == "invoice.cancel"]
