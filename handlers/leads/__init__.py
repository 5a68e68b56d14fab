"""Leads: the /lead flow, the shortcuts (contact card, forwarded message, bare tax id), the
/leads list with status filters, the lead card (qualification, junk, edit) and conversion.

callbacks.py (LeadCb, LeadFlowCb, the FSM states), texts.py, keyboards.py and filters.py,
new_lead.py, shortcuts.py and card.py (one handler per action), router.py (create_router)."""

from handlers.leads.keyboards import open_lead_keyboard
from handlers.leads.router import create_router
from handlers.leads.texts import lead_card, web_push_text

__all__ = ["create_router", "lead_card", "open_lead_keyboard", "web_push_text"]
