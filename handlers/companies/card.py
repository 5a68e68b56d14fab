"""The company card's buttons, one handler per action: open, requisites (starts the flow),
reassign (heads and admins: choose the manager), move. The router's middleware turns a domain
error into an alert (handlers.callback.AlertOnDomainError); `msg` may be None."""

from __future__ import annotations

import html
import secrets

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import AlertOnDomainError
from handlers.companies.callbacks import CompanyAction, CompanyCb, RequisitesFlow
from handlers.companies.keyboards import countries_keyboard
from handlers.companies.show import send_card
from handlers.companies.texts import reassigned_text, requisites_lines
from handlers.filters import IsStaff
from services.companies import CompanyService
from services.tasks import TaskService
from services.users import User


def create_router() -> Router:
    router = Router(name="company_card")
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError())

    @router.callback_query(CompanyCb.filter(F.action == CompanyAction.OPEN))
    async def on_open(query: CallbackQuery, callback_data: CompanyCb, actor: User,
                      msg: Message | None, companies: CompanyService,
                      tasks: TaskService) -> None:
        profile = await companies.profile(actor, callback_data.id)
        await query.answer()
        if msg:
            await send_card(msg, profile, actor, tasks)

    @router.callback_query(CompanyCb.filter(F.action == CompanyAction.REQUISITES))
    async def on_requisites(query: CallbackQuery, callback_data: CompanyCb, actor: User,
                            msg: Message | None, state: FSMContext,
                            companies: CompanyService) -> None:
        req = await companies.requisites(actor, callback_data.id)
        await query.answer()
        if msg is None:
            return
        flow = secrets.token_hex(4)
        await state.set_state(RequisitesFlow.choosing)
        await state.set_data({"flow": flow, "company_id": req.company_id,
                              "current_name": req.name, "step": "country"})
        current = requisites_lines(req) if req.country or req.tax_id else []
        head = _("Requisites of «{name}»:").format(name=html.escape(req.name))
        body = "\n".join(current) if current else _("None yet.")
        await msg.answer(f"{head}\n{body}\n\n" + _("Country?"),
                         reply_markup=countries_keyboard(flow))

    @router.callback_query(CompanyCb.filter(F.action == CompanyAction.REASSIGN))
    async def on_reassign(query: CallbackQuery, callback_data: CompanyCb, actor: User,
                          msg: Message | None, companies: CompanyService) -> None:
        company, targets = await companies.reassign_targets(actor, callback_data.id)
        await query.answer()
        if msg is None:
            return
        if not targets:
            await msg.answer(_("There is no other active manager to reassign to."))
            return
        kb = InlineKeyboardBuilder()
        for user in targets:
            kb.button(text=user.full_name or str(user.telegram_id), callback_data=CompanyCb(
                action=CompanyAction.MOVE, id=company.company_id, to=user.id))
        kb.adjust(1)
        await msg.answer(_("Reassign «{name}» with its contacts, open deals, open leads and "
                           "unpaid invoices to:").format(name=html.escape(company.name)),
                         reply_markup=kb.as_markup())

    @router.callback_query(CompanyCb.filter(F.action == CompanyAction.MOVE))
    async def on_move(query: CallbackQuery, callback_data: CompanyCb, actor: User,
                      msg: Message | None, companies: CompanyService) -> None:
        moved = await companies.reassign(actor, callback_data.id, callback_data.to)
        await query.answer()
        if msg:
            await msg.edit_text(reassigned_text(moved), reply_markup=None)

    return router
