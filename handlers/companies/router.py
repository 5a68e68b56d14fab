"""create_router: the company card's extras. It owns the "co" (company card), "rq" (the
requisites flow), "ce" (edit, contacts, archive, merge) and "cf" (their typed steps)
prefixes."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from handlers.companies import card, edit, lifecycle, requisites
from handlers.companies.callbacks import CardFlowCb
from handlers.filters import IsStaff


async def on_finished_card_flow(query: CallbackQuery) -> None:
    await query.answer(_("This button belongs to a finished step."), show_alert=True)


def create_router() -> Router:
    router = Router(name="companies")
    # A button of an edit, a new contact, an archive reason or a merge that is over: after
    # the routers that handle the live ones (a router's own handlers would come first).
    finished = Router(name="client_card_finished")
    finished.callback_query.filter(IsStaff())
    finished.callback_query.register(on_finished_card_flow, CardFlowCb.filter())
    router.include_routers(card.create_router(), requisites.create_router(),
                           edit.create_router(), lifecycle.create_router(), finished)
    return router
