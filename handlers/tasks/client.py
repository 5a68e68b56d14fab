"""The client of a meeting or a call, picked by typed search among the actor's own clients
(name, phone, tax id, as /find reads them; `SearchService` scopes it): in the /task flow once
"remind the client" is chosen (a meeting not on a deal), and from the event card ("Client").
The service checks again that the client chosen is the actor's own (a forged button is
"not found")."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.tasks.callbacks import (
    Card,
    ClientKind,
    TaskCardCb,
    TaskFlowAction,
    TaskFlowCb,
    TaskStep,
)
from handlers.tasks.card import ask_step, send_card
from handlers.texts import error_text
from services.errors import DomainError
from services.search import HitKind, SearchHit, SearchService
from services.tasks import TaskService
from services.users import User

CLIENTS_SHOWN = 8
KINDS = {HitKind.COMPANY: ClientKind.COMPANY, HitKind.CONTACT: ClientKind.CONTACT}


def client_question() -> str:
    return _("Which client is it with? Type part of the name, a phone or a tax id.")


async def find_clients(message: Message, actor: User, search: SearchService,
                       skip: CallbackData | None = None) -> Sequence[SearchHit] | None:
    """The actor's clients (companies and contacts) the text finds; None after telling
    the user what is wrong with it, or that nothing was found (with Skip when given)."""
    text = message.text or ""
    try:
        found = await search.search(actor, text)
    except DomainError as err:
        await message.answer(error_text(err))
        return None
    hits = [h for h in found.hits if h.kind in KINDS and not h.archived][:CLIENTS_SHOWN]
    if not hits:
        markup = None
        if skip is not None:
            kb = InlineKeyboardBuilder()
            kb.button(text=_("Skip"), callback_data=skip)
            markup = kb.as_markup()
        await message.answer(_("No client of yours matches «{text}». Type again.").format(
            text=html.escape(text)), reply_markup=markup)
        return None
    return hits


def _client_buttons(hits: Sequence[SearchHit],
                    button: Callable[[ClientKind, int], CallbackData]) -> InlineKeyboardBuilder:
    """One button per client found (a contact with its company), a row each."""
    kb = InlineKeyboardBuilder()
    for hit in hits:
        label = hit.name
        if hit.kind == HitKind.CONTACT:
            label = f"👤 {hit.name}" + (f" ({hit.company_name})" if hit.company_name else "")
        kb.button(text=label[:60], callback_data=button(KINDS[hit.kind], hit.id))
    return kb


def flow_clients_keyboard(hits: Sequence[SearchHit], flow: str) -> InlineKeyboardMarkup:
    """The /task flow's clients found, then Skip."""
    kb = _client_buttons(hits, lambda kind, ref: TaskFlowCb(
        action=TaskFlowAction.CLIENT, flow=flow, kind=kind, id=ref))
    kb.button(text=_("Skip"), callback_data=TaskFlowCb(action=TaskFlowAction.SKIP, flow=flow))
    kb.adjust(1)
    return kb.as_markup()


def card_clients_keyboard(hits: Sequence[SearchHit], task_id: int) -> InlineKeyboardMarkup:
    """The event card's clients found."""
    actions = {ClientKind.COMPANY: Card.COMPANY_TO, ClientKind.CONTACT: Card.CONTACT_TO}
    kb = _client_buttons(hits, lambda kind, ref: TaskCardCb(action=actions[kind], id=task_id,
                                                            to=ref))
    kb.adjust(1)
    return kb.as_markup()


def client_ids(kind: str, ref: int) -> tuple[int | None, int | None]:
    """(company, contact) of a client button."""
    return (None, ref) if kind == ClientKind.CONTACT else (ref, None)


# --- the /task flow -------------------------------------------------------------------------


async def got_flow_client(message: Message, state: FSMContext, actor: User,
                          search: SearchService) -> None:
    flow = str((await state.get_data())["flow"])
    hits = await find_clients(message, actor, search,
                              TaskFlowCb(action=TaskFlowAction.SKIP, flow=flow))
    if hits is None:
        return
    await message.answer(_("Choose the client:"), reply_markup=flow_clients_keyboard(hits, flow))


# --- the event card -------------------------------------------------------------------------


async def on_card_client(query: CallbackQuery, callback_data: TaskCardCb, msg: Message | None,
                         state: FSMContext, actor: User, tasks: TaskService) -> None:
    await ask_step(query, callback_data.id, msg, state, actor, tasks, TaskStep.client,
                   lambda task: client_question())


async def got_card_client(message: Message, state: FSMContext, actor: User,
                          search: SearchService) -> None:
    task_id = int((await state.get_data())["task_id"])
    hits = await find_clients(message, actor, search)
    if hits is None:
        return
    await message.answer(_("Choose the client:"),
                         reply_markup=card_clients_keyboard(hits, task_id))


async def on_card_client_to(query: CallbackQuery, callback_data: TaskCardCb,
                            msg: Message | None, state: FSMContext, actor: User,
                            tasks: TaskService) -> None:
    ref = callback_data.to
    company_id, contact_id = (None, ref) if callback_data.action == Card.CONTACT_TO \
        else (ref, None)
    task = await tasks.set_client(actor, callback_data.id, company_id, contact_id)
    await state.clear()
    await query.answer(_("Client linked."))
    if msg is not None:
        await msg.edit_reply_markup(reply_markup=None)
        await send_card(msg, actor, tasks, task.id)
