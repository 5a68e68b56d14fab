"""LeadService (issue 13) on the in-memory fakes: a lead edited before conversion with the
creation's checks and audited old → new, refused once converted or for another manager; junk
with a reason leaves the list and is restored, each audited."""

from __future__ import annotations

import pytest

from services.errors import Conflict, InvalidInput, NotFound
from services.leads import LeadDraft
from tests.unit.services.conftest import World


def audit(w: World, action: str) -> list[dict[str, object]]:
    return [a["data"] for a in w.db.state.audit if a["action"] == action]


async def test_edit_cleans_as_at_creation_and_audits_old_and_new(w: World) -> None:
    lead = await w.leads.create(w.m1, LeadDraft(contact_name="Анна", phone="+79161234567"))
    for name, bad, code in (("phone", "не телефон", "not_a_number"),
                            ("email", "anna@", "invalid_email"),
                            ("tax_id", "7707083894", "tax_id_checksum"),
                            ("contact_name", "  ", "empty"), ("city", "x" * 121, "too_long"),
                            ("deal_id", "5", "unknown_field")):
        with pytest.raises(InvalidInput) as err:
            await w.leads.update_field(w.m1, lead.id, name, bad)
        assert err.value.code == code, name
    assert audit(w, "lead.edit") == []
    await w.leads.update_field(w.m1, lead.id, "phone", "8 916 000-11-22")
    updated = await w.leads.update_field(w.m1, lead.id, "tax_id", "ИНН 7707083893")
    await w.leads.update_field(w.m1, lead.id, "phone", "+7 916 000 11 22")  # the same
    assert (updated.phone, updated.country, updated.tax_id) == ("+79160001122", "RU",
                                                                "7707083893")
    assert audit(w, "lead.edit") == [
        {"changes": [{"field": "phone", "old": "+79161234567", "new": "+79160001122"}]},
        {"changes": [{"field": "tax_id", "old": None, "new": "INN 7707083893"}]}]
    with pytest.raises(NotFound):
        await w.leads.update_field(w.m2, lead.id, "city", "Москва")
    await w.leads.set_status(w.m1, lead.id, "qualified")
    await w.leads.convert(w.m1, lead.id)
    with pytest.raises(Conflict) as err:
        await w.leads.update_field(w.m1, lead.id, "city", "Москва")
    assert err.value.code == "lead_converted"
    assert len(audit(w, "lead.edit")) == 2


async def test_junk_leaves_the_list_with_its_reason_and_is_restored(w: World) -> None:
    lead = await w.leads.create(w.m1, LeadDraft(contact_name="Спам", phone="+79161234567"))
    with pytest.raises(InvalidInput):
        await w.leads.set_status(w.m1, lead.id, "junk", "other")  # "other" needs a text
    junk = await w.leads.set_status(w.m1, lead.id, "junk", "spam")
    assert (junk.status, junk.junk_reason) == ("junk", "spam")
    assert (await w.leads.list_leads(w.m1)).total == 0
    assert (await w.leads.list_leads(w.m1, "junk")).total == 1
    with pytest.raises(NotFound):
        await w.leads.set_status(w.m2, lead.id, "in_progress")
    back = await w.leads.set_status(w.m1, lead.id, "in_progress")
    assert (back.status, back.junk_reason) == ("in_progress", None)
    assert (await w.leads.list_leads(w.m1)).total == 1
    assert audit(w, "lead.junk") == [{"from": "new", "reason": "spam"}]
    assert audit(w, "lead.restore") == [{"to": "in_progress", "reason": "spam"}]
