"""The quote card: a new draft (for a client or a deal), open, valid-until date, edit again,
and "Make invoice" once accepted. One handler per button; the router's middleware answers a
domain error or a gone message (handlers.callback.AlertOnDomainError)."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import HasText, IsStaff
from handlers.invoices.keyboards import card_keyboard as invoice_card_keyboard
from handlers.invoices.texts import card_text as invoice_card_text
from handlers.quotes.callbacks import Qt, QuoteCb, QuoteInput
from handlers.quotes.keyboards import card_keyboard
from handlers.quotes.texts import card_text
from handlers.texts import error_text
from services.errors import DomainError
from services.invoices import parse_due_date
from services.quotes import Quote, QuoteCard, QuoteService
from services.users import User


async def show_quote(message: Message, actor: User, card: QuoteCard | Quote,
                     prefix: str = "") -> None:
    if isinstance(card, Quote):
        card = QuoteCard(card, None)  # drafts and edits: nobody accepted it yet
    text = card_text(card, actor.timezone)
    await message.answer(f"{prefix}\n\n{text}" if prefix else text,
                         reply_markup=card_keyboard(card.quote))


def create_router() -> Router:
    router = Router(name="quote_card")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    @router.callback_query(QuoteCb.filter(F.action == Qt.NEW))
    async def on_new(query: CallbackQuery, callback_data: QuoteCb, actor: User, msg: Message,
                     quotes: QuoteService, state: FSMContext) -> None:
        new = await quotes.create_draft(actor, callback_data.id)
        await state.clear()
        await query.answer()
        await show_quote(msg, actor, new)

    @router.callback_query(QuoteCb.filter(F.action == Qt.DEAL))
    async def on_deal(query: CallbackQuery, callback_data: QuoteCb, actor: User,
                      msg: Message, quotes: QuoteService, state: FSMContext) -> None:
        new = await quotes.create_for_deal(actor, callback_data.id)
        await state.clear()
        await query.answer()
        await show_quote(msg, actor, new)

    @router.callback_query(QuoteCb.filter(F.action == Qt.INVOICE))
    async def on_make_invoice(query: CallbackQuery, callback_data: QuoteCb, actor: User,
                              msg: Message, quotes: QuoteService) -> None:
        inv = await quotes.invoice_from_quote(actor, callback_data.id)
        await query.answer()
        with suppress(TelegramBadRequest):  # the card may be too old to edit
            # One tap makes one invoice: the card loses its "Make invoice" button.
            await msg.edit_reply_markup(reply_markup=None)
        await msg.answer(_("Invoice made from the quote.") + "\n\n" + invoice_card_text(inv),
                         reply_markup=invoice_card_keyboard(inv))

    @router.callback_query(QuoteCb.filter(F.action == Qt.OPEN))
    async def on_open(query: CallbackQuery, callback_data: QuoteCb, actor: User,
                      msg: Message, quotes: QuoteService) -> None:
        card = await quotes.card(actor, callback_data.id)
        await query.answer()
        await show_quote(msg, actor, card)

    @router.callback_query(QuoteCb.filter(F.action == Qt.VALID))
    async def on_valid(query: CallbackQuery, callback_data: QuoteCb, actor: User,
                       msg: Message, quotes: QuoteService, state: FSMContext) -> None:
        card = await quotes.card(actor, callback_data.id)
        await state.set_state(QuoteInput.valid_until)
        await state.set_data({"q": card.quote.id})
        await query.answer()
        await msg.answer(_("Valid until? A date (25.12.2026) or a number of days (14)."))

    @router.callback_query(QuoteCb.filter(F.action == Qt.REOPEN))
    async def on_reopen(query: CallbackQuery, callback_data: QuoteCb, actor: User,
                        msg: Message, quotes: QuoteService) -> None:
        card = await quotes.card(actor, callback_data.id)
        q = await quotes.reopen(actor, card.quote.id)
        await query.answer()
        await show_quote(msg, actor, q, _("Back to draft: edit it and send it again."))

    @router.message(StateFilter(QuoteInput.valid_until), HasText())
    async def got_valid_until(message: Message, actor: User, state: FSMContext,
                              quotes: QuoteService) -> None:
        data = await state.get_data()
        try:
            day = parse_due_date(message.text or "", quotes.today())
            q = await quotes.set_valid_until(actor, int(data["q"]), day)
        except DomainError as err:
            await message.answer(error_text(err) + "\n" + _("Try again, or send /cancel."))
            return
        await state.clear()
        await show_quote(message, actor, q)

    return router
