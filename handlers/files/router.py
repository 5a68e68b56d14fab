"""create_router: the "fl" buttons (a card's files, attach, done, send one back, a timeline
note's voice or photo) and the files a manager sends to a card: in the attach step, or as a
reply to the card's message (the card is named by the files buttons under it)."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.callback import AlertOnDomainError
from handlers.files.callbacks import FileAction, FileCb, FileInput
from handlers.files.keyboards import done_keyboard, listing_keyboard
from handlers.files.media import incoming_of, send_note_media, send_stored
from handlers.files.texts import attach_prompt, attached_text, listing_text
from handlers.filters import IsStaff
from handlers.texts import error_text
from services.errors import DomainError
from services.files import FileService, IncomingFile
from services.tasks import TaskService
from services.users import User


class HasMedia(Filter):
    """A message carrying a file a card can keep; the handler gets it as `incoming`."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        incoming = incoming_of(message)
        return {"incoming": incoming} if incoming is not None else False


class RepliedToCard(Filter):
    """A reply to a card (or a files listing): its files buttons name the deal or the client,
    handed on as `card` = (deal_id, company_id). The bot drew those buttons, so they cannot be
    forged; the service checks the actor may see the card all the same."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        replied = message.reply_to_message
        markup = replied.reply_markup if replied is not None else None
        if markup is None or replied is None or replied.from_user is None \
                or not replied.from_user.is_bot:
            return False
        for row in markup.inline_keyboard:
            for button in row:
                data = button.callback_data or ""
                if not data.startswith(FileCb.__prefix__ + FileCb.__separator__):
                    continue
                try:
                    cb = FileCb.unpack(data)
                except (TypeError, ValueError):
                    continue
                if cb.action in (FileAction.LIST, FileAction.ATTACH) and (cb.deal or cb.co):
                    return {"card": (cb.deal or None, None if cb.deal else cb.co)}
        return False


def _subject(cb: FileCb) -> dict[str, int | None]:
    return {"deal_id": cb.deal or None, "company_id": None if cb.deal else (cb.co or None)}


async def on_list(query: CallbackQuery, callback_data: FileCb, actor: User, msg: Message,
                  files: FileService, tasks: TaskService) -> None:
    listing = await files.listing(actor, **_subject(callback_data))
    await query.answer()
    await msg.answer(listing_text(listing, tasks.zone(actor)),
                     reply_markup=listing_keyboard(listing))


async def on_attach(query: CallbackQuery, callback_data: FileCb, actor: User, msg: Message,
                    state: FSMContext, files: FileService) -> None:
    listing = await files.listing(actor, **_subject(callback_data))  # the card is theirs
    await query.answer()
    await state.set_state(FileInput.attach)
    await state.set_data({"deal_id": listing.deal_id, "company_id": listing.company_id})
    await msg.answer(attach_prompt(listing),
                     reply_markup=done_keyboard(listing.deal_id, listing.company_id))


async def attach(message: Message, actor: User, files: FileService, incoming: IncomingFile,
                 deal_id: int | None, company_id: int | None, in_step: bool) -> None:
    """Keeps the file; in the attach step the answer offers «Done»."""
    try:
        attached = await files.attach(actor, incoming, deal_id=deal_id, company_id=company_id)
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await message.answer(attached_text(attached.file, attached.count),
                         reply_markup=done_keyboard(deal_id, company_id) if in_step else None)


async def got_reply_file(message: Message, actor: User, files: FileService,
                         incoming: IncomingFile, card: tuple[int | None, int | None]) -> None:
    await attach(message, actor, files, incoming, card[0], card[1], in_step=False)


async def got_file(message: Message, actor: User, state: FSMContext, files: FileService,
                   incoming: IncomingFile) -> None:
    data = await state.get_data()
    await attach(message, actor, files, incoming, data.get("deal_id"), data.get("company_id"),
                 in_step=True)


async def got_other(message: Message) -> None:
    if message.text and message.text.startswith("/"):
        await message.answer(_("Unknown command. Finish this step or send /cancel."))
        return
    await message.answer(_("This cannot be attached. Send a document, a photo, a voice "
                           "message, a video or audio, or tap «Done»."))


async def on_done(query: CallbackQuery, actor: User, msg: Message, state: FSMContext,
                  raw_state: str | None, files: FileService) -> None:
    if raw_state != FileInput.attach.state:
        await query.answer(_("This button belongs to a finished step."), show_alert=True)
        return
    data = await state.get_data()
    await state.clear()
    listing = await files.listing(actor, deal_id=data.get("deal_id"),
                                  company_id=data.get("company_id"))
    await query.answer()
    await msg.edit_reply_markup(reply_markup=None)
    await msg.answer(_("Done. Files on the card: {n}.").format(n=listing.total),
                     reply_markup=listing_keyboard(listing))


async def on_send(query: CallbackQuery, callback_data: FileCb, actor: User, msg: Message,
                  files: FileService) -> None:
    stored = await files.get(actor, callback_data.id)
    await query.answer()
    await send_stored(msg, stored)


async def on_note(query: CallbackQuery, callback_data: FileCb, actor: User, msg: Message,
                  files: FileService) -> None:
    media = await files.note_media(actor, callback_data.id)
    await query.answer()
    await send_note_media(msg, media)


def create_router() -> Router:
    router = Router(name="files")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError(needs_message=True))

    router.callback_query.register(on_list, FileCb.filter(F.action == FileAction.LIST))
    router.callback_query.register(on_attach, FileCb.filter(F.action == FileAction.ATTACH))
    router.callback_query.register(on_done, FileCb.filter(F.action == FileAction.DONE))
    router.callback_query.register(on_send, FileCb.filter(F.action == FileAction.SEND))
    router.callback_query.register(on_note, FileCb.filter(F.action == FileAction.NOTE))
    # A reply to a card wins over the attach step (it names its card explicitly).
    router.message.register(got_reply_file, HasMedia(), RepliedToCard())
    router.message.register(got_file, StateFilter(FileInput.attach), HasMedia())
    router.message.register(got_other, StateFilter(FileInput.attach))
    return router
