"""/export: the accountant's files for a period (this month, last month, this quarter): the
invoices and payments as CSV, and both as one XLSX, sent as documents."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.filters import IsStaff
from handlers.texts import error_text
from services.errors import DomainError
from services.exports import PERIODS, ExportService
from services.users import User

PERIOD_NAMES = {
    "this_month": __("This month"),
    "last_month": __("Last month"),
    "this_quarter": __("This quarter"),
}


class ExportCb(CallbackData, prefix="ex"):
    period: str


def periods_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code in PERIODS:
        kb.button(text=str(PERIOD_NAMES[code]), callback_data=ExportCb(period=code))
    kb.adjust(3)
    return kb.as_markup()


def create_router() -> Router:
    router = Router(name="exports")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    @router.message(Command("export"))
    async def cmd_export(message: Message) -> None:
        await message.answer(_("Export invoices and payments for which period?"),
                             reply_markup=periods_keyboard())

    @router.callback_query(ExportCb.filter())
    async def on_export(query: CallbackQuery, callback_data: ExportCb, actor: User,
                        exports: ExportService) -> None:
        if callback_data.period not in PERIODS:  # a forged button
            await query.answer(_("Unknown period."), show_alert=True)
            return
        try:
            # The files are built in a thread (bot/exports.py): the loop stays free.
            data, files = await exports.export(actor, callback_data.period)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer()
        if not isinstance(query.message, Message):
            return
        await query.message.answer(
            _("Export for {start} – {end}: {invoices} invoices, {payments} payments.").format(
                start=f"{data.start:%d.%m.%Y}", end=f"{data.end:%d.%m.%Y}",
                invoices=len(data.invoices), payments=len(data.payments)))
        for file in files:
            await query.message.answer_document(BufferedInputFile(file.content, file.filename))

    return router
