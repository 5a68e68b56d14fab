"""/find TEXT and inline mode (@bot TEXT): companies, contacts, leads, deals, invoices, quotes,
credit notes and payments the user may see, by name prefix, phone, e-mail, tax id, account or
IBAN, document number, amount or payment order number. Archived records only with the archive
word ("/find архив Ромашка", "@bot архив Ромашка") or the "Show archive" button."""

from __future__ import annotations

import html
from decimal import Decimal
from enum import StrEnum

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultUnion,
    InputTextMessageContent,
    Message,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.clients import ClientAction, ClientCb
from handlers.deals.callbacks import DealAction, DealCb
from handlers.filters import IsStaff
from handlers.i18n import pgettext
from handlers.invoices.callbacks import Inv, InvoiceCb
from handlers.invoices.texts import STATUS_NAMES as INVOICE_STATUSES
from handlers.leads.callbacks import LeadAction, LeadCb
from handlers.leads.texts import STATUS_NAMES as LEAD_STATUSES
from handlers.line_editor.texts import money
from handlers.payments import PayAction, PayCb
from handlers.quotes.callbacks import Qt, QuoteCb
from handlers.quotes.texts import STATUS_NAMES as QUOTE_STATUSES
from handlers.texts import error_text
from services.errors import DomainError
from services.money import CURRENCIES
from services.search import HitKind, SearchHit, SearchResult, SearchService
from services.users import User

ICONS = {HitKind.COMPANY: "🏢", HitKind.CONTACT: "👤", HitKind.LEAD: "🎯", HitKind.DEAL: "💼",
         HitKind.INVOICE: "🧾", HitKind.QUOTE: "📄", HitKind.CREDIT_NOTE: "↩️",
         HitKind.PAYMENT: "💰"}
INLINE_CACHE_SECONDS = 5  # results are personal and change as people work


class FindAction(StrEnum):
    ARCHIVE = "a"


class FindCb(CallbackData, prefix="fd"):
    """The query is not in the data (64 bytes): it is the /find message the answer replies
    to."""

    action: FindAction


def kind_name(kind: HitKind) -> str:
    return {HitKind.COMPANY: _("company"), HitKind.CONTACT: _("contact"),
            HitKind.LEAD: _("lead"), HitKind.DEAL: _("deal"), HitKind.INVOICE: _("invoice"),
            HitKind.QUOTE: _("quote"), HitKind.CREDIT_NOTE: _("credit note"),
            HitKind.PAYMENT: _("payment")}[kind]


def status_name(hit: SearchHit) -> str | None:
    code = hit.status
    if code is None:
        return None
    if hit.kind == HitKind.INVOICE:
        return str(INVOICE_STATUSES.get(code, code))
    if hit.kind == HitKind.QUOTE:
        return str(QUOTE_STATUSES.get(code, code))
    if hit.kind == HitKind.LEAD:
        label = LEAD_STATUSES.get(code)
        return label() if label else code
    if hit.kind == HitKind.DEAL:
        return {"open": _("in progress"), "won": _("won"), "lost": _("lost")}.get(code, code)
    if hit.kind == HitKind.CREDIT_NOTE:
        return {"issued": pgettext("credit note status", "issued"),
                "refunded": pgettext("credit note status", "refunded")}.get(code, code)
    if hit.kind == HitKind.PAYMENT:
        return _("refund") if code == "out" else None
    return code


def amount_text(hit: SearchHit) -> str | None:
    if hit.amount_minor is None or hit.currency is None:
        return None
    amount = Decimal(hit.amount_minor).scaleb(-2)
    if hit.currency not in CURRENCIES:
        return f"{amount} {html.escape(hit.currency)}"
    return money(amount, hit.currency)


def hit_title(hit: SearchHit) -> str:
    """What the hit is called: a document by its number, a payment by its payer."""
    if hit.kind == HitKind.PAYMENT:
        return _("Payment {amount}").format(amount=amount_text(hit) or "")
    if hit.kind in (HitKind.INVOICE, HitKind.QUOTE, HitKind.CREDIT_NOTE):
        if hit.number:
            return hit.number
        return _("draft #{id}").format(id=hit.id)
    return hit.name


def hit_details(hit: SearchHit) -> list[str]:
    """The hit's known details, already escaped."""
    details = [kind_name(hit.kind)]
    if hit.kind == HitKind.PAYMENT:
        if hit.name:
            details.append(html.escape(hit.name))
        if hit.on:
            details.append(_("received {day}").format(day=f"{hit.on:%d.%m.%Y}"))
        if hit.number:
            details.append(_("payment order № {number}").format(number=html.escape(hit.number)))
        if hit.invoice_number:
            details.append(_("invoice {number}").format(number=html.escape(hit.invoice_number)))
    elif hit.company_name and hit.kind != HitKind.COMPANY:
        details.append(html.escape(hit.company_name))
    if hit.kind in (HitKind.INVOICE, HitKind.QUOTE, HitKind.CREDIT_NOTE):
        if amount := amount_text(hit):
            details.append(amount)
        if hit.on:
            details.append(_("dated {day}").format(day=f"{hit.on:%d.%m.%Y}"))
    for value in (hit.phone, hit.email):
        if value:
            details.append(html.escape(value))
    if hit.tax_id:
        details.append(_("tax id {value}").format(value=html.escape(hit.tax_id)))
    if status := status_name(hit):
        details.append(html.escape(status))
    if hit.archived:
        details.append(_("in the archive"))
    return details


def hit_line(hit: SearchHit) -> str:
    return f"{ICONS[hit.kind]} <b>{html.escape(hit_title(hit))}</b> · " + " · ".join(
        hit_details(hit))


def results_text(query: str, result: SearchResult) -> str:
    if not result.hits:
        text = _("Nothing found for «{query}».").format(query=html.escape(query))
    else:
        lines = [_("Found for «{query}»: {count}").format(query=html.escape(query),
                                                          count=len(result.hits))]
        lines += [hit_line(h) for h in result.hits]
        text = "\n".join(lines)
    if result.keys.archived:
        return _("Archive included.") + "\n" + text
    return text


def hit_button(hit: SearchHit) -> CallbackData | None:
    """The card a hit opens, by the callbacks the cards already have; None if it has none (a
    contact without a company, a payment neither allocated nor waiting)."""
    if hit.kind == HitKind.COMPANY:
        return ClientCb(action=ClientAction.OPEN, id=hit.id)
    if hit.kind == HitKind.CONTACT and hit.company_id:
        return ClientCb(action=ClientAction.OPEN, id=hit.company_id)
    if hit.kind == HitKind.DEAL:
        return DealCb(action=DealAction.OPEN, id=hit.id)
    if hit.kind == HitKind.LEAD:
        return LeadCb(action=LeadAction.OPEN, id=hit.id)
    if hit.kind == HitKind.QUOTE:
        return QuoteCb(action=Qt.OPEN, id=hit.id)
    if hit.kind in (HitKind.INVOICE, HitKind.CREDIT_NOTE) and hit.invoice_id:
        return InvoiceCb(action=Inv.OPEN, id=hit.invoice_id)
    if hit.kind == HitKind.PAYMENT:
        if hit.invoice_id:
            return InvoiceCb(action=Inv.OPEN, id=hit.invoice_id)
        return PayCb(action=PayAction.OPEN, payment=hit.id)
    return None


def results_keyboard(result: SearchResult) -> InlineKeyboardMarkup | None:
    """A button for every hit that has a card, then "Show archive" unless it is shown."""
    kb = InlineKeyboardBuilder()
    for hit in result.hits:
        data = hit_button(hit)
        if data is not None:
            kb.button(text=f"{ICONS[hit.kind]} {hit_title(hit)}"[:60], callback_data=data)
    if not result.keys.archived:
        kb.button(text=_("🗄 Show archive"), callback_data=FindCb(action=FindAction.ARCHIVE))
    if not kb.buttons:
        return None
    kb.adjust(1)
    return kb.as_markup()


def inline_card(hit: SearchHit) -> str:
    return f"{ICONS[hit.kind]} <b>{html.escape(hit_title(hit))}</b>\n" + "\n".join(
        hit_details(hit))


def usage_text() -> str:
    return _("Send /find and part of a name, a phone, an e-mail, a tax id, an account, an "
             "invoice number or an amount. Example: /find Ромашка. Archived records: "
             "/find архив Ромашка")


async def cmd_find(message: Message, command: CommandObject, actor: User,
                   search: SearchService) -> None:
    query = (command.args or "").strip()
    if not query:
        await message.answer(usage_text())
        return
    try:
        result = await search.search(actor, query)
    except DomainError as err:
        await message.answer(error_text(err))
        return
    # A reply to the /find message: "Show archive" reads the query back from it.
    await message.reply(results_text(query, result), reply_markup=results_keyboard(result))


async def on_archive(query: CallbackQuery, actor: User, search: SearchService) -> None:
    msg = message_of(query)
    asked = msg.reply_to_message if msg else None
    text = (asked.text or "") if asked else ""
    words = text.split(maxsplit=1)
    if msg is None or len(words) < 2 or not words[0].startswith("/find"):
        await query.answer(_("Send the search again: /find архив Ромашка"), show_alert=True)
        return
    try:
        result = await search.search(actor, words[1], archived=True)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    await query.answer()
    await msg.edit_text(results_text(words[1].strip(), result),
                        reply_markup=results_keyboard(result))


async def on_inline(query: InlineQuery, actor: User, search: SearchService) -> None:
    try:
        result = await search.search(actor, query.query)
    except DomainError:
        await query.answer([], cache_time=INLINE_CACHE_SECONDS, is_personal=True)
        return
    articles: list[InlineQueryResultUnion] = [
        InlineQueryResultArticle(
            id=f"{hit.kind.value}-{hit.id}",
            title=f"{ICONS[hit.kind]} {hit_title(hit)}",
            description=html.unescape(" · ".join(hit_details(hit))),
            input_message_content=InputTextMessageContent(message_text=inline_card(hit)),
        )
        for hit in result.hits
    ]
    await query.answer(articles, cache_time=INLINE_CACHE_SECONDS, is_personal=True)


def create_router() -> Router:
    router = Router(name="search")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    # Strangers' and customers' inline queries fall through to the fallback: no results.
    router.inline_query.filter(IsStaff())
    router.message.register(cmd_find, Command("find"))
    router.callback_query.register(on_archive, FindCb.filter(F.action == FindAction.ARCHIVE))
    router.inline_query.register(on_inline)
    return router
