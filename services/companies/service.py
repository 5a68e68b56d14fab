"""Companies: the use cases (the invariants are in the package's docstring)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.clock import Clock
from services.companies.editing import ClientEditing
from services.companies.model import (
    OPEN_LEAD_EXCLUDED,
    CompanyRequisites,
    Reassignment,
    _country,
    check_requisites,
    clean_step,
    reassign_notices,
    requisite_steps,
    requisites_changes,
)
from services.companies.ports import CompanyUnitOfWork
from services.errors import Conflict, NotFound
from services.kernel import UowFactory
from services.requisites import (
    Country,
)
from services.users import Actor, Role, User


class CompanyService(ClientEditing):
    """Requisites and reassignment, and the client card's edits (ClientEditing). Reads and
    writes are scoped like every client record: a company outside the actor's scope is
    NotFound. Reassignment belongs to heads and admins; a manager trying it (a forged button)
    also gets NotFound, so nothing is learned."""

    def __init__(self, uow: UowFactory[CompanyUnitOfWork], clock: Clock,
                 default_region: str = "RU") -> None:
        self._uow = uow
        self._clock = clock
        self._region = default_region

    @staticmethod
    def country(value: str) -> Country:
        return _country(value)

    @staticmethod
    def steps(country: str, data: Mapping[str, Any]) -> list[str]:
        return requisite_steps(country, data)

    @staticmethod
    def clean_step(country: str, step: str, text: str, data: Mapping[str, Any]
                   ) -> dict[str, Any]:
        return clean_step(country, step, text, data)

    async def requisites(self, actor: Actor, company_id: int) -> CompanyRequisites:
        async with self._uow(readonly=True) as uow:
            found = await uow.requisites.get(company_id, actor.owner_scope())
        if found is None:
            raise NotFound(entity="company", id=company_id)
        return found

    async def save_requisites(self, actor: Actor, company_id: int, data: Mapping[str, Any]
                              ) -> CompanyRequisites:
        update = check_requisites(data)
        async with self._uow() as uow:
            before = await uow.requisites.get(company_id, actor.owner_scope())
            if before is None:
                raise NotFound(entity="company", id=company_id)
            await uow.requisites.save(company_id, update, self._clock.now())
            await uow.audit.add(actor.id, "company.requisites", "company", company_id,
                                {"country": update.country, "tax_id": update.tax_id,
                                 "account": update.account is not None,
                                 "changes": requisites_changes(before, update)},
                                company_id=company_id)
            saved = await uow.requisites.get(company_id, None)
            await uow.commit()
        assert saved is not None
        return saved

    async def reassign_targets(self, actor: Actor, company_id: int
                               ) -> tuple[CompanyRequisites, list[User]]:
        """The company and the active managers it may move to (not its current owner)."""
        if not actor.sees_everything:
            raise NotFound(entity="company", id=company_id)
        async with self._uow(readonly=True) as uow:
            company = await uow.requisites.get(company_id, None)
            if company is None:
                raise NotFound(entity="company", id=company_id)
            staff = await uow.users.staff(active_only=True)
        targets = [u for u in staff if u.role == Role.MANAGER and u.is_active
                   and u.id != company.owner_id]
        return company, targets

    async def reassign(self, actor: Actor, company_id: int, to_user_id: int) -> Reassignment:
        """Moves the company with its contacts, open deals, open leads and unpaid invoices to
        an active manager, in one transaction, with an audit entry."""
        if not actor.sees_everything:
            raise NotFound(entity="company", id=company_id)
        now = self._clock.now()
        async with self._uow() as uow:
            company = await uow.requisites.get(company_id, None)
            if company is None:
                raise NotFound(entity="company", id=company_id)
            target = await uow.users.get(to_user_id)
            if target is None or not target.is_active or target.role != Role.MANAGER:
                raise NotFound(entity="user", id=to_user_id)
            if target.id == company.owner_id:
                raise Conflict("already_owner")
            previous = await uow.users.get(company.owner_id)
            moved = await uow.transfers.move_company(company_id, target.id,
                                                     OPEN_LEAD_EXCLUDED, now)
            await uow.audit.add(actor.id, "company.reassign", "company", company_id, {
                "from": company.owner_id, "to": target.id, "contacts": moved.contacts,
                "deals": moved.deals, "leads": moved.leads, "invoices": moved.invoices})
            card = await uow.companies.get(company_id, None)
            await uow.outbox.enqueue(reassign_notices(
                actor, card.name if card is not None else "", company_id, target, previous,
                now))
            await uow.commit()
        assert card is not None
        return Reassignment(company_id=company_id, company=card,
                            previous_owner=previous, new_owner=target, moved=moved, at=now)
