"""AccessService and ClientService on the in-memory fakes: invites used once, deactivation
handing a manager's clients to another, and clients scoped by owner."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.clients import CompanyDraft
from services.deals import DealDraft
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.users import Role
from tests.unit.services.conftest import World


async def test_an_invite_is_used_once_and_not_after_it_expires(w: World) -> None:
    link = await w.access.create_invite(w.admin, Role.MANAGER)
    with pytest.raises(Forbidden):
        await w.access.create_invite(w.m1, Role.MANAGER)
    joined = await w.access.join(10, link.token, "New", "new", "ro")
    assert (joined.role, joined.language) == (Role.MANAGER, "ro")
    assert await w.access.identify(10) == joined
    with pytest.raises(NotFound) as err:
        await w.access.join(11, link.token, "Late", None, None)
    assert err.value.code == "invite_invalid"
    old = await w.access.create_invite(w.admin, Role.HEAD)
    w.clock.advance(timedelta(days=3))
    with pytest.raises(Conflict) as conflict:
        await w.access.join(11, old.token, "Late", None, None)
    assert conflict.value.code == "invite_expired"
    assert await w.access.identify(11) is None


async def test_deactivation_hands_the_clients_to_another_manager(w: World) -> None:
    open_deal = await w.deals.create(w.m1, DealDraft(title="Open", company_id=w.c1))
    lost = await w.deals.create(w.m1, DealDraft(title="Lost"))
    await w.deals.move(w.m1, lost.id, "lost", note="No")
    with pytest.raises(InvalidInput):
        await w.access.deactivate(w.admin, w.admin.id)
    with pytest.raises(NotFound):
        await w.access.deactivate(w.admin, w.m1.id, reassign_to=999)
    assert await w.access.identify(w.m1.telegram_id) is not None  # refused: unchanged
    user, moved = await w.access.deactivate(w.admin, w.m1.id, reassign_to=w.m2.id)
    assert (user.is_active, moved) == (False, 1)
    assert await w.access.identify(w.m1.telegram_id) is None
    assert (await w.deals.get(w.m2, open_deal.id)).owner_id == w.m2.id
    assert [c.name for c in (await w.clients.list_companies(w.m2)).items] == ["Василёк",
                                                                              "Ромашка"]
    with pytest.raises(NotFound):  # a closed deal stays with its manager
        await w.deals.get(w.m2, lost.id)
    with pytest.raises(Conflict):
        await w.access.deactivate(w.admin, w.m1.id)
    assert [u.full_name for u in await w.access.staff(w.admin)] == ["", "M1", "M2"]


async def test_clients_are_scoped_by_owner(w: World) -> None:
    company = await w.clients.create_company(w.m1, CompanyDraft(
        name="  Ёж  и  Ко ", phone="8 (916) 123-45-67", email="Info@Example.com"))
    assert (company.name, company.phone, company.email) == ("Ёж и Ко", "+79161234567",
                                                           "info@example.com")
    with pytest.raises(InvalidInput) as err:
        await w.clients.create_company(w.m1, CompanyDraft(name="X", phone="123"))
    assert err.value.code == "invalid_phone"
    page = await w.clients.list_companies(w.m1)
    assert ([c.name for c in page.items], page.total) == (["Ёж и Ко", "Ромашка"], 2)
    for company_id in (company.id, company.id + 100):
        with pytest.raises(NotFound) as nf:
            await w.clients.get_company(w.m2, company_id)
        assert nf.value.params == {"entity": "company", "id": company_id}
    assert (await w.clients.list_companies(w.admin)).total == 3
