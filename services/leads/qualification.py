"""Reading and qualifying leads: one lead, pages by status, status changes (junk needs a
reason; converted is final), editing a field."""

from __future__ import annotations

from typing import Any

from services.errors import Conflict, InvalidInput, NotFound
from services.leads.fields import LeadFields
from services.leads.model import (
    EDIT_FIELDS,
    OTHER_JUNK,
    TRANSITIONS,
    Lead,
    LeadPage,
    LeadStatus,
    _collapse,
    tax_id_label,
)
from services.users import Actor


class LeadQualification(LeadFields):
    """Reading leads and moving them through their statuses."""

    # --- reading and qualification --------------------------------------------------------

    async def get(self, actor: Actor, lead_id: int) -> Lead:
        async with self._uow(readonly=True) as uow:
            lead = await uow.leads.get(lead_id, actor.owner_scope())
        if lead is None:
            raise NotFound(entity="lead", id=lead_id)
        return lead

    async def list_leads(
        self, actor: Actor, status: str | None = None, offset: int = 0, limit: int = 8
    ) -> LeadPage:
        if status is not None and status not in set(LeadStatus):
            raise InvalidInput("unknown_status", field="status")
        offset = max(0, offset)
        async with self._uow(readonly=True) as uow:
            items, total = await uow.leads.list(actor.owner_scope(), status, offset, limit)
        return LeadPage(items, total, offset, limit, status)

    def allowed_statuses(self, lead: Lead) -> frozenset[LeadStatus]:
        return TRANSITIONS.get(LeadStatus(lead.status), frozenset())

    async def set_status(
        self, actor: Actor, lead_id: int, status: str, reason: str | None = None
    ) -> Lead:
        try:
            target = LeadStatus(status)
        except ValueError:
            raise InvalidInput("unknown_status", field="status") from None
        reason = _collapse(reason or "")
        if reason == OTHER_JUNK:
            reason = ""
        if target == LeadStatus.JUNK and not reason:
            raise InvalidInput("empty", field="junk_reason")
        if len(reason) > 500:
            raise InvalidInput("too_long", field="junk_reason", limit=500)
        now = self._clock.now()
        async with self._uow() as uow:
            lead = await uow.leads.get(lead_id, actor.owner_scope(), for_update=True)
            if lead is None:
                raise NotFound(entity="lead", id=lead_id)
            if target == LeadStatus.CONVERTED:
                raise Conflict("lead_status", status=target.value)
            if target not in TRANSITIONS[LeadStatus(lead.status)]:
                if lead.status == LeadStatus.CONVERTED:
                    raise Conflict("lead_converted")
                raise Conflict("lead_status", status=target.value)
            changes: dict[str, Any] = {
                "status": target.value,
                "junk_reason": reason if target == LeadStatus.JUNK else None,
            }
            await uow.leads.update(lead.id, changes, now)
            data: dict[str, Any]
            if target == LeadStatus.JUNK:
                action, data = "lead.junk", {"from": lead.status, "reason": reason}
            elif lead.status == LeadStatus.JUNK:
                action, data = "lead.restore", {"to": target.value, "reason": lead.junk_reason}
            else:
                action, data = "lead.status", {"from": lead.status, "to": target.value}
            await uow.audit.add(actor.id, action, "lead", lead.id, data)
            updated = await uow.leads.get(lead.id, None)
            await uow.commit()
        assert updated is not None
        return updated

    async def update_field(self, actor: Actor, lead_id: int, name: str, text: str) -> Lead:
        """Edits one field of a lead not yet converted, validated as at creation (the same
        cleaning; a tax id as the tax id shortcut checks it); audited "lead.edit" with the old
        and new values."""
        if name not in EDIT_FIELDS:
            raise InvalidInput("unknown_field", field=name)
        values: dict[str, Any]
        if name == "tax_id":
            tax = self.clean_tax_id(text)
            values = {"country": tax.country, "tax_id": tax.value, "vat_payer": tax.vat_payer}
        else:
            values = {name: self.clean_field(name, text)}
        now = self._clock.now()
        async with self._uow() as uow:
            lead = await uow.leads.get(lead_id, actor.owner_scope(), for_update=True)
            if lead is None:
                raise NotFound(entity="lead", id=lead_id)
            if lead.status == LeadStatus.CONVERTED:
                raise Conflict("lead_converted")
            if name == "tax_id":
                old = tax_id_label(lead.country, lead.tax_id) or None
                new = tax_id_label(values["country"], values["tax_id"])
            else:
                old, new = getattr(lead, name) or None, values[name]
            if old != new:
                await uow.leads.update(lead.id, values, now)
                await uow.audit.add(actor.id, "lead.edit", "lead", lead.id,
                                    {"changes": [{"field": name, "old": old, "new": new}]})
            updated = await uow.leads.get(lead.id, None)
            await uow.commit()
        assert updated is not None
        return updated
