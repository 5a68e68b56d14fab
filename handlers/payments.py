"""Money in, in chat: a bank statement sent as a document, the import summary, payments that
wait for a decision (Apply to INV-…, Split, Not ours), /payments, and the buttons under a
payment push (Thank the customer, Ship, Issue act). The texts of the pushes are here too:
the outbox sender renders them (handlers/notices.py)."""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from aiogram import Bot, F, Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.filters import HasText, IsStaff
from handlers.printing import print_for_button
from handlers.shipments import ship_now
from handlers.texts import error_text
from services.delivery import DeliveryService
from services.errors import DomainError
from services.money import CURRENCIES, format_money
from services.payments import (
    ImportReport,
    PaymentApplied,
    PaymentDigest,
    PaymentService,
    ReviewCandidate,
    ReviewCard,
    ReviewNeeded,
)
from services.shipments import ShipmentService
from services.statements import DEFAULT_MAX_BYTES, StatementError
from services.users import User

logger = logging.getLogger(__name__)

MAX_STATEMENT_BYTES: Final = DEFAULT_MAX_BYTES  # 20 MB: also what getFile will hand out
PURPOSE_SHOWN: Final = 300
QUEUE_SHOWN: Final = 10


class PayAction(StrEnum):
    APPLY = "a"
    SPLIT = "s"
    DISMISS = "x"
    OPEN = "o"
    THANK = "t"
    SHIP = "h"
    ACT = "c"


class PayCb(CallbackData, prefix="pm"):
    """Ids only (64 bytes); whether the payment still waits is checked by the service."""

    action: PayAction
    payment: int = 0
    invoice: int = 0


class SplitPayment(StatesGroup):
    amounts = State()


# Statement parser codes overlap generic ones ("empty", "bad_date"), so they live here.
STATEMENT_REASONS = {
    "bad_amount": __("an amount is not a valid number"),
    "negative_amount": __("an amount is negative"),
    "bad_date": __("a date does not exist"),
    "missing_field": __("a required field is missing"),
    "truncated": __("the file is cut short"),
    "bad_encoding": __("the text encoding is unknown"),
    "bad_structure": __("the structure is broken"),
    "bad_xml": __("the XML is broken"),
    "xml_forbidden": __("the XML uses forbidden constructs"),
    "unknown_direction": __("a document is neither incoming nor outgoing"),
    "bad_mt940": __("this MT940 line cannot be read"),
    "mt942_intraday": __("this is an MT942 intraday report, not a statement; send the day's "
                         "MT940 statement"),
    "no_transactions": __("the statement has no transactions"),
    "payment_orders": __("this is a file of payment orders, not a statement"),
}
BALANCE_KINDS = {
    "closing_balance": __("closing balance"),
    "total_in": __("total received"),
    "total_out": __("total paid out"),
}


# --- texts ------------------------------------------------------------------------------------


def lang() -> Any:
    """The language of the text being rendered (the i18n context's locale)."""
    code = get_i18n().current_locale
    return code if code in ("ru", "en", "ro") else "en"


def amount_text(amount: Decimal, currency: str) -> str:
    if currency not in CURRENCIES:
        return f"{amount} {html.escape(currency)}"
    return format_money(amount, currency, lang())


def not_a_statement_text() -> str:
    return _("This is not a bank statement (1C, camt.053, camt.054 or MT940). "
             "Nothing was imported.")


def statement_error_text(err: StatementError) -> str:
    if err.code in ("not_a_statement", "empty"):
        return not_a_statement_text()
    if err.code == "too_large":
        return _("The file is too large: a bank statement can be at most 20 MB.")
    reason = STATEMENT_REASONS.get(err.code)
    text = str(reason) if reason is not None else err.code
    if err.detail:
        text += f" ({html.escape(err.detail[:200])})"
    if err.line is not None:
        return _("The statement was not imported: line {line}: {reason}. Nothing was saved."
                 ).format(line=err.line, reason=text)
    return _("The statement was not imported: {reason}. Nothing was saved.").format(
        reason=text)


def summary_text(report: ImportReport) -> str:
    lines = [_("Statement: {incoming} incoming, {new} new ({already} already imported), "
               "{auto} matched automatically, {review} need your decision, {unmatched} "
               "unmatched.").format(incoming=report.incoming, new=report.new,
                                    already=report.already, auto=report.auto,
                                    review=report.review, unmatched=report.unmatched)]
    if report.twins:
        lines.append(_("{count} were already recorded by hand as bank transfers: confirmed, "
                       "not counted twice.").format(count=report.twins))
    if not report.balances:
        lines.append(_("Balances OK."))
    for b in report.balances:
        if b.kind == "currency":
            lines.append(_("Account {account}: the balances are stated in {balance_currency}, "
                           "the payments in {currency}; the balances were not checked.").format(
                account=html.escape(b.account), balance_currency=html.escape(b.balance_currency),
                currency=html.escape(b.currency)))
            continue
        lines.append(_("Balance mismatch: account {account}: {kind} stated {expected}, "
                       "computed {actual}.").format(
            account=html.escape(b.account), kind=BALANCE_KINDS.get(b.kind, b.kind),
            expected=b.expected, actual=b.actual))
    if report.review_held:
        lines.append(_("{count} more payments wait for a decision: /payments").format(
            count=report.review_held))
    return "\n".join(lines)


def applied_text(e: PaymentApplied) -> str:
    lines = [_("💰 Payment received: {client}, invoice {number}: {amount}.").format(
        client=html.escape(e.company_name or "—"), number=html.escape(e.invoice_number),
        amount=amount_text(e.amount, e.currency))]
    if e.remaining > 0:
        lines.append(_("Remaining: {amount}.").format(amount=amount_text(e.remaining,
                                                                          e.currency)))
    else:
        lines.append(_("The invoice is paid in full."))
    if e.deal_won:
        lines.append(_("It was shipped earlier: the deal is won."))
    elif e.deal_stage:
        names = e.deal_stage_names or {}
        stage = names.get(get_i18n().current_locale) or names.get("en")
        lines.append(_("The deal moved to the stage «{stage}».").format(stage=html.escape(stage))
                     if stage else _("The deal moved to the paid stage."))
    return "\n".join(lines)


def digest_text(e: PaymentDigest) -> str:
    """A large statement's money in one message (instead of a push per payment)."""
    name = html.escape(e.filename or f"#{e.statement_id}")
    head = (_("💰 Statement {name}: payments on the team's invoices: {count}.") if e.team
            else _("💰 Statement {name}: payments on your invoices: {count}."))
    lines = [head.format(name=name, count=e.payments)]
    lines += [_("Received: {amount}.").format(amount=amount_text(amount, currency))
              for currency, amount in e.totals]
    lines.append(_("Invoices paid in full: {paid}, in part: {partial}.").format(
        paid=e.paid, partial=e.partial))
    if e.deals_won:
        lines.append(_("Deals won: {count}.").format(count=e.deals_won))
    if e.deals_moved:
        lines.append(_("Deals moved to the paid stage: {count}.").format(count=e.deals_moved))
    return "\n".join(lines)


def applied_keyboard(e: PaymentApplied) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if e.customer_chat is not None:
        kb.button(text=_("Thank the customer"),
                  callback_data=PayCb(action=PayAction.THANK, invoice=e.invoice_id))
    kb.button(text=_("Ship"), callback_data=PayCb(action=PayAction.SHIP, invoice=e.invoice_id))
    kb.button(text=_("Issue act"),
              callback_data=PayCb(action=PayAction.ACT, invoice=e.invoice_id))
    kb.adjust(1, 2) if e.customer_chat is not None else kb.adjust(2)
    return kb.as_markup()


def receipt_text(e: PaymentApplied) -> str:
    text = _("We received your payment of {amount} for invoice {number}. Thank you!").format(
        amount=amount_text(e.amount, e.currency), number=html.escape(e.invoice_number))
    if e.remaining > 0:
        text += "\n" + _("Remaining: {amount}.").format(amount=amount_text(e.remaining,
                                                                             e.currency))
    return text


def thanks_text(number: str) -> str:
    return _("Thank you for paying invoice {number}! It is a pleasure to work with you."
             ).format(number=html.escape(number))


def review_text(amount: Decimal, currency: str, received_on: date, payer: str, purpose: str,
                candidates: Sequence[ReviewCandidate]) -> str:
    short = purpose if len(purpose) <= PURPOSE_SHOWN else purpose[:PURPOSE_SHOWN] + "…"
    lines = [_("A payment needs your decision: {amount} from {payer} on {day}.").format(
        amount=amount_text(amount, currency), payer=html.escape(payer or "—"),
        day=received_on.strftime("%d.%m.%Y")),
        _("Purpose: {purpose}").format(purpose=html.escape(short or "—"))]
    if candidates:
        lines.append(_("It may be for:"))
        lines += [f"• {html.escape(c.number_text)} — {html.escape(c.company_name)}, "
                  + _("remaining {amount}").format(amount=amount_text(c.remaining, currency))
                  for c in candidates]
    else:
        lines.append(_("No invoice fits. Split it by invoice numbers, or mark it not ours."))
    return "\n".join(lines)


def review_keyboard(payment_id: int, candidates: Sequence[ReviewCandidate]
                    ) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for c in candidates:
        kb.button(text=_("Apply to {number}").format(number=c.number_text)[:60],
                  callback_data=PayCb(action=PayAction.APPLY, payment=payment_id,
                                      invoice=c.invoice_id))
    kb.button(text=_("Split"), callback_data=PayCb(action=PayAction.SPLIT, payment=payment_id))
    kb.button(text=_("Not ours"),
              callback_data=PayCb(action=PayAction.DISMISS, payment=payment_id))
    kb.adjust(*([1] * len(candidates)), 2)
    return kb.as_markup()


def review_event_text(e: ReviewNeeded) -> str:
    return review_text(e.amount, e.currency, e.received_on, e.payer_name, e.purpose,
                       e.candidates)


def card_text(card: ReviewCard) -> str:
    p = card.payment
    return review_text(p.unallocated, p.currency, p.received_on, p.payer_name, p.purpose,
                       card.candidates)


# --- the router -------------------------------------------------------------------------------


class HasFile(Filter):
    """A document or a photo (async: aiogram runs sync filters in a thread)."""

    async def __call__(self, message: Message) -> bool:
        return message.document is not None or bool(message.photo)


async def refuse(query: CallbackQuery, err: DomainError) -> None:
    """A payment button the service refused: the reason; a payment already done loses its
    buttons."""
    await query.answer(error_text(err), show_alert=True)
    msg = message_of(query)
    if err.code == "payment_done" and msg:
        await msg.edit_reply_markup(reply_markup=None)


async def on_statement(message: Message, bot: Bot, actor: User,
                       payments: PaymentService) -> None:
    doc = message.document
    if doc is None:  # a photo of a statement is not a statement
        await message.answer(not_a_statement_text())
        return
    if (doc.file_size or 0) > MAX_STATEMENT_BYTES:
        await message.answer(_("The file is too large: a bank statement can be at most "
                               "20 MB."))
        return
    buffer = await bot.download(doc.file_id)
    data = buffer.read() if buffer is not None else b""
    try:
        report = await payments.import_statement(actor, data, doc.file_name or "")
    except StatementError as err:
        await message.answer(statement_error_text(err))
        return
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await message.answer(summary_text(report))


async def cmd_payments(message: Message, actor: User, payments: PaymentService) -> None:
    cards = await payments.review_queue(actor, QUEUE_SHOWN)
    if not cards:
        await message.answer(_("No payments wait for a decision."))
        return
    kb = InlineKeyboardBuilder()
    for card in cards:
        p = card.payment
        kb.button(text=f"{p.received_on:%d.%m} · {amount_text(p.unallocated, p.currency)}"
                       f" · {p.payer_name or '—'}"[:60],
                  callback_data=PayCb(action=PayAction.OPEN, payment=p.id))
    kb.adjust(1)
    await message.answer(_("Payments waiting for a decision:"), reply_markup=kb.as_markup())


async def on_ship(query: CallbackQuery, callback_data: PayCb, actor: User,
                  shipments: ShipmentService) -> None:
    await ship_now(query, actor, shipments, callback_data.invoice)


async def on_act(query: CallbackQuery, callback_data: PayCb, actor: User,
                 delivery: DeliveryService) -> None:
    await print_for_button(query, actor, delivery, callback_data.invoice, "act")


async def on_thank(query: CallbackQuery, callback_data: PayCb, actor: User,
                   payments: PaymentService) -> None:
    try:
        await payments.thank(actor, callback_data.invoice, query.id)
    except DomainError as err:
        await refuse(query, err)
        return
    await query.answer(_("Sent to the customer."))


async def on_open(query: CallbackQuery, callback_data: PayCb, actor: User,
                  payments: PaymentService) -> None:
    try:
        card = await payments.review_card(actor, callback_data.payment)
    except DomainError as err:
        await refuse(query, err)
        return
    await query.answer()
    if msg := message_of(query):
        await msg.answer(card_text(card), reply_markup=review_keyboard(
            card.payment.id, card.candidates))


async def on_dismiss(query: CallbackQuery, callback_data: PayCb, actor: User,
                     payments: PaymentService) -> None:
    try:
        await payments.dismiss(actor, callback_data.payment)
    except DomainError as err:
        await refuse(query, err)
        return
    await query.answer(_("Marked as not ours."))
    if msg := message_of(query):
        await msg.edit_text((msg.html_text or "") + "\n\n" + _("Not ours."),
                            reply_markup=None)


async def on_split(query: CallbackQuery, callback_data: PayCb, actor: User,
                   payments: PaymentService, state: FSMContext) -> None:
    try:
        card = await payments.review_card(actor, callback_data.payment)
    except DomainError as err:
        await refuse(query, err)
        return
    if card.payment.status not in ("review", "unmatched", "credit"):
        await query.answer(_("This payment is already done."), show_alert=True)
        return
    flow = secrets.token_hex(4)
    await state.set_state(SplitPayment.amounts)
    await state.set_data({"flow": flow, "payment": card.payment.id})
    await query.answer()
    if msg := message_of(query):
        await msg.answer(_("Send how to split {amount}: one line per invoice, "
                           "the number and the amount, e.g.\nINV-2026-00001 "
                           "600,00\nWhat is left stays the client's credit. "
                           "/cancel to stop.").format(
            amount=amount_text(card.payment.unallocated, card.payment.currency)))


async def on_apply(query: CallbackQuery, callback_data: PayCb, actor: User,
                   payments: PaymentService) -> None:
    try:
        outcome = await payments.resolve(actor, callback_data.payment, callback_data.invoice)
    except DomainError as err:
        await refuse(query, err)
        return
    await query.answer(_("Applied."))
    if msg := message_of(query):
        numbers = ", ".join(html.escape(e.invoice_number) for e in outcome.events
                            if isinstance(e, PaymentApplied))
        await msg.edit_text((msg.html_text or "") + "\n\n" + _("Applied to {number}.")
                            .format(number=numbers), reply_markup=None)


async def got_amounts(message: Message, state: FSMContext, actor: User,
                      payments: PaymentService) -> None:
    data = await state.get_data()
    try:
        outcome = await payments.split_text(actor, int(data["payment"]), message.text or "")
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await state.clear()
    parts = [f"{html.escape(e.invoice_number)}: {amount_text(e.amount, e.currency)}"
             for e in outcome.events if isinstance(e, PaymentApplied)]
    text = _("Split:") + "\n" + "\n".join(parts)
    if outcome.payment.unallocated_minor > 0:
        text += "\n" + _("Left as the client's credit: {amount}.").format(
            amount=amount_text(outcome.payment.unallocated, outcome.payment.currency))
    await message.answer(text)


def create_router() -> Router:
    router = Router(name="payments")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    router.message.register(on_statement, StateFilter(None), HasFile())
    router.message.register(cmd_payments, Command("payments"))

    # The push's Ship and Issue act: this router owns the "pm" prefix; the work is the
    # shipments' and printing's.
    router.callback_query.register(on_ship, PayCb.filter(F.action == PayAction.SHIP))
    router.callback_query.register(on_act, PayCb.filter(F.action == PayAction.ACT))
    router.callback_query.register(on_thank, PayCb.filter(F.action == PayAction.THANK))
    router.callback_query.register(on_open, PayCb.filter(F.action == PayAction.OPEN))
    router.callback_query.register(on_dismiss, PayCb.filter(F.action == PayAction.DISMISS))
    router.callback_query.register(on_split, PayCb.filter(F.action == PayAction.SPLIT))
    router.callback_query.register(on_apply, PayCb.filter(F.action == PayAction.APPLY))
    router.message.register(got_amounts, StateFilter(SplitPayment.amounts), HasText())

    return router
