"""Quotes in chat: "Quote" on the deal card and /quote (choose the client), the draft card with
the same line editing as invoices plus a validity date, Send… (numbered on the first send by
the delivery module), the customer's answer on the card, and "Make invoice" once accepted;
/quotes lists mine with status filters.

As with invoices, the draft lives in the database and every button acts on the quote as it is
now; the FSM only remembers which question was asked about which quote. The line texts, money
formatting and tax-mode names are the invoice module's, so both cards read the same.
"""

from __future__ import annotations

import html
from contextlib import suppress
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import deals as deal_handlers
from handlers import delivery as delivery_handlers
from handlers import invoices as invoice_handlers
from handlers.callback import message_of
from handlers.filters import HasText, IsStaff
from handlers.invoices import (
    ASK,
    TAX_MODE_CODES,
    TAX_MODE_NAMES,
    TEXT_BUDGET,
    clients_keyboard,
    line_keyboard,
    line_text,
    lines_keyboard,
    money,
    products_keyboard,
    qty_text,
    vat_keyboard,
)
from handlers.texts import error_text
from services.catalog import CatalogService, vat_code, vat_from_code
from services.errors import DomainError
from services.invoices import (
    InvoiceService,
    clean_currency,
    clean_line_name,
    clean_price,
    clean_quantity,
    parse_discount,
    parse_due_date,
)
from services.quotes import Quote, QuoteCard, QuotePage, QuoteService
from services.users import User

PAGE: Final = 8


class Qt(StrEnum):
    NEW = "n"
    DEAL = "d"
    OPEN = "o"
    ADD_PRODUCT = "ap"
    PICK = "pk"
    ADD_LINE = "al"
    SHIPPING = "sh"
    CHARGE = "ch"
    LINES = "ls"
    LINE = "l"
    LINE_QTY = "lq"
    LINE_PRICE = "lp"
    LINE_DISCOUNT = "ld"
    LINE_VAT = "lv"
    SET_VAT = "sv"
    LINE_REMOVE = "lx"
    DISCOUNT = "ds"
    TAX = "tx"
    SET_TAX = "st"
    VALID = "vu"
    CURRENCY = "cu"
    REOPEN = "re"
    INVOICE = "mi"
    LIST = "li"


class QuoteCb(CallbackData, prefix="qt"):
    """`id` is the quote (the company for NEW, the deal for DEAL); ids only, 64 bytes."""

    action: Qt
    id: int = 0
    arg: int = 0
    v: str = ""


class QuoteInput(StatesGroup):
    product_query = State()
    product_qty = State()
    line_name = State()
    line_qty = State()
    line_price = State()
    line_value = State()
    discount = State()
    valid_until = State()
    currency = State()


STATUS_NAMES = {
    "draft": __("draft"), "sent": __("sent"), "accepted": __("accepted"),
    "changes_requested": __("changes requested"), "expired": __("expired"),
}
FILTERS: Final[dict[str, tuple[str, ...] | None]] = {
    "all": None, "draft": ("draft",), "sent": ("sent",), "accepted": ("accepted",),
    "changes": ("changes_requested",), "expired": ("expired",),
}
FILTER_NAMES = {"all": __("All"), "draft": __("Drafts"), "sent": __("Sent"),
                "accepted": __("Accepted"), "changes": __("Changes asked"),
                "expired": __("Expired")}


def cb(action: Qt, quote_id: int, arg: int = 0, v: str = "") -> QuoteCb:
    return QuoteCb(action=action, id=quote_id, arg=arg, v=v)


def quote_title(q: Quote) -> str:
    if q.number_text:
        return _("Quote {number}").format(number=html.escape(q.number_text))
    return _("Quote draft #{id}").format(id=q.id)


def local_time(moment: Any, timezone: str | None) -> str:
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return str(moment.astimezone(zone).strftime("%d.%m.%Y %H:%M"))


def totals_text(q: Quote) -> list[str]:
    c = q.currency
    out = [_("Subtotal: {amount}").format(amount=money(q.subtotal, c))]
    if q.discount_total:
        label = _("Discount: {amount}").format(amount=money(q.discount_total, c))
        if q.discount_percent:
            label += " " + _("(incl. {value}% on the total)").format(
                value=qty_text(q.discount_percent))
        out.append(label)
    if q.tax_mode != "included":
        out.append(_("Net: {amount}").format(amount=money(q.net_total, c)))
    for group in q.vat_breakdown:
        if isinstance(group.rate, str):
            out.append(_("Without VAT: {amount}").format(amount=money(group.net, c)))
        else:
            key = (_("incl. VAT {rate}%: {amount}") if q.tax_mode == "included"
                   else _("VAT {rate}%: {amount}"))
            out.append(key.format(rate=vat_code(group.rate), amount=money(group.vat, c)))
    out.append("<b>" + _("Total: {amount}").format(amount=money(q.grand_total, c)) + "</b>")
    return out


def card_text(card: QuoteCard, timezone: str | None = None) -> str:
    q = card.quote
    out = [f"<b>{quote_title(q)}</b> · {html.escape(q.buyer_name or '—')}",
           _("Status: {status}").format(status=STATUS_NAMES.get(q.status, q.status)),
           _("Currency: {currency} · {mode}").format(
               currency=q.currency, mode=TAX_MODE_NAMES.get(q.tax_mode, q.tax_mode))]
    if q.valid_until:
        out.append(_("Valid until {date}").format(date=q.valid_until.strftime("%d.%m.%Y")))
    if q.status == "accepted" and q.accepted_at:
        out.append(_("Accepted by {name} at {time}").format(
            name=html.escape(card.accepted_by or "—"), time=local_time(q.accepted_at, timezone)))
    if q.status == "changes_requested":
        out.append(_("The customer asks for changes: {text}").format(
            text=html.escape(q.change_request or "—")))
    out.append("")
    if not q.lines:
        out.append(_("No lines yet: add a product or a line."))
        return "\n".join(out)
    used = 0
    for i, line in enumerate(q.lines):
        text = line_text(line, q.currency, q.tax_mode)
        used += len(text)
        if used > TEXT_BUDGET:
            out.append(_("… and {count} more lines").format(count=len(q.lines) - i))
            break
        out.append(text)
    out.append("")
    out.extend(totals_text(q))
    return "\n".join(out)


def card_keyboard(q: Quote) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    rows: list[int] = []
    if q.status == "draft":
        kb.button(text=_("Add product"), callback_data=cb(Qt.ADD_PRODUCT, q.id))
        kb.button(text=_("Add line"), callback_data=cb(Qt.ADD_LINE, q.id))
        kb.button(text=_("Shipping"), callback_data=cb(Qt.SHIPPING, q.id))
        kb.button(text=_("Other charge"), callback_data=cb(Qt.CHARGE, q.id))
        rows += [2, 2]
        if q.lines:
            kb.button(text=_("Edit/remove line"), callback_data=cb(Qt.LINES, q.id))
        kb.button(text=_("Discount"), callback_data=cb(Qt.DISCOUNT, q.id))
        rows.append(2 if q.lines else 1)
        kb.button(text=_("Tax mode"), callback_data=cb(Qt.TAX, q.id))
        kb.button(text=_("Valid until"), callback_data=cb(Qt.VALID, q.id))
        kb.button(text=_("Currency"), callback_data=cb(Qt.CURRENCY, q.id))
        rows.append(3)
        if q.lines:  # the delivery module sends (and numbers) a draft on the first send
            kb.add(delivery_handlers.send_button("quote", q.id))
            rows.append(1)
    elif q.status == "sent":
        kb.add(delivery_handlers.send_button("quote", q.id))
        rows.append(1)
    elif q.status in ("changes_requested", "expired"):
        kb.button(text=_("Edit again"), callback_data=cb(Qt.REOPEN, q.id))
        rows.append(1)
    elif q.status == "accepted":
        kb.button(text=_("Make invoice"), callback_data=cb(Qt.INVOICE, q.id))
        rows.append(1)
    if rows:
        kb.adjust(*rows)
    return kb.as_markup()


def quote_button(deal_id: int) -> InlineKeyboardButton:
    """The "Quote" button for a deal card."""
    return InlineKeyboardButton(text=_("Quote"), callback_data=cb(Qt.DEAL, deal_id).pack())


def add_deal_card_button(kb: InlineKeyboardBuilder, card: Any) -> None:
    if getattr(card.deal, "status", "open") == "open":
        kb.add(quote_button(card.deal.id))


def quote_cb(action: str, doc_id: int, arg: int, v: str) -> CallbackData:
    return cb(Qt(action), doc_id, arg, v)


def tax_keyboard(q: Quote) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for i, code in enumerate(TAX_MODE_CODES):
        mark = "• " if code == q.tax_mode else ""
        kb.button(text=mark + str(TAX_MODE_NAMES[code]), callback_data=cb(Qt.SET_TAX, q.id, i))
    kb.adjust(1)
    return kb.as_markup()


def list_text(page: QuotePage, flt: str) -> str:
    return _("Quotes ({filter}): {total}").format(filter=FILTER_NAMES[flt], total=page.total)


def list_keyboard(page: QuotePage, flt: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for q in page.items:
        label = q.number_text or _("draft #{id}").format(id=q.id)
        kb.button(text=f"{label} · {q.buyer_name[:24]} · {money(q.grand_total, q.currency)}"
                  f" · {STATUS_NAMES.get(q.status, q.status)}",
                  callback_data=cb(Qt.OPEN, q.id))
    nav = []
    if page.offset > 0:
        nav.append(("◀", max(0, page.offset - page.limit)))
    if page.offset + page.limit < page.total:
        nav.append(("▶", page.offset + page.limit))
    for text, offset in nav:
        kb.button(text=text, callback_data=cb(Qt.LIST, 0, offset, flt))
    for code, name in FILTER_NAMES.items():
        mark = "• " if code == flt else ""
        kb.button(text=mark + str(name), callback_data=cb(Qt.LIST, 0, 0, code))
    kb.adjust(*([1] * len(page.items)), *([len(nav)] if nav else []), 3, 3)
    return kb.as_markup()


def create_router() -> Router:
    router = Router(name="quotes")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    extensions = getattr(deal_handlers, "CARD_EXTENSIONS", None)
    if extensions is not None and add_deal_card_button not in extensions:
        extensions.append(add_deal_card_button)  # the deal card's "Quote" button

    async def show(message: Message, actor: User, card: QuoteCard | Quote,
                   prefix: str = "") -> None:
        if isinstance(card, Quote):
            card = QuoteCard(card, None)  # drafts and edits: nobody accepted it yet
        text = card_text(card, actor.timezone)
        await message.answer(f"{prefix}\n\n{text}" if prefix else text,
                             reply_markup=card_keyboard(card.quote))

    @router.message(Command("quote"))
    async def cmd_quote(message: Message, actor: User, invoices: InvoiceService,
                        state: FSMContext) -> None:
        await state.clear()
        clients = await invoices.pick_clients(actor)
        if not clients:
            await message.answer(_("You have no clients yet. Add one with /newclient."))
            return
        await message.answer(_("New quote. Choose the client:"),
                             reply_markup=clients_keyboard(clients, quote_cb))

    @router.message(Command("quotes"))
    async def cmd_quotes(message: Message, actor: User, quotes: QuoteService,
                         state: FSMContext) -> None:
        await state.clear()
        page = await quotes.list(actor, None, 0, PAGE)
        if not page.total:
            await message.answer(_("No quotes yet. Create one with /quote."))
            return
        await message.answer(list_text(page, "all"), reply_markup=list_keyboard(page, "all"))

    async def ask(query: CallbackQuery, state: FSMContext, new_state: State, text: str,
                  **data: Any) -> None:
        await state.set_state(new_state)
        await state.set_data(data)
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(text)

    @router.callback_query(QuoteCb.filter())
    async def on_quote(query: CallbackQuery, callback_data: QuoteCb, actor: User,
                       quotes: QuoteService, state: FSMContext) -> None:
        msg = message_of(query)
        a, q_id, arg = callback_data.action, callback_data.id, callback_data.arg
        if msg is None:
            await query.answer(_("This button is no longer active."), show_alert=True)
            return
        try:
            if a == Qt.LIST:
                flt = callback_data.v if callback_data.v in FILTERS else "all"
                page = await quotes.list(actor, FILTERS[flt], arg, PAGE)
                await query.answer()
                await msg.edit_text(list_text(page, flt), reply_markup=list_keyboard(page, flt))
                return
            if a in (Qt.NEW, Qt.DEAL):
                new = await (quotes.create_draft(actor, q_id) if a == Qt.NEW
                             else quotes.create_for_deal(actor, q_id))
                await state.clear()
                await query.answer()
                await show(msg, actor, new)
                return
            if a == Qt.INVOICE:
                inv = await quotes.invoice_from_quote(actor, q_id)
                await query.answer()
                with suppress(TelegramBadRequest):  # the card may be too old to edit
                    # One tap makes one invoice: the card loses its "Make invoice" button.
                    await msg.edit_reply_markup(reply_markup=None)
                await msg.answer(
                    _("Invoice made from the quote.") + "\n\n" + invoice_handlers.card_text(inv),
                    reply_markup=invoice_handlers.card_keyboard(inv))
                return
            card = await quotes.card(actor, q_id)
            q, c = card.quote, card.quote.currency
            if a == Qt.OPEN:
                await query.answer()
                await show(msg, actor, card)
            elif a == Qt.ADD_PRODUCT:
                await ask(query, state, QuoteInput.product_query,
                          _("Type the product name or SKU:"), q=q.id)
            elif a == Qt.ADD_LINE:
                await ask(query, state, QuoteInput.line_name, _("Line name?"), q=q.id,
                          kind="item")
            elif a == Qt.SHIPPING:
                await ask(query, state, QuoteInput.line_price,
                          _("Shipping price in {currency}?").format(currency=c), q=q.id,
                          kind="shipping", name=_("Shipping"), qty="1")
            elif a == Qt.CHARGE:
                await ask(query, state, QuoteInput.line_name, _("What is the charge for?"),
                          q=q.id, kind="charge")
            elif a == Qt.LINES:
                await query.answer()
                await msg.answer(_("Which line?"),
                                 reply_markup=lines_keyboard(q.id, q.lines, quote_cb))
            elif a == Qt.LINE:
                await query.answer()
                line = next((x for x in q.lines if x.position == arg), None)
                if line is None:
                    await msg.answer(_("This line is gone: the draft changed."))
                    return
                await msg.answer(line_text(line, c, q.tax_mode),
                                 reply_markup=line_keyboard(q.id, arg, quote_cb))
            elif a in (Qt.LINE_QTY, Qt.LINE_PRICE, Qt.LINE_DISCOUNT):
                field = {Qt.LINE_QTY: "qty", Qt.LINE_PRICE: "price",
                         Qt.LINE_DISCOUNT: "discount"}[a]
                await ask(query, state, QuoteInput.line_value,
                          str(ASK[field]).format(currency=c), q=q.id, pos=arg, field=field)
            elif a == Qt.LINE_VAT:
                rates = await quotes.line_vat_rates(actor, q.id)
                await query.answer()
                await msg.answer(_("VAT rate of line {n}:").format(n=arg),
                                 reply_markup=vat_keyboard(q.id, arg, rates, quote_cb))
            elif a == Qt.SET_VAT:
                q = await quotes.update_line(actor, q.id, arg,
                                             vat_rate=vat_from_code(callback_data.v))
                await query.answer()
                await show(msg, actor, q)
            elif a == Qt.LINE_REMOVE:
                q = await quotes.remove_line(actor, q.id, arg)
                await query.answer()
                await show(msg, actor, q)
            elif a == Qt.DISCOUNT:
                await ask(query, state, QuoteInput.discount,
                          _("Discount on the total: a percent (10%) or an amount in "
                            "{currency} (500). 0 removes it.").format(currency=c), q=q.id)
            elif a == Qt.TAX:
                await query.answer()
                await msg.answer(_("How is VAT counted?"), reply_markup=tax_keyboard(q))
            elif a == Qt.SET_TAX:
                mode = TAX_MODE_CODES[arg] if 0 <= arg < len(TAX_MODE_CODES) else ""
                q = await quotes.set_tax_mode(actor, q.id, mode)
                await query.answer()
                await show(msg, actor, q)
            elif a == Qt.VALID:
                await ask(query, state, QuoteInput.valid_until,
                          _("Valid until? A date (25.12.2026) or a number of days (14)."),
                          q=q.id)
            elif a == Qt.CURRENCY:
                await ask(query, state, QuoteInput.currency,
                          _("Currency code? RUB, BYN, MDL, RON, EUR or USD."), q=q.id)
            elif a == Qt.REOPEN:
                q = await quotes.reopen(actor, q.id)
                await query.answer()
                await show(msg, actor, q, _("Back to draft: edit it and send it again."))
            elif a == Qt.PICK:
                await ask(query, state, QuoteInput.product_qty, str(ASK["qty"]),
                          q=q.id, product=arg)
            else:
                await query.answer(_("This button is no longer active."), show_alert=True)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)

    # --- typed answers ------------------------------------------------------------------

    async def reply_error(message: Message, err: DomainError) -> None:
        await message.answer(error_text(err) + "\n" + _("Try again, or send /cancel."))

    @router.message(StateFilter(QuoteInput.product_query), HasText())
    async def got_product_query(message: Message, actor: User, state: FSMContext,
                                catalog: CatalogService, quotes: QuoteService) -> None:
        data = await state.get_data()
        try:
            q = await quotes.get(actor, int(data["q"]))
            found = await catalog.search(actor, message.text or "")
        except DomainError as err:
            await reply_error(message, err)
            return
        if not found:
            await message.answer(_("Nothing found. Type another name or SKU, or /cancel."))
            return
        await message.answer(_("Choose the product:"),
                             reply_markup=products_keyboard(q.id, found, q.currency,
                                                            quote_cb))

    @router.message(StateFilter(QuoteInput.product_qty), HasText())
    async def got_product_qty(message: Message, actor: User, state: FSMContext,
                              quotes: QuoteService) -> None:
        data = await state.get_data()
        try:
            qty = clean_quantity(message.text or "")
            q = await quotes.add_product(actor, int(data["q"]), int(data["product"]), qty)
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await show(message, actor, q)

    @router.message(StateFilter(QuoteInput.line_name), HasText())
    async def got_line_name(message: Message, state: FSMContext) -> None:
        try:
            name = clean_line_name(message.text or "")
        except DomainError as err:
            await reply_error(message, err)
            return
        data = await state.get_data()
        if data.get("kind") == "charge":
            await state.update_data(name=name, qty="1")
            await state.set_state(QuoteInput.line_price)
            await message.answer(_("Amount?"))
            return
        await state.update_data(name=name)
        await state.set_state(QuoteInput.line_qty)
        await message.answer(str(ASK["qty"]))

    @router.message(StateFilter(QuoteInput.line_qty), HasText())
    async def got_line_qty(message: Message, state: FSMContext) -> None:
        try:
            qty = clean_quantity(message.text or "")
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.update_data(qty=str(qty))
        await state.set_state(QuoteInput.line_price)
        await message.answer(_("Price per unit? For example 1 200,50."))

    @router.message(StateFilter(QuoteInput.line_price), HasText())
    async def got_line_price(message: Message, actor: User, state: FSMContext,
                             quotes: QuoteService) -> None:
        data = await state.get_data()
        try:
            price = clean_price(message.text or "")
            q = await quotes.add_free_line(actor, int(data["q"]), str(data["name"]),
                                           Decimal(str(data["qty"])), price,
                                           str(data.get("kind") or "item"))
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await show(message, actor, q)

    @router.message(StateFilter(QuoteInput.line_value), HasText())
    async def got_line_value(message: Message, actor: User, state: FSMContext,
                             quotes: QuoteService) -> None:
        data = await state.get_data()
        q_id, pos, field = int(data["q"]), int(data["pos"]), str(data["field"])
        text = message.text or ""
        try:
            if field == "qty":
                q = await quotes.update_line(actor, q_id, pos, quantity=clean_quantity(text))
            elif field == "price":
                q = await quotes.update_line(actor, q_id, pos, unit_price=clean_price(text))
            else:
                current = await quotes.get(actor, q_id)
                q = await quotes.update_line(actor, q_id, pos,
                                             discount=parse_discount(text, current.currency))
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await show(message, actor, q)

    @router.message(StateFilter(QuoteInput.discount), HasText())
    async def got_discount(message: Message, actor: User, state: FSMContext,
                           quotes: QuoteService) -> None:
        data = await state.get_data()
        try:
            current = await quotes.get(actor, int(data["q"]))
            percent, amount = parse_discount(message.text or "", current.currency)
            q = await quotes.set_discount(actor, current.id, percent, amount)
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await show(message, actor, q)

    @router.message(StateFilter(QuoteInput.valid_until), HasText())
    async def got_valid_until(message: Message, actor: User, state: FSMContext,
                              quotes: QuoteService) -> None:
        data = await state.get_data()
        try:
            day = parse_due_date(message.text or "", quotes.today())
            q = await quotes.set_valid_until(actor, int(data["q"]), day)
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await show(message, actor, q)

    @router.message(StateFilter(QuoteInput.currency), HasText())
    async def got_currency(message: Message, actor: User, state: FSMContext,
                           quotes: QuoteService) -> None:
        data = await state.get_data()
        try:
            q = await quotes.set_currency(actor, int(data["q"]),
                                          clean_currency(message.text or ""))
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await show(message, actor, q)

    return router
