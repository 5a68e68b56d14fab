"""Leads from the website form: every bad field reported at once, duplicates within
DEDUPE_WINDOW folded, the owner assigned (fixed or round robin) and pushed with the lead."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from services.errors import Conflict, InvalidInput
from services.leads.fields import LeadFields
from services.leads.model import DEDUPE_WINDOW, WEB_SOURCE, InvalidFields, LeadDraft, WebLead
from services.notices import LEAD_PUSH, notice
from services.text import normalize_typed
from services.users import Role, User

if TYPE_CHECKING:
    from services.leads.ports import LeadUnitOfWork


class LeadWebForm(LeadFields):
    """The website form and the manager it is assigned to."""

    def clean_web_form(self, form: Mapping[str, object]) -> LeadDraft:
        """The website form: {name, company?, phone?, email?, city?, topic?, source?}.
        InvalidFields lists every bad field (by the form's names) with its code."""
        names = {
            "name": "contact_name",
            "company": "company_name",
            "phone": "phone",
            "email": "email",
            "city": "city",
            "topic": "topic",
            "source": "source",
        }
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        for key, name in names.items():
            raw = form.get(key)
            if raw is None or (isinstance(raw, str) and not normalize_typed(raw)):
                if key == "name":
                    errors[key] = "missing"
                continue
            if not isinstance(raw, str):
                errors[key] = "not_a_string"
                continue
            try:
                values[name] = self.clean_field(name, raw)
            except InvalidInput as err:
                errors[key] = err.code
        if errors:
            raise InvalidFields(fields=errors)
        values.setdefault("source", WEB_SOURCE)
        return LeadDraft(**values)

    async def create_from_web(self, form: Mapping[str, object]) -> WebLead:
        """A website lead assigned to a manager (round robin over active managers, or the
        configured one); the same phone or e-mail within DEDUPE_WINDOW returns the first."""
        draft = self.clean_web_form(form)
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.leads.lock("web_leads")
            recent = await uow.leads.recent_by_contact(
                draft.phone, draft.email, now - DEDUPE_WINDOW
            )
            if recent is not None:
                owner = await uow.users.get(recent.owner_id)
                assert owner is not None
                return WebLead(recent, owner, True)
            owner = await self.pick_owner(uow)
            lead = await uow.leads.add(owner.id, draft, now)
            await uow.audit.add(None, "lead.web", "lead", lead.id, {"owner_id": owner.id})
            # The manager's push is committed with the lead: a crash cannot lose it.
            await uow.outbox.enqueue([notice(
                f"lead{lead.id}:chat{owner.telegram_id}:{LEAD_PUSH}", LEAD_PUSH,
                owner.telegram_id, now, owner.language,
                {"lead_id": lead.id, "name": lead.display_name, "company": lead.company_name,
                 "phone": lead.phone, "email": lead.email, "topic": lead.topic},
                recipient_user_id=owner.id)])
            await uow.commit()
        return WebLead(lead, owner, False)

    async def pick_owner(self, uow: LeadUnitOfWork) -> User:
        """The manager whose turn it is (the lead assignment rule): the configured one, else
        round robin over active managers, one turn shared by the website and the mailbox."""
        staff = [u for u in await uow.users.staff(active_only=True) if u.is_active]
        fixed = self.settings.assignment.strip()
        if fixed.lstrip("-").isdigit():
            chosen = next((u for u in staff if u.telegram_id == int(fixed)), None)
            if chosen is not None:
                return chosen
        pool = [u for u in staff if u.role == Role.MANAGER] or staff
        if not pool:
            raise Conflict("no_staff")
        pool.sort(key=lambda u: u.id)
        last = await uow.leads.last_web_owner()
        if last is None:
            return pool[0]
        return next((u for u in pool if u.id > last), pool[0])

