"""create_router: the leads feature. It owns the "ld" (lead card) and "lf" (the /lead flow's
buttons) prefixes; a flow button of a finished step is refused last."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from handlers.filters import IsStaff
from handlers.leads import card, new_lead, shortcuts
from handlers.leads.callbacks import LeadFlowCb
from handlers.leads.new_lead import stale_text


def create_router() -> Router:
    router = Router(name="leads")
    # The order the messages were always tried in: /lead and its answers, the shortcuts
    # (outside any flow), then /leads and the card's typed answers.
    router.include_routers(new_lead.create_router(), shortcuts.create_router(),
                           card.create_router(), create_finished_step_router())
    return router


def create_finished_step_router() -> Router:
    router = Router(name="lead_finished_step")
    router.callback_query.filter(IsStaff())

    @router.callback_query(LeadFlowCb.filter())
    async def on_finished_step(query: CallbackQuery) -> None:
        await query.answer(stale_text(), show_alert=True)

    return router
