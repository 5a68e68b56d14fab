"""/debts: who owes what, aged (not due, 1-30, 31-60, 61-90, over 90 days), per client and, for
heads and admins, per manager; each client a button → the client statement, as text, as a PDF
(акт сверки) for the manager, or sent as that PDF into the customer's own chat."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any, Final

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.filters import IsStaff
from handlers.i18n import lazy_pgettext
from handlers.texts import error_text
from services.delivery import DeliveryService
from services.errors import DomainError
from services.money import format_money, from_minor
from services.receivables import BUCKETS, Aged, ClientStatement, DebtsReport, ReceivableService
from services.users import User

CLIENTS_SHOWN: Final = 25
ROWS_SHOWN: Final = 20
BUCKET_NAMES = {
    "not_due": __("not due"),
    "d1_30": __("1–30 days"),
    "d31_60": __("31–60 days"),
    "d61_90": __("61–90 days"),
    "d90_plus": __("over 90 days"),
}
STATUS_NAMES = {
    "issued": lazy_pgettext("invoice status", "open"),
    "sent": lazy_pgettext("invoice status", "open"),
    "viewed": lazy_pgettext("invoice status", "open"),
    "partially_paid": lazy_pgettext("invoice status", "partly paid"),
    "overdue": lazy_pgettext("invoice status", "overdue"),
    "paid": lazy_pgettext("invoice status", "paid"),
    "cancelled": lazy_pgettext("invoice status", "cancelled"),
}


class DebtCb(CallbackData, prefix="db"):
    company: int


def lang() -> Any:
    code = get_i18n().current_locale
    return code if code in ("ru", "en", "ro") else "en"


def money(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency, lang())


def aged_lines(aged: Aged, indent: str = "  ") -> list[str]:
    lines = []
    for currency in sorted(aged.by_currency):
        parts = [f"{BUCKET_NAMES[b]} {money(aged.amount(currency, b), currency)}"
                 for b in BUCKETS if aged.by_currency[currency][b]]
        lines.append(f"{indent}{money(aged.total(currency), currency)}: " + " · ".join(parts))
    return lines


def debts_text(report: DebtsReport) -> str:
    if not report.clients:
        return _("Nobody owes us anything.")
    lines = [_("<b>Receivables on {date}</b>").format(date=f"{report.today:%d.%m.%Y}")]
    for client in report.clients[:CLIENTS_SHOWN]:
        head = f"<b>{html.escape(client.company_name)}</b>"
        if report.team:
            head += f" ({html.escape(client.owner_name)})"
        lines += ["", head, *aged_lines(client.aged)]
    if len(report.clients) > CLIENTS_SHOWN:
        lines.append(_("…and {count} more clients.").format(
            count=len(report.clients) - CLIENTS_SHOWN))
    if report.team:
        lines += ["", _("<b>By manager</b>")]
        for name, aged in report.managers:
            lines += [html.escape(name), *aged_lines(aged)]
    lines += ["", _("<b>Total</b>"), *aged_lines(report.total)]
    return "\n".join(lines)[:4096]


def debts_keyboard(report: DebtsReport) -> InlineKeyboardMarkup | None:
    kb = InlineKeyboardBuilder()
    for client in report.clients[:CLIENTS_SHOWN]:
        if client.company_id is not None:
            kb.button(text=client.company_name[:60], callback_data=DebtCb(
                company=client.company_id))
    kb.adjust(1)
    return kb.as_markup() if list(kb.buttons) else None


def statement_text(st: ClientStatement) -> str:
    lines = [_("<b>Statement: {client}</b> on {date}").format(
        client=html.escape(st.company_name), date=f"{st.today:%d.%m.%Y}"), "",
        _("<b>Invoices</b>")]
    if not st.invoices:
        lines.append(_("No invoices."))
    for inv in st.invoices[-ROWS_SHOWN:]:
        lines.append(_("{number} of {issued}, due {due}: {total}, paid {paid} ({status})").format(
            number=html.escape(inv.number_text),
            issued=f"{inv.issue_date:%d.%m.%Y}" if inv.issue_date else "—",
            due=f"{inv.due_date:%d.%m.%Y}" if inv.due_date else "—",
            total=money(from_minor(inv.total_minor, inv.currency), inv.currency),
            paid=money(from_minor(inv.paid_minor, inv.currency), inv.currency),
            status=str(STATUS_NAMES.get(inv.status, inv.status))))
        if inv.credited_minor:
            lines[-1] += " " + _("· credit notes {amount}").format(
                amount=money(from_minor(inv.credited_minor, inv.currency), inv.currency))
    lines += ["", _("<b>Payments</b>")]
    if not st.payments:
        lines.append(_("No payments."))
    for p in st.payments[-ROWS_SHOWN:]:
        doc = f" {html.escape(p.doc_number)}" if p.doc_number else ""
        lines.append(f"{p.received_on:%d.%m.%Y}{doc}: "
                     f"{money(from_minor(p.amount_minor, p.currency), p.currency)}")
    lines.append("")
    owed = [money(v, c) for c, v in sorted(st.balance.items()) if v]
    lines.append(_("Balance owed: {amount}").format(amount=", ".join(owed) or "0"))
    credit = [money(v, c) for c, v in sorted(st.credit.items()) if v]
    if credit:
        lines.append(_("Client's credit: {amount}").format(amount=", ".join(credit)))
    return "\n".join(lines)[:4096]


class StatementCb(CallbackData, prefix="stm"):
    company: int
    send: bool = False  # False: the PDF to the manager; True: into the customer's chat


def statement_keyboard(company_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("PDF"), callback_data=StatementCb(company=company_id))
    kb.button(text=_("Send to the customer"),
              callback_data=StatementCb(company=company_id, send=True))
    kb.adjust(2)
    return kb.as_markup()


def create_router() -> Router:
    router = Router(name="receivables")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    @router.message(Command("debts"))
    async def cmd_debts(message: Message, actor: User, receivables: ReceivableService) -> None:
        try:
            report = await receivables.debts(actor)
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await message.answer(debts_text(report), reply_markup=debts_keyboard(report))

    @router.callback_query(DebtCb.filter())
    async def on_statement(query: CallbackQuery, callback_data: DebtCb, actor: User,
                           receivables: ReceivableService) -> None:
        try:
            st = await receivables.statement(actor, callback_data.company)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(statement_text(st),
                                       reply_markup=statement_keyboard(st.company_id))

    @router.callback_query(StatementCb.filter())
    async def on_statement_pdf(query: CallbackQuery, callback_data: StatementCb, actor: User,
                               receivables: ReceivableService, delivery: DeliveryService,
                               bot: Bot, i18n: I18n) -> None:
        msg = message_of(query)
        try:
            st = await receivables.statement(actor, callback_data.company)
            contact = (await delivery.customer_chat(actor, st.company_id)
                       if callback_data.send else None)
            if callback_data.send and (contact is None or contact.telegram_user_id is None):
                await query.answer(_("The customer has not opened our bot yet: send them an "
                                     "invoice by Telegram link first."), show_alert=True)
                return
            files = await delivery.statement_pdfs(actor, st)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        if contact is None or contact.telegram_user_id is None:
            await query.answer()
            if msg:
                for f in files:
                    await msg.answer_document(BufferedInputFile(f.content, f.filename),
                                              caption=html.escape(st.company_name))
            return
        locale = contact.language if contact.language in i18n.available_locales \
            else i18n.default_locale
        with i18n.use_locale(locale):
            note = _("Statement of our mutual settlements as of {date}.").format(
                date=f"{st.today:%d.%m.%Y}")
        # Through the outbox, like everything that goes into a customer's chat.
        await delivery.files_to_chat(actor, st.company_id, contact.telegram_user_id, files,
                                     note, query.id)
        await query.answer(_("Sent to the customer."))

    return router
