"""The client card's use cases: edit the company, its contacts, archive / restore, merge.

Invariants:
- scope: a client outside the actor's scope is NotFound (a forged button learns nothing);
  merging needs both clients in scope;
- a value is checked as at creation (services.companies.profile); a wrong one changes
  nothing;
- an edit names the value the user saw (`seen`); when the stored one differs (a colleague
  changed it) or the client was archived meanwhile, Conflict and nothing changes;
- each change is audited in its transaction with `company_id`, an edit as
  {"changes": [{"field", "old", "new"}]};
- exactly one contact of a company is primary once it has contacts;
- archive only without open deals or unpaid invoices; nothing is ever deleted; merging moves
  every record of the other client to the survivor in one transaction and archives the other
  with `merged_into_id`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.clock import Clock
from services.companies.ports import CompanyUnitOfWork
from services.companies.profile import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    UNPAID_STATUSES,
    ClientLoad,
    ClientProfile,
    ContactCard,
    ContactDraft,
    MergeCounts,
    change,
    check_applies,
    clean_company_value,
    clean_contact_value,
    clean_reason,
    merge_fill,
    stale,
)
from services.contacts_norm import normalize_name
from services.errors import Conflict, InvalidInput, NotFound
from services.kernel import UowFactory
from services.users import Actor


def _shown(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


class ClientEditing:
    """Mixed into CompanyService (services/companies/service.py)."""

    _uow: UowFactory[CompanyUnitOfWork]
    _clock: Clock
    _region: str

    async def _profile(self, uow: CompanyUnitOfWork, actor: Actor, company_id: int,
                       for_update: bool = False) -> ClientProfile:
        found = await uow.profiles.profile(company_id, actor.owner_scope(), for_update)
        if found is None:
            raise NotFound(entity="company", id=company_id)
        return found

    async def _active(self, uow: CompanyUnitOfWork, actor: Actor, company_id: int
                      ) -> ClientProfile:
        profile = await self._profile(uow, actor, company_id, for_update=True)
        if profile.archived:
            raise Conflict("client_archived")
        return profile

    async def profile(self, actor: Actor, company_id: int) -> ClientProfile:
        async with self._uow(readonly=True) as uow:
            return await self._profile(uow, actor, company_id)

    async def editable(self, actor: Actor, company_id: int) -> ClientProfile:
        """The client, when it may be changed (not archived)."""
        async with self._uow(readonly=True) as uow:
            profile = await self._profile(uow, actor, company_id)
        if profile.archived:
            raise Conflict("client_archived")
        return profile

    async def edit_prompt(self, actor: Actor, company_id: int, field: str
                          ) -> tuple[ClientProfile, list[str]]:
        """The client before one of its fields is edited, and the choices for that field
        (the price lists; none for a typed field)."""
        if field not in COMPANY_FIELDS:
            raise InvalidInput("unknown_field", field=field)
        async with self._uow(readonly=True) as uow:
            profile = await self._profile(uow, actor, company_id)
            lists = list(await uow.profiles.price_lists()) if field == "price_list" else []
        if profile.archived:
            raise Conflict("client_archived")
        check_applies(profile, field)
        return profile, lists

    async def price_lists(self) -> list[str]:
        async with self._uow(readonly=True) as uow:
            return list(await uow.profiles.price_lists())

    # --- the company ------------------------------------------------------------------------

    async def edit_field(self, actor: Actor, company_id: int, field: str, text: str,
                         seen: str | None) -> ClientProfile:
        """One field of the company; `seen` is the value the card showed."""
        if field not in COMPANY_FIELDS:
            raise InvalidInput("unknown_field", field=field)
        async with self._uow() as uow:
            profile = await self._active(uow, actor, company_id)
            if stale(profile, field, seen):
                raise Conflict("client_changed")
            lists = tuple(await uow.profiles.price_lists()) if field == "price_list" else ()
            values = clean_company_value(profile, field, text, self._region, lists)
            changes = [change(key, profile.shown(key), _shown(value))
                       for key, value in values.items()
                       if key != "vat_payer" and profile.shown(key) != _shown(value)]
            if not changes:
                return profile
            await uow.profiles.set_fields(company_id, values, self._clock.now())
            await uow.audit.add(actor.id, "company.edit", "company", company_id,
                                {"changes": changes}, company_id=company_id)
            saved = await self._profile(uow, actor, company_id)
            await uow.commit()
        return saved

    # --- contacts ---------------------------------------------------------------------------

    async def _contact(self, uow: CompanyUnitOfWork, actor: Actor, contact_id: int,
                       ) -> tuple[ClientProfile, ContactCard]:
        contact = await uow.profiles.contact(contact_id)
        if contact is None or contact.company_id is None:
            raise NotFound(entity="contact", id=contact_id)
        profile = await uow.profiles.profile(contact.company_id, actor.owner_scope(), True)
        if profile is None:
            raise NotFound(entity="contact", id=contact_id)
        return profile, contact

    async def contact(self, actor: Actor, contact_id: int
                      ) -> tuple[ClientProfile, ContactCard]:
        async with self._uow(readonly=True) as uow:
            return await self._contact(uow, actor, contact_id)

    async def contact_for_edit(self, actor: Actor, contact_id: int, field: str | None = None
                               ) -> tuple[ClientProfile, ContactCard]:
        """The contact and its client before a change (a field's edit, detaching): refused
        when the client is archived or the field is not a contact's."""
        if field is not None and field not in CONTACT_FIELDS:
            raise InvalidInput("unknown_field", field=field)
        async with self._uow(readonly=True) as uow:
            profile, contact = await self._contact(uow, actor, contact_id)
        if profile.archived:
            raise Conflict("client_archived")
        return profile, contact

    def clean_contact_value(self, field: str, text: str) -> str:
        return clean_contact_value(field, text, self._region)

    async def add_contact(self, actor: Actor, company_id: int, values: Mapping[str, Any]
                          ) -> tuple[ClientProfile, ContactCard]:
        """A new contact of the company from the typed values (name required); the first
        contact of a company becomes its primary one."""
        clean = {key: self.clean_contact_value(key, str(values[key]))
                 for key in CONTACT_FIELDS if values.get(key)}
        if "name" not in clean:
            raise InvalidInput("empty", field="name")
        draft = ContactDraft(name=clean["name"], phone=clean.get("phone"),
                             email=clean.get("email"), position=clean.get("position"))
        async with self._uow() as uow:
            profile = await self._active(uow, actor, company_id)
            contact_id = await uow.profiles.add_contact(profile.owner_id, company_id, draft,
                                                        False, self._clock.now())
            primary = profile.primary
            await uow.profiles.set_primary(company_id,
                                           primary.id if primary else contact_id)
            await uow.audit.add(actor.id, "contact.add", "contact", contact_id, {
                "name": draft.name,
                "changes": [change(k, None, v) for k, v in clean.items() if k != "name"]},
                company_id=company_id)
            added = await uow.profiles.contact(contact_id)
            saved = await self._profile(uow, actor, company_id)
            await uow.commit()
        assert added is not None
        return saved, added

    async def edit_contact(self, actor: Actor, contact_id: int, field: str, text: str,
                           seen: str | None) -> tuple[ClientProfile, ContactCard]:
        if field not in CONTACT_FIELDS:
            raise InvalidInput("unknown_field", field=field)
        value = self.clean_contact_value(field, text)
        async with self._uow() as uow:
            profile, contact = await self._contact(uow, actor, contact_id)
            if profile.archived:
                raise Conflict("client_archived")
            old = _shown(getattr(contact, field))
            if old != seen:
                raise Conflict("client_changed")
            if old == value:
                return profile, contact
            await uow.profiles.set_contact_fields(contact_id, {field: value})
            await uow.audit.add(actor.id, "contact.edit", "contact", contact_id, {
                "name": contact.name, "changes": [change(field, old, value)]},
                company_id=profile.id)
            saved = await uow.profiles.contact(contact_id)
            await uow.commit()
        assert saved is not None
        return profile, saved

    async def detach_contact(self, actor: Actor, contact_id: int) -> ClientProfile:
        """The contact leaves the company (its history and bound chat stay); when it was the
        primary one, the next contact becomes primary."""
        async with self._uow() as uow:
            profile, contact = await self._contact(uow, actor, contact_id)
            if profile.archived:
                raise Conflict("client_archived")
            await uow.profiles.detach_contact(contact_id)
            rest = [c for c in profile.contacts if c.id != contact_id]
            primary = profile.primary
            if primary is not None and primary.id == contact_id:
                await uow.profiles.set_primary(profile.id, rest[0].id if rest else None)
            await uow.audit.add(actor.id, "contact.detach", "contact", contact_id,
                                {"name": contact.name}, company_id=profile.id)
            saved = await self._profile(uow, actor, profile.id)
            await uow.commit()
        return saved

    async def make_primary(self, actor: Actor, contact_id: int) -> ClientProfile:
        async with self._uow() as uow:
            profile, contact = await self._contact(uow, actor, contact_id)
            if profile.archived:
                raise Conflict("client_archived")
            before = profile.primary
            if before is not None and before.id == contact_id and contact.is_primary:
                return profile
            await uow.profiles.set_primary(profile.id, contact_id)
            await uow.audit.add(actor.id, "contact.primary", "contact", contact_id, {
                "changes": [change("primary", before.name if before else None,
                                   contact.name)]}, company_id=profile.id)
            saved = await self._profile(uow, actor, profile.id)
            await uow.commit()
        return saved

    # --- archive ----------------------------------------------------------------------------

    async def archive_check(self, actor: Actor, company_id: int) -> ClientProfile:
        """The client, when it may be archived; Conflict("client_busy") with the counts of
        its open deals and unpaid invoices when it may not."""
        async with self._uow(readonly=True) as uow:
            profile = await self._profile(uow, actor, company_id)
            if profile.archived:
                raise Conflict("client_archived")
            load = await uow.profiles.load(company_id, UNPAID_STATUSES)
        _refuse_busy(load)
        return profile

    async def archive(self, actor: Actor, company_id: int, reason: str | None
                      ) -> ClientProfile:
        why = clean_reason(reason)
        now = self._clock.now()
        async with self._uow() as uow:
            await self._active(uow, actor, company_id)
            _refuse_busy(await uow.profiles.load(company_id, UNPAID_STATUSES))
            await uow.profiles.set_archived(company_id, now, why, now)
            await uow.audit.add(actor.id, "company.archive", "company", company_id,
                                {"reason": why}, company_id=company_id)
            saved = await self._profile(uow, actor, company_id)
            await uow.commit()
        return saved

    async def restore(self, actor: Actor, company_id: int) -> ClientProfile:
        now = self._clock.now()
        async with self._uow() as uow:
            profile = await self._profile(uow, actor, company_id, for_update=True)
            if not profile.archived:
                raise Conflict("client_not_archived")
            if profile.merged_into_id is not None:
                raise Conflict("client_merged")
            await uow.profiles.set_archived(company_id, None, None, now)
            await uow.audit.add(actor.id, "company.restore", "company", company_id,
                                {"reason": profile.archive_reason}, company_id=company_id)
            saved = await self._profile(uow, actor, company_id)
            await uow.commit()
        return saved

    # --- merge ------------------------------------------------------------------------------

    async def merge_candidates(self, actor: Actor, company_id: int, text: str
                               ) -> list[tuple[int, str]]:
        """The actor's other active clients whose name starts with the typed text."""
        prefix = normalize_name(text)
        if not prefix:
            raise InvalidInput("empty", field="name")
        async with self._uow(readonly=True) as uow:
            profile = await self._profile(uow, actor, company_id)
            if profile.archived:
                raise Conflict("client_archived")
            return list(await uow.profiles.find(actor.owner_scope(), prefix, company_id, 8))

    async def merge_pair(self, actor: Actor, first_id: int, second_id: int
                         ) -> tuple[ClientProfile, ClientProfile]:
        """Both clients, for the survivor's choice."""
        if first_id == second_id:
            raise InvalidInput("merge_self", field="company")
        async with self._uow(readonly=True) as uow:
            first = await self._profile(uow, actor, first_id)
            second = await self._profile(uow, actor, second_id)
        if first.archived or second.archived:
            raise Conflict("client_archived")
        return first, second

    async def merge(self, actor: Actor, survivor_id: int, merged_id: int
                    ) -> tuple[ClientProfile, ClientProfile, MergeCounts]:
        """The survivor after the merge, the merged client as it was, what moved."""
        if survivor_id == merged_id:
            raise InvalidInput("merge_self", field="company")
        now = self._clock.now()
        async with self._uow() as uow:
            survivor = await self._active(uow, actor, survivor_id)
            other = await self._active(uow, actor, merged_id)
            fill = merge_fill(survivor, other)
            counts = await uow.profiles.merge(survivor_id, merged_id, fill, now)
            changes = [change(k, None, _shown(v)) for k, v in fill.items()
                       if k not in ("vat_payer", "legal_form", "country")]
            await uow.audit.add(actor.id, "company.merge", "company", survivor_id, {
                "merged": merged_id, "name": other.name, "changes": changes,
                "moved": counts.as_dict()}, company_id=survivor_id)
            await uow.audit.add(actor.id, "company.merge", "company", merged_id, {
                "into": survivor_id, "name": survivor.name}, company_id=merged_id)
            saved = await self._profile(uow, actor, survivor_id)
            await uow.commit()
        return saved, other, counts


def _refuse_busy(load: ClientLoad) -> None:
    if load.open_deals or load.unpaid_invoices:
        raise Conflict("client_busy", deals=load.open_deals, invoices=load.unpaid_invoices)
