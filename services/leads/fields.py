"""The lead service's base: its dependencies and settings, and the cleaning of one typed field
(names, phone with the foreign-number hint, e-mail, source) every use case shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

import phonenumbers

from services.clock import Clock
from services.contacts_norm import (
    EmailError,
    PhoneError,
    normalize_email,
    normalize_phone,
    phone_search_key,
)
from services.deals import DealService
from services.errors import InvalidInput
from services.leads.model import (
    _COUNTRY_BY_LENGTH,
    CHANNEL_SOURCES,
    LEAD_FIELDS,
    LIMITS,
    PHONE_REGIONS,
    TAX_ID_NAMES,
    LeadDraft,
    LeadSettings,
    _collapse,
)
from services.requisites import (
    TAX_ID_FIELD,
    Country,
    RequisiteError,
    TaxId,
    detect_tax_id,
    validate_tax_id,
)

if TYPE_CHECKING:
    from services.kernel import UowFactory
    from services.leads.ports import LeadUnitOfWork


class LeadFields:
    """The base of `LeadService`: settings and one field at a time."""

    def __init__(
        self,
        uow: UowFactory[LeadUnitOfWork],
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
            if value not in self.sources and value not in CHANNEL_SOURCES:
                raise InvalidInput("unknown_source", field="source")
            return value
        raise InvalidInput("unknown_field", field=name)

    def clean_tax_id(self, text: str) -> TaxId:
        """A company tax id typed (bare or labelled: ИНН, UNP, IDNO, CUI...), of our region
        first; InvalidInput naming the failed check (the tax id shortcut and the lead card's
        Edit use it alike)."""
        found = detect_tax_id(text)
        if found:
            return next((t for t in found if t.country == self._region), found[0])
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

