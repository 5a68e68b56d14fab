"""Capturing a lead typed in the chat flow (or prepared by a shortcut): cleaned, checked for
the required fields, saved with its first message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from services.errors import InvalidInput
from services.leads.fields import LeadFields
from services.leads.model import LEAD_FIELDS, TAX_ID_NAMES, Lead, LeadDraft
from services.requisites import RequisiteError, validate_tax_id
from services.users import Actor

if TYPE_CHECKING:
    from services.leads.ports import LeadUnitOfWork


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
        async with self._uow() as uow:
            lead = await self.create_in(uow, actor, draft, allow_missing)
            await uow.commit()
        return lead

    async def create_in(self, uow: LeadUnitOfWork, actor: Actor, draft: LeadDraft,
                        allow_missing: Sequence[str] = (), first_kind: str = "message",
                        ) -> Lead:
        """`create` inside the caller's unit of work (a lead made from an e-mail is written
        with the mail's link to it); `first_kind` is the first message's interaction kind."""
        draft = self._clean_draft(draft)
        missing = [f for f in self.missing_required(draft) if f not in allow_missing]
        if missing:
            raise InvalidInput("lead_missing", field=missing[0], fields=tuple(missing))
        now = self._clock.now()
        lead = await uow.leads.add(actor.id, draft, now)
        if draft.first_message:
            await uow.leads.add_interaction(actor.id, lead.id, first_kind, draft.first_message,
                                            now)
        await uow.audit.add(actor.id, "lead.create", "lead", lead.id, {"source": draft.source})
        return lead

