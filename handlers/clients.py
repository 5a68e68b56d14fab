"""Clients: the list, the card, and the /newclient flow (name → phone → e-mail → summary)."""

from __future__ import annotations

import html
import secrets
from enum import StrEnum
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.companies.show import send_card
from handlers.filters import HasText, IsStaff, SameFlow
from handlers.texts import error_text
from services.clients import ClientService, Company, CompanyDraft, Page
from services.companies import CompanyService
from services.errors import DomainError
from services.tasks import TaskService
from services.users import User

PAGE = 8


class ClientAction(StrEnum):
    OPEN = "o"
    PAGE = "p"
    ARCHIVED = "a"  # the archived clients' list, id = offset


class ClientCb(CallbackData, prefix="cl"):
    action: ClientAction
    id: int = 0


class FlowAction(StrEnum):
    SKIP = "skip"
    SAVE = "save"
    EDIT_NAME = "name"
    EDIT_PHONE = "phone"
    EDIT_EMAIL = "email"
    CANCEL = "cancel"


EDIT_FIELDS = {FlowAction.EDIT_NAME: "name", FlowAction.EDIT_PHONE: "phone",
               FlowAction.EDIT_EMAIL: "email"}


class NewClientCb(CallbackData, prefix="nc"):
    """`flow` ties a button to the run of the flow that drew it: a button left on the screen
    from an earlier /newclient cannot act on the current one."""

    action: FlowAction
    flow: str


class NewClient(StatesGroup):
    name = State()
    phone = State()
    email = State()
    confirm = State()


QUESTIONS = {
    "name": lambda: _("Company or client name?"),
    "phone": lambda: _("Phone number? (or Skip)"),
    "email": lambda: _("E-mail? (or Skip)"),
}
STATE_OF = {"name": NewClient.name, "phone": NewClient.phone, "email": NewClient.email}


def company_card(c: Company) -> str:
    lines = [f"<b>{html.escape(c.name)}</b>"]
    if c.phone:
        lines.append(_("Phone: {phone}").format(phone=c.phone))
    if c.email:
        lines.append(_("E-mail: {email}").format(email=html.escape(c.email)))
    return "\n".join(lines)


def list_keyboard(page: Page, archived: bool = False) -> InlineKeyboardMarkup:
    """The clients of a page with ◀ ▶; the active list ends with Archived clients when some
    are archived."""
    paging = ClientAction.ARCHIVED if archived else ClientAction.PAGE
    kb = InlineKeyboardBuilder()
    for c in page.items:
        kb.button(text=c.name[:60], callback_data=ClientCb(action=ClientAction.OPEN, id=c.id))
    nav = []
    if page.offset > 0:
        nav.append(("◀", max(0, page.offset - page.limit)))
    if page.offset + page.limit < page.total:
        nav.append(("▶", page.offset + page.limit))
    for text, offset in nav:
        kb.button(text=text, callback_data=ClientCb(action=paging, id=offset))
    sizes = [*([1] * len(page.items)), len(nav) or 1]
    if page.archived and not archived:
        kb.button(text=_("Archived clients: {n}").format(n=page.archived),
                  callback_data=ClientCb(action=ClientAction.ARCHIVED, id=0))
        sizes = [*([1] * len(page.items)), *([len(nav)] if nav else []), 1]
    kb.adjust(*sizes)
    return kb.as_markup()


def skip_keyboard(flow: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Skip"), callback_data=NewClientCb(action=FlowAction.SKIP, flow=flow))
    return kb.as_markup()


def summary(data: dict[str, Any]) -> str:
    dash = "—"
    return "\n".join([
        _("New client:"),
        _("Name: {v}").format(v=html.escape(data.get("name") or dash)),
        _("Phone: {phone}").format(phone=data.get("phone") or dash),
        _("E-mail: {email}").format(email=html.escape(data.get("email") or dash)),
        _("Save?"),
    ])


def summary_keyboard(flow: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Save"), callback_data=NewClientCb(action=FlowAction.SAVE, flow=flow))
    kb.button(text=_("Edit name"),
              callback_data=NewClientCb(action=FlowAction.EDIT_NAME, flow=flow))
    kb.button(text=_("Edit phone"),
              callback_data=NewClientCb(action=FlowAction.EDIT_PHONE, flow=flow))
    kb.button(text=_("Edit e-mail"),
              callback_data=NewClientCb(action=FlowAction.EDIT_EMAIL, flow=flow))
    kb.button(text=_("Cancel"), callback_data=NewClientCb(action=FlowAction.CANCEL, flow=flow))
    kb.adjust(1, 3, 1)
    return kb.as_markup()


async def ask_next(message: Message, state: FSMContext) -> None:
    """After a field: back to the summary when editing, else the next question."""
    data = await state.get_data()
    flow = data["flow"]
    order = ["name", "phone", "email"]
    if data.get("editing"):
        await state.update_data(editing=False)
        await state.set_state(NewClient.confirm)
        await message.answer(summary(data), reply_markup=summary_keyboard(flow))
        return
    current = data.get("step", "name")
    nxt = order[order.index(current) + 1] if current != "email" else None
    if nxt is None:
        await state.set_state(NewClient.confirm)
        await message.answer(summary(data), reply_markup=summary_keyboard(flow))
        return
    await state.update_data(step=nxt)
    await state.set_state(STATE_OF[nxt])
    await message.answer(QUESTIONS[nxt](), reply_markup=skip_keyboard(flow))


async def cmd_clients(message: Message, actor: User, clients: ClientService) -> None:
    page = await clients.list_companies(actor, 0, PAGE)
    if not page.total and not page.archived:
        await message.answer(_("You have no clients yet. Add one with /newclient."))
        return
    await message.answer(_("Clients: {total}").format(total=page.total),
                         reply_markup=list_keyboard(page))


async def on_page(query: CallbackQuery, callback_data: ClientCb, actor: User,
                  clients: ClientService) -> None:
    page = await clients.list_companies(actor, callback_data.id, PAGE)
    await query.answer()
    if msg := message_of(query):
        await msg.edit_reply_markup(reply_markup=list_keyboard(page))


async def on_archived(query: CallbackQuery, callback_data: ClientCb, actor: User,
                      clients: ClientService) -> None:
    """The archived clients (a card of one has Restore)."""
    page = await clients.list_companies(actor, callback_data.id, PAGE, archived=True)
    await query.answer()
    if msg := message_of(query):
        text = _("Archived clients: {n}").format(n=page.total)
        if callback_data.id == 0:
            await msg.answer(text, reply_markup=list_keyboard(page, archived=True))
        else:
            await msg.edit_reply_markup(reply_markup=list_keyboard(page, archived=True))


async def on_open(query: CallbackQuery, callback_data: ClientCb, actor: User,
                  companies: CompanyService, tasks: TaskService) -> None:
    try:
        profile = await companies.profile(actor, callback_data.id)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await query.answer()
    if msg := message_of(query):
        await send_card(msg, profile, actor, tasks)


async def cmd_newclient(message: Message, state: FSMContext) -> None:
    flow = secrets.token_hex(4)
    await state.set_state(NewClient.name)
    await state.set_data({"flow": flow, "step": "name"})
    await message.answer(QUESTIONS["name"]())


async def got_field(message: Message, state: FSMContext, clients: ClientService,
                    field: str) -> None:
    try:
        value = clients.clean_field(field, message.text or "")
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await state.update_data({field: value})
    await ask_next(message, state)


async def got_name(message: Message, state: FSMContext, clients: ClientService) -> None:
    await got_field(message, state, clients, "name")


async def got_phone(message: Message, state: FSMContext, clients: ClientService) -> None:
    await got_field(message, state, clients, "phone")


async def got_email(message: Message, state: FSMContext, clients: ClientService) -> None:
    await got_field(message, state, clients, "email")


async def on_skip(query: CallbackQuery, state: FSMContext, flow_data: dict[str, Any],
                  msg: Message) -> None:
    await query.answer()
    await msg.edit_reply_markup(reply_markup=None)
    await state.update_data({flow_data["step"]: None})
    await ask_next(msg, state)


async def on_cancel(query: CallbackQuery, state: FSMContext, msg: Message) -> None:
    await state.clear()
    await query.answer()
    await msg.edit_text(_("Cancelled. Nothing was saved."))


async def on_save(query: CallbackQuery, state: FSMContext, flow_data: dict[str, Any],
                  msg: Message, actor: User, clients: ClientService) -> None:
    try:
        company = await clients.create_company(actor, CompanyDraft(
            name=flow_data.get("name") or "", phone=flow_data.get("phone"),
            email=flow_data.get("email")))
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await state.clear()
    await query.answer()
    await msg.edit_text(_("Saved.") + "\n" + company_card(company))


async def on_edit(query: CallbackQuery, callback_data: NewClientCb, state: FSMContext,
                  msg: Message) -> None:
    field = EDIT_FIELDS[callback_data.action]
    await state.update_data(editing=True, step=field)
    await state.set_state(STATE_OF[field])
    await query.answer()
    await msg.edit_reply_markup(reply_markup=None)
    await msg.answer(QUESTIONS[field]())


async def on_finished_step(query: CallbackQuery) -> None:
    await query.answer(_("This button belongs to a finished step."), show_alert=True)


def create_router() -> Router:
    router = Router(name="clients")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    router.message.register(cmd_clients, Command("clients"))
    router.callback_query.register(on_page, ClientCb.filter(F.action == ClientAction.PAGE))
    router.callback_query.register(on_open, ClientCb.filter(F.action == ClientAction.OPEN))
    router.callback_query.register(on_archived,
                                   ClientCb.filter(F.action == ClientAction.ARCHIVED))
    router.message.register(cmd_newclient, Command("newclient"))
    router.message.register(got_name, StateFilter(NewClient.name), HasText())
    router.message.register(got_phone, StateFilter(NewClient.phone), HasText())
    router.message.register(got_email, StateFilter(NewClient.email), HasText())

    # The flow's buttons: matched by action, state and the run's token (SameFlow).

    router.callback_query.register(
        on_skip, NewClientCb.filter(F.action == FlowAction.SKIP),
        StateFilter(NewClient.phone, NewClient.email), SameFlow(NewClientCb))
    router.callback_query.register(
        on_cancel, NewClientCb.filter(F.action == FlowAction.CANCEL),
        StateFilter(NewClient.confirm), SameFlow(NewClientCb))
    router.callback_query.register(
        on_save, NewClientCb.filter(F.action == FlowAction.SAVE), StateFilter(NewClient.confirm),
        SameFlow(NewClientCb))
    router.callback_query.register(
        on_edit, NewClientCb.filter(F.action.in_(EDIT_FIELDS)), StateFilter(NewClient.confirm),
        SameFlow(NewClientCb))
    router.callback_query.register(on_finished_step, NewClientCb.filter())

    return router
