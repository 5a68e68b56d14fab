"""Organizations: the use cases (the invariants are in the package's docstring)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from services.clock import Clock
from services.errors import Forbidden, NotFound
from services.kernel import UowFactory
from services.organizations.model import (
    DEFAULT_CURRENCY,
    DEMO_ORGANIZATIONS,
    Organization,
    OrganizationDraft,
    check_draft,
    clean_org_field,
)
from services.organizations.ports import OrganizationUnitOfWork
from services.users import Actor, Role


class OrganizationService:
    """Admins add organizations; staff read them. `payment_terms_days` is the default for
    organizations created without their own terms."""

    def __init__(self, uow: UowFactory[OrganizationUnitOfWork], clock: Clock,
                 payment_terms_days: int = 5) -> None:
        self._uow = uow
        self._clock = clock
        self.payment_terms_days = payment_terms_days

    @staticmethod
    def clean_field(field: str, text: str, data: Mapping[str, Any] | None = None) -> str:
        return clean_org_field(field, text, data)

    @staticmethod
    def default_currency(country: str) -> str:
        return DEFAULT_CURRENCY.get(country, "EUR")

    async def create(self, actor: Actor, draft: OrganizationDraft) -> Organization:
        if actor.role != Role.ADMIN:
            raise Forbidden()
        return await self.create_unchecked(draft, actor.id)

    async def create_unchecked(self, draft: OrganizationDraft,
                               actor_id: int | None = None) -> Organization:
        """For the composition root (seeds); still validates every field."""
        clean = check_draft(draft)
        if clean.payment_terms_days is None:
            clean = replace(clean, payment_terms_days=self.payment_terms_days)
        async with self._uow() as uow:
            org = await uow.organizations.add(clean, self._clock.now())
            await uow.audit.add(actor_id, "organization.create", "organization", org.id)
            await uow.commit()
        return org

    async def list(self, actor: Actor) -> Sequence[Organization]:
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            return await uow.organizations.list()

    async def get(self, actor: Actor, org_id: int) -> Organization:
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            org = await uow.organizations.get(org_id)
        if org is None:
            raise NotFound(entity="organization", id=org_id)
        return org


async def seed_demo_organization(service: OrganizationService, country: str = "RU",
                                 **changes: Any) -> Organization:
    """A valid organization for the demo and the tests (RU or RO), with a bank account."""
    return await service.create_unchecked(replace(DEMO_ORGANIZATIONS[country], **changes))
