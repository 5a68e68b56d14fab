"""Leads: capture (chat flow, shortcuts, website form), qualification and conversion.

Invariants:
- every read and write is scoped by the actor (`owner_scope()`); another manager's lead is
  NotFound, never Forbidden;
- statuses move new → in_progress → qualified → converted, or to junk (with a reason) from
  any status but converted; a converted lead never changes again;
- a lead always has a name to be listed by: a contact name, a company name or a tax id;
- phones are stored in E.164, e-mails lower-cased, tax ids checksum-valid;
- conversion runs in ONE unit of work: the company/contact, the deal (DealService.create_in)
  and the lead's converted ids are written together or not at all;
- duplicates are looked up by normalised phone, lower-cased e-mail and tax id among the
  clients the actor may see, never by name alone;
- website leads with the same phone or e-mail within DEDUPE_WINDOW are one lead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import phonenumbers

from services.clock import Clock
from services.contacts_norm import (
    EmailError,
    PhoneError,
    normalize_email,
    normalize_phone,
    phone_search_key,
)
from services.deals import Deal, DealDraft, DealService
from services.errors import Conflict, DomainError, InvalidInput, NotFound
from services.notices import LEAD_PUSH, notice
from services.requisites import (
    TAX_ID_FIELD,
    Country,
    RequisiteError,
    TaxId,
    detect_tax_id,
    looks_like_tax_id,
    validate_tax_id,
)
from services.text import normalize_typed
from services.users import Actor, Role, User

if TYPE_CHECKING:
    from services.ports import UnitOfWork, UowFactory

DEDUPE_WINDOW = timedelta(minutes=1)
LIMITS = {"contact_name": 200, "company_name": 300, "city": 120, "topic": 2000}
MESSAGE_MAX = 4000
# The order of the /lead flow and of the summary card.
LEAD_FIELDS = ("contact_name", "company_name", "phone", "email", "city", "topic", "source")
DEFAULT_SOURCES = ("website", "call", "referral", "exhibition", "advertising", "telegram")
WEB_SOURCE = "website"
PHONE_REGIONS = ("RU", "BY", "MD", "RO")
TAX_ID_NAMES = {"inn": "INN", "unp": "UNP", "idno": "IDNO", "cui": "CUI"}
# An unlabelled number that fails every check is reported against the id of its length.
_COUNTRY_BY_LENGTH: dict[int, Country] = {10: "RU", 12: "RU", 9: "BY", 13: "MD"}


class LeadStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    JUNK = "junk"


TRANSITIONS: dict[LeadStatus, frozenset[LeadStatus]] = {
    LeadStatus.NEW: frozenset({LeadStatus.IN_PROGRESS, LeadStatus.QUALIFIED, LeadStatus.JUNK}),
    LeadStatus.IN_PROGRESS: frozenset({LeadStatus.QUALIFIED, LeadStatus.JUNK}),
    LeadStatus.QUALIFIED: frozenset({LeadStatus.IN_PROGRESS, LeadStatus.JUNK}),
    LeadStatus.JUNK: frozenset({LeadStatus.IN_PROGRESS}),
    LeadStatus.CONVERTED: frozenset(),
}


class ConvertChoice(StrEnum):
    CHECK = "check"  # look for duplicates first; convert only when there are none
    USE = "use"  # attach the deal to an existing client
    MERGE = "merge"  # as USE, and copy what the lead knows and the client lacks
    NEW = "new"  # create new records even though duplicates exist


@dataclass(frozen=True, slots=True)
class LeadDraft:
    contact_name: str = ""
    company_name: str | None = None
    phone: str | None = None
    email: str | None = None
    city: str | None = None
    topic: str | None = None
    source: str | None = None
    country: str | None = None
    tax_id: str | None = None
    vat_payer: bool | None = None
    telegram_user_id: int | None = None
    telegram_username: str | None = None
    hidden_sender: bool = False
    first_message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def value(self, name: str) -> Any:
        return getattr(self, name)


@dataclass(frozen=True, slots=True)
class Lead:
    id: int
    owner_id: int
    status: str
    source: str | None
    contact_name: str
    company_name: str | None
    phone: str | None
    email: str | None
    city: str | None
    topic: str | None
    country: str | None
    tax_id: str | None
    vat_payer: bool | None
    telegram_user_id: int | None
    telegram_username: str | None
    junk_reason: str | None
    company_id: int | None
    contact_id: int | None
    deal_id: int | None
    created_at: datetime
    updated_at: datetime

    @property
    def display_name(self) -> str:
        if self.contact_name and self.company_name:
            return f"{self.contact_name} ({self.company_name})"
        if self.contact_name or self.company_name:
            return self.contact_name or self.company_name or ""
        return tax_id_label(self.country, self.tax_id)

    @property
    def is_legal_entity(self) -> bool:
        return bool(self.company_name or self.tax_id)


@dataclass(frozen=True, slots=True)
class LeadPage:
    items: Sequence[Lead]
    total: int
    offset: int
    limit: int
    status: str | None


@dataclass(frozen=True, slots=True)
class ClientMatch:
    """An existing company or contact the actor may see, with what it has on file."""

    kind: str  # company | contact
    id: int
    name: str
    phone: str | None = None
    email: str | None = None
    tax_id: str | None = None
    country: str | None = None
    vat_payer: bool | None = None
    city: str | None = None
    telegram_user_id: int | None = None
    company_id: int | None = None
    matched_by: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{'co' if self.kind == 'company' else 'ct'}{self.id}"


@dataclass(frozen=True, slots=True)
class NewCompany:
    name: str
    phone: str | None = None
    email: str | None = None
    country: str | None = None
    tax_id: str | None = None
    vat_payer: bool | None = None


@dataclass(frozen=True, slots=True)
class NewContact:
    name: str
    company_id: int | None = None
    phone: str | None = None
    email: str | None = None
    city: str | None = None
    telegram_user_id: int | None = None


@dataclass(frozen=True, slots=True)
class Conversion:
    """`duplicates` non-empty means nothing was written: the manager must choose."""

    lead: Lead
    duplicates: tuple[ClientMatch, ...] = ()
    deal: Deal | None = None
    company_id: int | None = None
    contact_id: int | None = None
    company_name: str | None = None
    contact_name: str | None = None
    created_company: bool = False
    created_contact: bool = False
    choice: ConvertChoice = ConvertChoice.CHECK
    carried_over: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WebLead:
    lead: Lead
    owner: User
    duplicate: bool


class InvalidFields(DomainError):
    """Several fields of one submission failed; `params['fields']` maps field → code."""

    code = "invalid_fields"


@dataclass(frozen=True, slots=True)
class LeadSettings:
    sources: tuple[str, ...] = DEFAULT_SOURCES
    required: frozenset[str] = frozenset({"contact_name", "phone"})
    default_region: str = "RU"
    assignment: str = "round_robin"  # or a staff member's Telegram id


def tax_id_label(country: str | None, tax_id: str | None) -> str:
    if not tax_id:
        return ""
    kinds = {"RU": "INN", "BY": "UNP", "MD": "IDNO", "RO": "CUI"}
    return f"{kinds.get(country or '', 'ID')} {tax_id}"


def _collapse(text: str) -> str:
    """A name or a city as typed, normalized (services.text: no invisible characters)."""
    return normalize_typed(text)


class LeadService:
    def __init__(
        self,
        uow: UowFactory,
        clock: Clock,
        deals: DealService,
        settings: LeadSettings | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._deals = deals
        self.settings = settings or LeadSettings()
        self._region = self.settings.default_region.upper()

    # --- fields ---------------------------------------------------------------------------

    @property
    def sources(self) -> tuple[str, ...]:
        return self.settings.sources

    def is_required(self, name: str) -> bool:
        return name in self.settings.required

    def missing_required(self, draft: LeadDraft) -> tuple[str, ...]:
        return tuple(f for f in LEAD_FIELDS if self.is_required(f) and not draft.value(f))

    def clean_field(self, name: str, text: str) -> str:
        """One typed value, validated and normalised; InvalidInput names the field."""
        if name in LIMITS:
            value = text.strip() if name == "topic" else _collapse(text)
            if not value:
                raise InvalidInput("empty", field=name)
            if len(value) > LIMITS[name]:
                raise InvalidInput("too_long", field=name, limit=LIMITS[name])
            return value
        if name == "phone":
            return self._clean_phone(text)
        if name == "email":
            try:
                return normalize_email(text)
            except EmailError:
                raise InvalidInput("invalid_email", field="email") from None
        if name == "source":
            value = text.strip().lower()
            if value not in self.sources:
                raise InvalidInput("unknown_source", field="source")
            return value
        raise InvalidInput("unknown_field", field=name)

    def _clean_phone(self, text: str) -> str:
        try:
            return normalize_phone(text, self._region)
        except PhoneError as exc:
            if exc.code == "not_a_number":
                raise InvalidInput("not_a_number", field="phone") from None
        stripped = text.strip()
        if not stripped.startswith(("+", "00")):
            # Valid in another of our countries: the manager forgot the "+code".
            for region in PHONE_REGIONS:
                if region != self._region and phone_search_key(stripped, region):
                    raise InvalidInput(
                        "phone_foreign",
                        field="phone",
                        country=region,
                        dial=f"+{phonenumbers.country_code_for_region(region)}",
                    )
        raise InvalidInput("invalid_phone", field="phone")

    def card_phone(self, raw: str) -> str | None:
        """A phone from a Telegram contact card (digits in international form, often without
        "+"); None when it is absent or not a valid number."""
        digits = "".join(c for c in raw if c.isdigit())
        if not digits:
            return None
        for text in (raw if raw.strip().startswith("+") else "+" + digits, raw):
            key = phone_search_key(text, self._region)
            if key:
                return key
        return None

    # --- shortcuts ------------------------------------------------------------------------

    @staticmethod
    def looks_like_tax_id(text: str) -> bool:
        return looks_like_tax_id(text)

    def draft_from_tax_id(self, text: str) -> LeadDraft:
        """A company lead from a bare tax id; InvalidInput naming the failed check when the
        text is shaped like a tax id but fails it."""
        found = detect_tax_id(text)
        if found:
            tax: TaxId = next((t for t in found if t.country == self._region), found[0])
            return LeadDraft(
                country=tax.country,
                tax_id=tax.value,
                vat_payer=tax.vat_payer,
                source="telegram" if "telegram" in self.sources else None,
            )
        raise self._tax_id_error(text)

    def _tax_id_error(self, text: str) -> InvalidInput:
        digits = "".join(c for c in text if c.isalnum())
        upper = text.strip().upper()
        country: Country
        if upper.startswith(("ИНН", "INN")):
            country = "RU"
        elif upper.startswith(("УНП", "UNP")):
            country = "BY"
        elif upper.startswith("IDNO"):
            country = "MD"
        elif upper.startswith(("CUI", "CIF", "RO", "C.U.I", "C.I.F")):
            country = "RO"
        else:
            country = _COUNTRY_BY_LENGTH.get(len(digits), "RO")
        kind = TAX_ID_NAMES[TAX_ID_FIELD[country]]
        try:
            validate_tax_id(country, text)
        except RequisiteError as err:
            return InvalidInput(f"tax_id_{err.code}", field="tax_id", kind=kind)
        return InvalidInput("tax_id_invalid", field="tax_id", kind=kind)  # pragma: no cover

    def draft_from_contact(
        self,
        first_name: str,
        last_name: str | None,
        phone: str | None,
        telegram_user_id: int | None,
    ) -> LeadDraft:
        name = _collapse(f"{first_name} {last_name or ''}")[: LIMITS["contact_name"]]
        return LeadDraft(
            contact_name=name,
            phone=self.card_phone(phone or ""),
            telegram_user_id=telegram_user_id,
            source="telegram" if "telegram" in self.sources else None,
        )

    def draft_from_forward(
        self,
        name: str,
        username: str | None,
        telegram_user_id: int | None,
        hidden: bool,
        text: str | None,
    ) -> LeadDraft:
        message = (text or "").strip()[:MESSAGE_MAX] or None
        return LeadDraft(
            contact_name=_collapse(name)[: LIMITS["contact_name"]],
            telegram_user_id=None if hidden else telegram_user_id,
            telegram_username=None if hidden else username,
            hidden_sender=hidden,
            first_message=message,
            source="telegram" if "telegram" in self.sources else None,
        )

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
            owner = await self._pick_owner(uow)
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

    async def _pick_owner(self, uow: UnitOfWork) -> User:
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
            await uow.audit.add(
                actor.id, "lead.status", "lead", lead.id, {"from": lead.status, "to": target.value}
            )
            updated = await uow.leads.get(lead.id, None)
            await uow.commit()
        assert updated is not None
        return updated

    async def update_field(self, actor: Actor, lead_id: int, name: str, text: str) -> Lead:
        if name not in LEAD_FIELDS:
            raise InvalidInput("unknown_field", field=name)
        value: str | None = self.clean_field(name, text)
        now = self._clock.now()
        async with self._uow() as uow:
            lead = await uow.leads.get(lead_id, actor.owner_scope(), for_update=True)
            if lead is None:
                raise NotFound(entity="lead", id=lead_id)
            if lead.status == LeadStatus.CONVERTED:
                raise Conflict("lead_converted")
            await uow.leads.update(lead.id, {name: value}, now)
            await uow.audit.add(actor.id, "lead.edit", "lead", lead.id, {"field": name})
            updated = await uow.leads.get(lead.id, None)
            await uow.commit()
        assert updated is not None
        return updated

    # --- conversion -----------------------------------------------------------------------

    async def _matches(
        self, uow: UnitOfWork, lead: Lead, scope: int | None
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
        uow: UnitOfWork,
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

    async def _merge_company(self, uow: UnitOfWork, target: ClientMatch, lead: Lead) -> list[str]:
        values: dict[str, Any] = {}
        for name in ("phone", "email", "tax_id", "country", "vat_payer"):
            mine = getattr(lead, name)
            if mine is not None and getattr(target, name) is None:
                values[name] = mine
        if values:
            await uow.leads.fill_company(target.id, values)
        return list(values)

    async def _merge_contact(self, uow: UnitOfWork, target: ClientMatch, lead: Lead) -> list[str]:
        values: dict[str, Any] = {}
        for name in ("phone", "email", "city", "telegram_user_id"):
            mine = getattr(lead, name)
            if mine is not None and getattr(target, name) is None:
                values[name] = mine
        if values:
            await uow.leads.fill_contact(target.id, values)
        return list(values)
