"""Lead drafts from shortcuts: a bare tax id, a Telegram contact card, a forwarded message."""

from __future__ import annotations

from services.leads.fields import LeadFields
from services.leads.model import (
    LIMITS,
    MESSAGE_MAX,
    LeadDraft,
    _collapse,
)
from services.requisites import (
    looks_like_tax_id,
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
        tax = self.clean_tax_id(text)
        return LeadDraft(
            country=tax.country,
            tax_id=tax.value,
            vat_payer=tax.vat_payer,
            source="telegram" if "telegram" in self.sources else None,
        )

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

