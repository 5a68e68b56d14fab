"""LeadService on the in-memory fakes: capture with its required fields, the website form
(duplicates folded, round robin, the manager's push in the same commit), qualification and
conversion with its duplicate check, and the actor's scope."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.clients import CompanyDraft
from services.errors import Conflict, InvalidInput, NotFound
from services.leads import ConvertChoice, InvalidFields, LeadDraft, LeadStatus
from services.notices import LEAD_PUSH
from services.users import Role
from tests.unit.services.conftest import World

PHONE = "+79161234567"


async def qualified(w: World, draft: LeadDraft) -> int:
    lead = await w.leads.create(w.m1, draft)
    await w.leads.set_status(w.m1, lead.id, "qualified")
    return lead.id


async def test_capture_needs_the_required_fields(w: World) -> None:
    with pytest.raises(InvalidInput) as err:
        await w.leads.create(w.m1, LeadDraft(contact_name="Анна"))
    assert (err.value.code, err.value.params["fields"]) == ("lead_missing", ("phone",))
    assert (await w.leads.list_leads(w.m1)).total == 0
    lead = await w.leads.create(w.m1, LeadDraft(contact_name=" Анна ", phone="8 916 123-45-67",
                                                email="Anna@Example.COM", source="call"))
    assert (lead.contact_name, lead.phone, lead.email) == ("Анна", PHONE, "anna@example.com")
    assert lead.status == "new" and lead.owner_id == w.m1.id
    saved = await w.leads.create(w.m1, LeadDraft(contact_name="Борис"), allow_missing=["phone"])
    page = await w.leads.list_leads(w.m1)
    assert [x.id for x in page.items] == [saved.id, lead.id]  # newest first (same time: id)


async def test_the_web_form_folds_repeats_and_pushes_the_manager_once(w: World) -> None:
    form = {"name": "Ольга", "phone": "+7 916 123-45-67", "topic": "Paper"}
    first = await w.leads.create_from_web(form)
    again = await w.leads.create_from_web({**form, "email": "olga@example.com"})
    assert not first.duplicate and again.duplicate
    assert again.lead.id == first.lead.id and first.owner.id == w.m1.id  # managers, by id
    pushes = w.db.outbox_rows()
    assert [(m.kind, m.chat_id, m.payload["name"]) for m in pushes] == [
        (LEAD_PUSH, w.m1.telegram_id, "Ольга")]
    # Out of the window, the next lead goes to the next manager (round robin).
    w.clock.advance(timedelta(minutes=2))
    later = await w.leads.create_from_web(form)
    assert not later.duplicate and later.owner.id == w.m2.id
    pushes = w.db.outbox_rows()
    assert [(m.kind, m.chat_id, m.payload["lang"]) for m in pushes][-1] == (
        LEAD_PUSH, w.m2.telegram_id, "ru")


async def test_bad_web_form_fields_are_all_reported_and_nothing_is_written(w: World) -> None:
    with pytest.raises(InvalidFields) as err:
        await w.leads.create_from_web({"phone": "12", "email": "not-an-email"})
    assert err.value.params["fields"] == {"name": "missing", "phone": "invalid_phone",
                                          "email": "invalid_email"}
    assert (await w.leads.list_leads(w.admin)).total == 0
    assert w.db.outbox_rows() == []


async def test_conversion_creates_the_client_and_the_deal(w: World) -> None:
    lead_id = await qualified(w, LeadDraft(contact_name="Анна", company_name="ООО Берёзка",
                                           phone=PHONE, topic="Офисная бумага",
                                           first_message="Нужна бумага"))
    result = await w.leads.convert(w.m1, lead_id)
    assert result.duplicates == () and result.deal is not None
    assert (result.created_company, result.created_contact) == (True, True)
    assert (result.company_name, result.contact_name) == ("ООО Берёзка", "Анна")
    assert (result.deal.title, result.deal.stage_code) == ("Офисная бумага", "new")
    assert result.lead.status == LeadStatus.CONVERTED and result.lead.deal_id == result.deal.id
    card = await w.deals.card(w.m1, result.deal.id)
    assert (card.company_name, card.contact_name, card.owner_name) == ("ООО Берёзка", "Анна",
                                                                       "M1")
    with pytest.raises(Conflict) as err:
        await w.leads.convert(w.m1, lead_id)
    assert err.value.code == "lead_converted"
    with pytest.raises(Conflict):
        await w.leads.set_status(w.m1, lead_id, "junk", "late")


async def test_duplicates_stop_conversion_until_the_manager_chooses(w: World) -> None:
    known = await w.clients.create_company(w.m1, CompanyDraft(name="Берёзка", phone=PHONE))
    lead_id = await qualified(w, LeadDraft(contact_name="Анна", company_name="Берёзка",
                                           phone=PHONE, email="anna@example.com"))
    check = await w.leads.convert(w.m1, lead_id)
    assert [(d.kind, d.id, d.matched_by) for d in check.duplicates] == [
        ("company", known.id, ("phone",))]
    assert check.deal is None and (await w.deals.list_deals(w.m1))[1] == 0
    assert (await w.leads.get(w.m1, lead_id)).status == "qualified"
    with pytest.raises(NotFound):
        await w.leads.convert(w.m1, lead_id, ConvertChoice.USE, "co999")
    merged = await w.leads.convert(w.m1, lead_id, ConvertChoice.MERGE, f"co{known.id}")
    assert merged.company_id == known.id and not merged.created_company
    assert merged.created_contact and merged.carried_over == ("email",)
    assert merged.deal is not None and merged.deal.company_id == known.id
    # The merge filled what the client lacked; a second look finds it by e-mail too.
    again = await qualified(w, LeadDraft(contact_name="Анна", phone="+79160000000",
                                         email="anna@example.com"))
    found = await w.leads.convert(w.m1, again)
    assert {(d.kind, d.matched_by) for d in found.duplicates} == {("company", ("email",)),
                                                                  ("contact", ("email",))}


async def test_another_managers_lead_and_clients_stay_hidden(w: World) -> None:
    theirs = await w.clients.create_company(w.m2, CompanyDraft(name="Тополь", phone=PHONE))
    lead_id = await qualified(w, LeadDraft(contact_name="Анна", company_name="Тополь",
                                           phone=PHONE))
    for call in (lambda: w.leads.get(w.m2, lead_id),
                 lambda: w.leads.set_status(w.m2, lead_id, "junk", "spam"),
                 lambda: w.leads.convert(w.m2, lead_id)):
        with pytest.raises(NotFound) as err:
            await call()
        assert err.value.params == {"entity": "lead", "id": lead_id}
    # m1 does not learn of m2's client: no duplicate, a new company of m1's.
    result = await w.leads.convert(w.m1, lead_id)
    assert result.duplicates == () and result.created_company
    assert result.company_id != theirs.id
    # The head of sales sees both.
    head = await w.access.join(4, (await w.access.create_invite(w.admin, Role.HEAD)).token,
                               "Head", None, "en")
    lead2 = await w.leads.create(head, LeadDraft(contact_name="Пётр", phone=PHONE))
    await w.leads.set_status(head, lead2.id, "qualified")
    check = await w.leads.convert(head, lead2.id)
    assert sorted(d.id for d in check.duplicates if d.kind == "company") == sorted(
        [theirs.id, result.company_id])
