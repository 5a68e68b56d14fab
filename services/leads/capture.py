"""Capturing a lead typed in the chat flow (or prepared by a shortcut): cleaned, checked for
the required fields, saved with its first message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from services.errors import InvalidInput
from services.leads.fields import LeadFields
from services.leads.model import LEAD_FIELDS, TAX_ID_NAMES, Lead, LeadDraft
from services.requisites import RequisiteError, validate_tax_id
from services.users import Actor


class LeadCapture(LeadFields):
    """Saving a lead a manager entered."""

    # --- capture --------------------------------------------------------------------------

    def _clean_draft(self, draft: LeadDraft) -> LeadDraft:
        values: dict[str, Any] = {}
        for name in LEAD_FIELDS:
            raw = draft.value(name)
            values[name] = self.clean_field(name, raw) if raw else None
        values["contact_name"] = values["contact_name"] or ""
        if draft.tax_id:
            try:
                tax = validate_tax_id(draft.country or self._region, draft.tax_id)
            except RequisiteError as err:
                raise InvalidInput(
                    f"tax_id_{err.code}", field="tax_id", kind=TAX_ID_NAMES.get(err.field, "ID")
                ) from None
            values.update(
                country=tax.country,
                tax_id=tax.value,
                vat_payer=draft.vat_payer if draft.vat_payer is not None else tax.vat_payer,
            )
        if not (values["contact_name"] or values["company_name"] or draft.tax_id):
            raise InvalidInput("empty", field="contact_name")
        return replace(draft, **values)

    async def create(
        self, actor: Actor, draft: LeadDraft, allow_missing: Sequence[str] = ()
    ) -> Lead:
        """Saves a lead owned by the actor. Required fields must be filled unless the manager
        explicitly chose to save without them (`allow_missing`)."""
        draft = self._clean_draft(draft)
        missing = [f for f in self.missing_required(draft) if f not in allow_missing]
        if missing:
            raise InvalidInput("lead_missing", field=missing[0], fields=tuple(missing))
        now = self._clock.now()
        async with self._uow() as uow:
            lead = await uow.leads.add(actor.id, draft, now)
            if draft.first_message:
                await uow.leads.add_interaction(
                    actor.id, lead.id, "message", draft.first_message, now
                )
            await uow.audit.add(actor.id, "lead.create", "lead", lead.id, {"source": draft.source})
            await uow.commit()
        return lead

