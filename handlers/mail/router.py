"""create_router: the buttons of a mail push (Make a lead, Reply, Open client is the client
card's own button, Make a task, and for an unverified sender «It is theirs») and the reply
step: the manager types the answer, may attach the client's invoice, quote or act with one
tap, and sends it. Each handler is one service call; the service scopes every action (a
forged id for another manager's message is "not found")."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.callback import AlertOnDomainError
from handlers.filters import IsStaff
from handlers.leads.keyboards import lead_keyboard
from handlers.leads.texts import lead_card
from handlers.mail.callbacks import DOC_KINDS, MailAction, MailCb, MailReplyStep
from handlers.mail.keyboards import cancel_keyboard, reply_keyboard
from handlers.mail.texts import (
    reply_preview,
    reply_prompt,
    reply_queued_text,
)
from handlers.tasks.card import send_card
from handlers.texts import error_text
from services.errors import DomainError
from services.leads import LeadService
from services.mail import MailService, ReplyDocument, ReplyDraft
from services.tasks import TaskService
from services.users import User


async def on_lead(query: CallbackQuery, callback_data: MailCb, actor: User, msg: Message,
                  mail: MailService, leads: LeadService) -> None:
    lead = await mail.make_lead(actor, callback_data.id)
    await query.answer()
    await msg.answer(lead_card(lead), reply_markup=lead_keyboard(lead,
                                                                  leads.allowed_statuses(lead)))


async def on_confirm(query: CallbackQuery, callback_data: MailCb, actor: User, msg: Message,
                     mail: MailService) -> None:
    await mail.confirm_sender(actor, callback_data.id)
    await query.answer(_("Added to the client's timeline."))


async def on_task(query: CallbackQuery, callback_data: MailCb, actor: User, msg: Message,
                  mail: MailService, tasks: TaskService) -> None:
    task = await mail.make_task(actor, callback_data.id)
    await query.answer()
    await send_card(msg, actor, tasks, task.id, note=_("Task created."))


async def on_reply(query: CallbackQuery, callback_data: MailCb, actor: User, msg: Message,
                   state: FSMContext, mail: MailService) -> None:
    draft = await mail.reply_draft(actor, callback_data.id)
    await query.answer()
    await state.set_state(MailReplyStep.text)
    await state.set_data({"mail_id": draft.mail.id})
    await msg.answer(reply_prompt(draft), reply_markup=cancel_keyboard(draft.mail.id))


def _chosen(draft: ReplyDraft, data: dict[str, Any]) -> ReplyDocument | None:
    kind, doc_id = DOC_KINDS.get(str(data.get("doc") or "")), data.get("of")
    return next((d for d in draft.documents if d.kind == kind and d.id == doc_id), None)


async def got_reply_text(message: Message, actor: User, state: FSMContext,
                         mail: MailService) -> None:
    text = (message.text or "").strip()
    if not text:
        await message.answer(_("Type the answer as text, or send /cancel."))
        return
    data = await state.get_data()
    try:
        draft = await mail.reply_draft(actor, int(data["mail_id"]))
    except DomainError as err:
        await state.clear()
        await message.answer(error_text(err))
        return
    if len(text) > 4000:
        await message.answer(_("The answer is too long: at most 4000 characters."))
        return
    await state.update_data(text=text, doc="", of=0)
    await message.answer(reply_preview(draft, text, None, draft.documents),
                         reply_markup=reply_keyboard(draft.mail.id, draft.documents, None))


async def _step(query: CallbackQuery, callback_data: MailCb, state: FSMContext,
                raw_state: str | None) -> dict[str, Any] | None:
    data = await state.get_data()
    if raw_state != MailReplyStep.text.state or data.get("mail_id") != callback_data.id \
            or not data.get("text"):
        await query.answer(_("This button belongs to a finished step."), show_alert=True)
        return None
    return data


async def on_attach(query: CallbackQuery, callback_data: MailCb, actor: User, msg: Message,
                    state: FSMContext, raw_state: str | None, mail: MailService) -> None:
    data = await _step(query, callback_data, state, raw_state)
    if data is None:
        return
    draft = await mail.reply_draft(actor, callback_data.id)
    again = data.get("doc") == callback_data.doc and data.get("of") == callback_data.of
    data.update(doc="" if again else callback_data.doc, of=0 if again else callback_data.of)
    chosen = _chosen(draft, data)
    if chosen is None and not again:
        await query.answer(_("This document is no longer offered."), show_alert=True)
        return
    await state.update_data(doc=data["doc"], of=data["of"])
    await query.answer()
    await msg.edit_text(reply_preview(draft, str(data["text"]), chosen, draft.documents),
                        reply_markup=reply_keyboard(draft.mail.id, draft.documents, chosen))


async def on_send(query: CallbackQuery, callback_data: MailCb, actor: User, msg: Message,
                  state: FSMContext, raw_state: str | None, mail: MailService) -> None:
    data = await _step(query, callback_data, state, raw_state)
    if data is None:
        return
    kind = DOC_KINDS.get(str(data.get("doc") or ""))
    document = (kind, int(data.get("of") or 0)) if kind else None
    # The preview's message is the action: a second tap (or a re-delivered update) queues
    # the same reply once.
    draft = await mail.send_reply(actor, callback_data.id, str(data["text"]),
                                  f"mail:{msg.chat.id}:{msg.message_id}", document=document)
    await state.clear()
    await query.answer()
    await msg.edit_reply_markup(reply_markup=None)
    await msg.answer(reply_queued_text(draft))


async def on_cancel(query: CallbackQuery, state: FSMContext, raw_state: str | None,
                    msg: Message) -> None:
    if raw_state == MailReplyStep.text.state:
        await state.clear()
    await query.answer(_("Cancelled."))
    await msg.edit_reply_markup(reply_markup=None)


def create_router() -> Router:
    router = Router(name="mail")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError(needs_message=True))
    router.callback_query.register(on_lead, MailCb.filter(F.action == MailAction.LEAD))
    router.callback_query.register(on_confirm, MailCb.filter(F.action == MailAction.CONFIRM))
    router.callback_query.register(on_task, MailCb.filter(F.action == MailAction.TASK))
    router.callback_query.register(on_reply, MailCb.filter(F.action == MailAction.REPLY))
    router.callback_query.register(on_attach, MailCb.filter(F.action == MailAction.ATTACH))
    router.callback_query.register(on_send, MailCb.filter(F.action == MailAction.SEND))
    router.callback_query.register(on_cancel, MailCb.filter(F.action == MailAction.CANCEL))
    router.message.register(got_reply_text, StateFilter(MailReplyStep.text))
    return router
