"""Lead values: statuses and their transitions, drafts, leads, pages, duplicates found, what
conversion created, settings and the field limits; the errors of a web submission."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from services.deals import Deal
from services.errors import DomainError
from services.requisites import Country
from services.text import normalize_typed
from services.users import User

DEDUPE_WINDOW = timedelta(minutes=1)
LIMITS = {"contact_name": 200, "company_name": 300, "city": 120, "topic": 2000}
MESSAGE_MAX = 4000
# The order of the /lead flow and of the summary card.
LEAD_FIELDS = ("contact_name", "company_name", "phone", "email", "city", "topic", "source")
# What the lead card's Edit menu offers (the flow's fields and the tax id).
EDIT_FIELDS = (*LEAD_FIELDS, "tax_id")
# The junk reasons offered as buttons (their code is kept; "other" is typed).
JUNK_REASONS = ("spam", "duplicate", "not_target", "no_contact")
OTHER_JUNK = "other"
DEFAULT_SOURCES = ("website", "call", "referral", "exhibition", "advertising", "telegram")
WEB_SOURCE = "website"
MAIL_SOURCE = "email"  # a lead made from an e-mail to the company mailbox
# Sources set by the channel a lead came through, valid whatever LEAD_SOURCES lists.
CHANNEL_SOURCES = frozenset({WEB_SOURCE, MAIL_SOURCE})
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
    language: str | None = None  # Telegram's, for a lead from a business chat (issue 20)

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
    language: str | None = None

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
    language: str | None = None


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
