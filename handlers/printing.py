"""An invoice's other documents as PDF: the act of services and the UPD (each in its own
series), the delivery note and the cash receipt of a payment ("Act" / "UPD" / "Delivery note"
after shipping, "Issue act" under a payment push, "🧾 Receipt" after cash)."""

from __future__ import annotations

import html
from enum import StrEnum
from typing import Final

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.filters import IsStaff
from handlers.texts import error_text
from services.delivery import DeliveryService
from services.errors import DomainError
from services.users import User


class PrintKind(StrEnum):
    ACT = "a"
    UPD = "u"
    DELIVERY_NOTE = "d"
    RECEIPT = "r"


KIND_OF: Final = {PrintKind.ACT: "act", PrintKind.UPD: "upd",
                  PrintKind.DELIVERY_NOTE: "delivery_note", PrintKind.RECEIPT: "receipt"}


class PrintCb(CallbackData, prefix="pr"):
    kind: PrintKind
    invoice: int
    payment: int = 0


def shipping_documents_keyboard(invoice_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Act"), callback_data=PrintCb(kind=PrintKind.ACT, invoice=invoice_id))
    kb.button(text=_("UPD"), callback_data=PrintCb(kind=PrintKind.UPD, invoice=invoice_id))
    kb.button(text=_("Delivery note"),
              callback_data=PrintCb(kind=PrintKind.DELIVERY_NOTE, invoice=invoice_id))
    kb.adjust(3)
    return kb.as_markup()


def caption(kind: str, number: str) -> str:
    number = html.escape(number)
    if kind == "act":
        return _("Act of completed works for invoice {number}.").format(number=number)
    if kind == "upd":
        return _("UPD (universal transfer document) for invoice {number}.").format(
            number=number)
    if kind == "delivery_note":
        return _("Delivery note for invoice {number}.").format(number=number)
    return _("Cash receipt for invoice {number}.").format(number=number)


async def send_printed(message: Message, actor: User, delivery: DeliveryService,
                       invoice_id: int, kind: str, payment_id: int | None = None) -> None:
    """Renders (or re-uses) the document and sends it as a file; a refusal as one line."""
    try:
        pdf = await delivery.print_pdf(actor, invoice_id, kind, payment_id)
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await message.answer_document(BufferedInputFile(pdf.content, pdf.filename),
                                  caption=caption(kind, pdf.header.number_text or ""))


async def print_for_button(query: CallbackQuery, actor: User, delivery: DeliveryService,
                           invoice_id: int, kind: str, payment_id: int | None = None) -> None:
    """A print button (ours, or the payment push's "Issue act", which the payments router owns
    and which calls this)."""
    msg = message_of(query)
    try:  # checked before answering, so a forged button gets its refusal as the answer
        await delivery.header(actor, "invoice", invoice_id)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await query.answer()
    if msg is not None:
        await send_printed(msg, actor, delivery, invoice_id, kind, payment_id)


def create_router() -> Router:
    router = Router(name="printing")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    @router.callback_query(PrintCb.filter())
    async def on_print(query: CallbackQuery, callback_data: PrintCb, actor: User,
                       delivery: DeliveryService) -> None:
        await print_for_button(query, actor, delivery, callback_data.invoice,
                               KIND_OF[callback_data.kind], callback_data.payment or None)

    return router
