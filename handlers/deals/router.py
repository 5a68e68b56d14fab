"""create_router: the deals feature. It owns the "dl" (deal card), "df" (a deal flow's buttons)
and "cx" (the client card's extras) prefixes; a flow button of a finished step is refused
last."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from handlers.deals import card, edit, moves, new_deal, notes
from handlers.deals.callbacks import FlowCb
from handlers.filters import IsStaff


def create_router() -> Router:
    router = Router(name="deals")
    # Order matters for messages: a note step takes any message (it refuses a command), so
    # /deals comes before it and /newdeal after it, as they always did.
    router.include_routers(card.create_router(), edit.create_router(), moves.create_router(),
                           notes.create_router(),
                           notes.create_client_router(), new_deal.create_router(),
                           create_finished_step_router())
    return router


def create_finished_step_router() -> Router:
    router = Router(name="deal_finished_step")
    router.callback_query.filter(IsStaff())

    @router.callback_query(FlowCb.filter())
    async def on_finished_step(query: CallbackQuery) -> None:
        await query.answer(_("This button belongs to a finished step."), show_alert=True)

    return router
