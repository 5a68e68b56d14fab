"""Lead drafts from shortcuts: a bare tax id, a Telegram contact card, a forwarded message."""

from __future__ import annotations

from services.errors import InvalidInput
from services.leads.fields import LeadFields
from services.leads.model import (
    _COUNTRY_BY_LENGTH,
    LIMITS,
    MESSAGE_MAX,
    TAX_ID_NAMES,
    LeadDraft,
    _collapse,
)
from services.requisites import (
    TAX_ID_FIELD,
    Country,
    RequisiteError,
    TaxId,
    detect_tax_id,
    looks_like_tax_id,
    validate_tax_id,
)


class LeadShortcuts(LeadFields):
    """A draft from a tax id, a contact card or a forward (nothing is written)."""

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

