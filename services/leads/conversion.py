"""Converting a qualified lead into clients and a deal in one unit of work: duplicates first,
then use, merge into, or create the company/contact."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services.deals import DealDraft
from services.errors import Conflict, NotFound
from services.leads.fields import LeadFields
from services.leads.model import (
    ClientMatch,
    Conversion,
    ConvertChoice,
    Lead,
    LeadStatus,
    NewCompany,
    NewContact,
    _collapse,
    tax_id_label,
)
from services.users import Actor

if TYPE_CHECKING:
    from services.leads.ports import LeadUnitOfWork


class LeadConversion(LeadFields):
    """Duplicates, conversion and merging what the lead knows into a client."""

    # --- conversion -----------------------------------------------------------------------

    async def _matches(
        self, uow: LeadUnitOfWork, lead: Lead, scope: int | None
    ) -> tuple[ClientMatch, ...]:
        if not (lead.phone or lead.email or lead.tax_id):
            return ()
        companies = await uow.leads.find_companies(
            scope, lead.phone, lead.email, lead.country, lead.tax_id
        )
        contacts = await uow.leads.find_contacts(scope, lead.phone, lead.email)
        return (*companies, *contacts)

    async def convert(
        self,
        actor: Actor,
        lead_id: int,
        choice: ConvertChoice = ConvertChoice.CHECK,
        target: str | None = None,
    ) -> Conversion:
        """Converts a qualified lead: legal entity → company + contact + deal, individual →
        contact + deal. With CHECK, found duplicates are returned and nothing is written;
        USE/MERGE need `target` (a ClientMatch.ref among the duplicates)."""
        now = self._clock.now()
        async with self._uow() as uow:
            scope = actor.owner_scope()
            lead = await uow.leads.get(lead_id, scope, for_update=True)
            if lead is None:
                raise NotFound(entity="lead", id=lead_id)
            if lead.status == LeadStatus.CONVERTED:
                raise Conflict("lead_converted")
            if lead.status != LeadStatus.QUALIFIED:
                raise Conflict("lead_not_qualified")
            matches = await self._matches(uow, lead, scope)
            if choice == ConvertChoice.CHECK and matches:
                return Conversion(lead, duplicates=matches)
            chosen: ClientMatch | None = None
            if choice in (ConvertChoice.USE, ConvertChoice.MERGE):
                chosen = next((m for m in matches if m.ref == target), None)
                if chosen is None:
                    raise NotFound(entity="client", id=target)
            result = await self._convert_in(uow, lead, choice, chosen, matches, now)
            await uow.audit.add(
                actor.id,
                "lead.convert",
                "lead",
                lead.id,
                {
                    "choice": choice.value,
                    "company_id": result.company_id,
                    "contact_id": result.contact_id,
                    "deal_id": result.deal.id if result.deal else None,
                },
            )
            await uow.commit()
        return result

    async def _convert_in(
        self,
        uow: LeadUnitOfWork,
        lead: Lead,
        choice: ConvertChoice,
        chosen: ClientMatch | None,
        matches: Sequence[ClientMatch],
        now: datetime,
    ) -> Conversion:
        owner = lead.owner_id
        merge = choice == ConvertChoice.MERGE
        company_id: int | None = None
        contact_id: int | None = None
        company_name: str | None = None
        contact_name: str | None = None
        created_company = created_contact = False
        carried: list[str] = []
        if chosen is not None and chosen.kind == "company":
            company_id, company_name = chosen.id, chosen.name
            if merge:
                carried += await self._merge_company(uow, chosen, lead)
            contact = next(
                (m for m in matches if m.kind == "contact" and m.company_id == chosen.id), None
            )
            if contact is not None:
                contact_id, contact_name = contact.id, contact.name
                if merge:
                    carried += await self._merge_contact(uow, contact, lead)
        elif chosen is not None:
            contact_id, contact_name = chosen.id, chosen.name
            company_id = chosen.company_id
            if merge:
                carried += await self._merge_contact(uow, chosen, lead)
        if company_id is None and lead.is_legal_entity:
            company_name = lead.company_name or tax_id_label(lead.country, lead.tax_id)
            company_id = await uow.leads.add_company(
                owner,
                NewCompany(
                    name=company_name,
                    phone=lead.phone,
                    email=lead.email,
                    country=lead.country,
                    tax_id=lead.tax_id,
                    vat_payer=lead.vat_payer,
                ),
                now,
            )
            created_company = True
        if contact_id is None and lead.contact_name:
            contact_name = lead.contact_name
            contact_id = await uow.leads.add_contact(
                owner,
                NewContact(
                    name=lead.contact_name,
                    company_id=company_id,
                    phone=lead.phone,
                    email=lead.email,
                    city=lead.city,
                    telegram_user_id=lead.telegram_user_id,
                    language=lead.language,
                ),
                now,
            )
            created_contact = True
        title = (
            lead.topic or lead.company_name or lead.contact_name or company_name or ""
        ).strip()
        title = _collapse(title)[:300] or f"Lead #{lead.id}"
        deal = await self._deals.create_in(
            uow, owner, DealDraft(title=title, company_id=company_id, contact_id=contact_id)
        )
        await uow.leads.update(
            lead.id,
            {
                "status": LeadStatus.CONVERTED.value,
                "company_id": company_id,
                "contact_id": contact_id,
                "deal_id": deal.id,
            },
            now,
        )
        await uow.leads.attach_interactions(lead.id, company_id, contact_id, deal.id)
        converted = await uow.leads.get(lead.id, None)
        assert converted is not None
        return Conversion(
            converted,
            (),
            deal,
            company_id,
            contact_id,
            company_name,
            contact_name,
            created_company,
            created_contact,
            choice,
            tuple(dict.fromkeys(carried)),
        )

    async def _merge_company(self, uow: LeadUnitOfWork, target: ClientMatch, lead: Lead
                             ) -> list[str]:
        values: dict[str, Any] = {}
        for name in ("phone", "email", "tax_id", "country", "vat_payer"):
            mine = getattr(lead, name)
            if mine is not None and getattr(target, name) is None:
                values[name] = mine
        if values:
            await uow.leads.fill_company(target.id, values)
        return list(values)

    async def _merge_contact(self, uow: LeadUnitOfWork, target: ClientMatch, lead: Lead
                             ) -> list[str]:
        values: dict[str, Any] = {}
        for name in ("phone", "email", "city", "telegram_user_id"):
            mine = getattr(lead, name)
            if mine is not None and getattr(target, name) is None:
                values[name] = mine
        if values:
            await uow.leads.fill_contact(target.id, values)
        return list(values)
