"""Organizations: the use cases (the invariants are in the package's docstring)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from services.clock import Clock
from services.errors import Forbidden, InvalidInput, NotFound
from services.kernel import UowFactory
from services.organizations.model import (
    DEFAULT_CURRENCY,
    DEMO_ORGANIZATIONS,
    RU_BANK_FIELDS,
    Organization,
    OrganizationDraft,
    check_draft,
    clean_org_field,
    editable_fields,
    org_value,
    stored_value,
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


    async def edit(self, actor: Actor, org_id: int, field: str, text: str) -> Organization:
        """Changes one field of the organization (or of its default bank account), validated
        as when it was added; a new BIK must agree with the accounts. Audited as
        "organization.edit" with the old and the new value; nothing changes on bad input."""
        if actor.role != Role.ADMIN:
            raise Forbidden()
        async with self._uow() as uow:
            org = await uow.organizations.get(org_id)
            if org is None:
                raise NotFound(entity="organization", id=org_id)
            if field not in editable_fields(org):
                raise InvalidInput("unknown_field", field=field)
            acc = org.default_account
            data = {"country": org.country, "bik": acc.bik if acc else None}
            value = clean_org_field(field, text, data)
            old = org_value(org, field)
            if value != old:
                if field in RU_BANK_FIELDS or field in ("iban", "bic"):
                    assert acc is not None
                    if field == "bik":  # the accounts' control keys depend on the BIK
                        clean_org_field("account", acc.account, {"bik": value})
                        clean_org_field("corr_account", acc.corr_account or "", {"bik": value})
                    column = "account" if field == "iban" else field
                    await uow.organizations.update_account(acc.id, {column: value})
                else:
                    await uow.organizations.update(org.id, {field: stored_value(field, value)})
                await uow.audit.add(actor.id, "organization.edit", "organization", org.id, {
                    "changes": [{"field": field, "old": old, "new": value}]})
            fresh = await uow.organizations.get(org.id)
            await uow.commit()
        assert fresh is not None
        return fresh


async def seed_demo_organization(service: OrganizationService, country: str = "RU",
                                 **changes: Any) -> Organization:
    """A valid organization for the demo and the tests (RU or RO), with a bank account."""
    return await service.create_unchecked(replace(DEMO_ORGANIZATIONS[country], **changes))
