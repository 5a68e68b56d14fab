"""Invoices in chat: /invoice (choose the client, build the draft line by line), the draft
card with its buttons, issue / cancel / reissue, and /invoices (filtered list, totals).

The draft lives in the database, not in the FSM: every button acts on the invoice as it is
now (a stale button cannot undo a later change; the service refuses what no longer applies),
and the FSM only remembers which question was asked about which invoice.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, Protocol

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import deals as deal_handlers
from handlers.callback import message_of
from handlers.filters import HasText, IsStaff
from handlers.texts import error_text
from services.catalog import CatalogService, Product, vat_code, vat_from_code
from services.errors import DomainError
from services.invoices import (
    OPEN_STATUSES,
    Invoice,
    InvoicePage,
    InvoiceService,
    Line,
    clean_currency,
    clean_line_name,
    clean_price,
    clean_quantity,
    parse_discount,
    parse_due_date,
)
from services.money import format_money
from services.pricing import VatRate
from services.users import User

PAGE: Final = 8
TEXT_BUDGET: Final = 3500  # Telegram's limit is 4096; totals and headers need the rest


class Inv(StrEnum):
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
    DUE = "du"
    CURRENCY = "cu"
    ISSUE = "is"
    CANCEL = "cx"
    REISSUE = "ri"
    LIST = "li"


class InvoiceCb(CallbackData, prefix="in"):
    """`id` is the invoice (the company for NEW, the deal for DEAL); ids only, 64 bytes."""

    action: Inv
    id: int = 0
    arg: int = 0
    v: str = ""


class InvoiceInput(StatesGroup):
    product_query = State()
    product_qty = State()
    line_name = State()
    line_qty = State()
    line_price = State()
    line_value = State()
    discount = State()
    due_date = State()
    currency = State()


STATUS_NAMES = {
    "draft": __("draft"), "issued": __("issued"), "sent": __("sent"), "viewed": __("viewed"),
    "partially_paid": __("partially paid"), "paid": __("paid"), "overdue": __("overdue"),
    "cancelled": __("cancelled"),
}
TAX_MODE_NAMES = {
    "per_line": __("VAT on each line"),
    "on_total": __("VAT on the total"),
    "included": __("prices include VAT"),
}
TAX_MODE_CODES: Final = ("per_line", "on_total", "included")
FILTERS: Final[dict[str, tuple[str, ...] | None]] = {
    "all": None, "draft": ("draft",), "open": tuple(sorted(OPEN_STATUSES)),
    "overdue": ("overdue",), "paid": ("paid",), "cancelled": ("cancelled",),
}
FILTER_NAMES = {"all": __("All"), "draft": __("Drafts"), "open": __("Unpaid"),
                "overdue": __("Overdue"), "paid": __("Paid"), "cancelled": __("Cancelled")}

# The delivery colleague adds Send / PDF buttons here: each gets the builder and the invoice.
CardButtons = Callable[[InlineKeyboardBuilder, Invoice], None]
CARD_EXTENSIONS: list[CardButtons] = []
# What else to say once an invoice is issued (the payments colleague offers the client's
# credit): each gets the message to answer, the actor, the invoice and the handler's data.
AfterIssue = Callable[[Message, User, Invoice, dict[str, Any]], Awaitable[None]]
AFTER_ISSUE: list[AfterIssue] = []


def lang() -> Any:
    code = get_i18n().current_locale
    return code if code in ("ru", "en", "ro") else "en"


def money(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency, lang())


def qty_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if lang() != "en" else text


def vat_label(rate: VatRate) -> str:
    return _("without VAT") if isinstance(rate, str) else _("VAT {rate}%").format(
        rate=vat_code(rate))


def line_text(line: Line, currency: str, tax_mode: str) -> str:
    text = f"{line.position}. {html.escape(line.name)} — {qty_text(line.quantity)} × " \
           f"{money(line.unit_price, currency)}"
    if line.discount_percent:
        text += " " + _("−{value}%").format(value=qty_text(line.discount_percent))
    elif line.discount_amount:
        text += " −" + money(line.discount_amount, currency)
    shown = line.total if tax_mode == "included" else line.net
    return f"{text} = {money(shown, currency)} · {vat_label(line.vat_rate)}"


def invoice_title(inv: Invoice) -> str:
    if inv.number_text:
        return _("Invoice {number}").format(number=html.escape(inv.number_text))
    return _("Invoice draft #{id}").format(id=inv.id)


def card_text(inv: Invoice) -> str:
    c = inv.currency
    out = [f"<b>{invoice_title(inv)}</b> · {html.escape(inv.buyer_name or '—')}",
           _("Status: {status}").format(status=STATUS_NAMES.get(inv.status, inv.status)),
           _("Currency: {currency} · {mode}").format(
               currency=c, mode=TAX_MODE_NAMES.get(inv.tax_mode, inv.tax_mode))]
    if inv.issue_date:
        out.append(_("Issued on {date}").format(date=inv.issue_date.strftime("%d.%m.%Y")))
    if inv.due_date:
        out.append(_("Due on {date}").format(date=inv.due_date.strftime("%d.%m.%Y")))
    out.append("")
    if not inv.lines:
        out.append(_("No lines yet: add a product or a line."))
        return "\n".join(out)
    used = 0
    for i, line in enumerate(inv.lines):
        text = line_text(line, c, inv.tax_mode)
        used += len(text)
        if used > TEXT_BUDGET:
            out.append(_("… and {count} more lines").format(count=len(inv.lines) - i))
            break
        out.append(text)
    out.append("")
    out.append(_("Subtotal: {amount}").format(amount=money(inv.subtotal, c)))
    if inv.discount_total:
        label = _("Discount: {amount}").format(amount=money(inv.discount_total, c))
        if inv.discount_percent:
            label += " " + _("(incl. {value}% on the total)").format(
                value=qty_text(inv.discount_percent))
        out.append(label)
    if inv.tax_mode != "included":
        out.append(_("Net: {amount}").format(amount=money(inv.net_total, c)))
    for group in inv.vat_breakdown:
        if isinstance(group.rate, str):
            out.append(_("Without VAT: {amount}").format(amount=money(group.net, c)))
        else:
            key = (_("incl. VAT {rate}%: {amount}") if inv.tax_mode == "included"
                   else _("VAT {rate}%: {amount}"))
            out.append(key.format(rate=vat_code(group.rate), amount=money(group.vat, c)))
    out.append("<b>" + _("Total: {amount}").format(amount=money(inv.grand_total, c)) + "</b>")
    if inv.paid:
        out.append(_("Paid: {amount}").format(amount=money(inv.paid, c)))
    return "\n".join(out)


def cb(action: Inv, inv_id: int, arg: int = 0, v: str = "") -> InvoiceCb:
    return InvoiceCb(action=action, id=inv_id, arg=arg, v=v)


def card_keyboard(inv: Invoice) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    rows: list[int] = []
    if inv.status == "draft":
        kb.button(text=_("Add product"), callback_data=cb(Inv.ADD_PRODUCT, inv.id))
        kb.button(text=_("Add line"), callback_data=cb(Inv.ADD_LINE, inv.id))
        kb.button(text=_("Shipping"), callback_data=cb(Inv.SHIPPING, inv.id))
        kb.button(text=_("Other charge"), callback_data=cb(Inv.CHARGE, inv.id))
        rows += [2, 2]
        if inv.lines:
            kb.button(text=_("Edit/remove line"), callback_data=cb(Inv.LINES, inv.id))
        kb.button(text=_("Discount"), callback_data=cb(Inv.DISCOUNT, inv.id))
        rows.append(2 if inv.lines else 1)
        kb.button(text=_("Tax mode"), callback_data=cb(Inv.TAX, inv.id))
        kb.button(text=_("Due date"), callback_data=cb(Inv.DUE, inv.id))
        kb.button(text=_("Currency"), callback_data=cb(Inv.CURRENCY, inv.id))
        rows.append(3)
        kb.button(text=_("Issue ✅"), callback_data=cb(Inv.ISSUE, inv.id))
        kb.button(text=_("Cancel draft"), callback_data=cb(Inv.CANCEL, inv.id))
        rows.append(2)
    else:
        actions = []
        if inv.status in ("issued", "sent", "viewed", "overdue"):
            actions.append((_("Cancel invoice"), Inv.CANCEL))
        if inv.status in ("issued", "sent", "viewed", "overdue", "cancelled"):
            actions.append((_("Reissue"), Inv.REISSUE))
        for text, action in actions:
            kb.button(text=text, callback_data=cb(action, inv.id))
        if actions:
            rows.append(len(actions))
    for extend in CARD_EXTENSIONS:
        before = len(list(kb.buttons))
        extend(kb, inv)
        if added := len(list(kb.buttons)) - before:
            rows.append(added)
    if rows:
        kb.adjust(*rows)
    return kb.as_markup()


def invoice_button(deal_id: int) -> InlineKeyboardButton:
    """The "Invoice" button for a deal card."""
    return InlineKeyboardButton(text=_("Invoice"),
                                callback_data=cb(Inv.DEAL, deal_id).pack())


def add_deal_card_button(kb: InlineKeyboardBuilder, card: Any) -> None:
    if getattr(card.deal, "status", "open") != "lost":
        kb.add(invoice_button(card.deal.id))


# The invoice and the quote editors share these keyboards: `make` builds the editor's callback
# from the action's code (Inv and Qt use the same codes), the document id, an argument and v.
MakeCb = Callable[[str, int, int, str], CallbackData]


class NamedLine(Protocol):
    @property
    def position(self) -> int: ...
    @property
    def name(self) -> str: ...


def invoice_cb(action: str, doc_id: int, arg: int, v: str) -> CallbackData:
    return cb(Inv(action), doc_id, arg, v)


def clients_keyboard(clients: Sequence[tuple[int, str]], make: MakeCb = invoice_cb
                     ) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for company_id, name in clients:
        kb.button(text=name[:60], callback_data=make(Inv.NEW, company_id, 0, ""))
    kb.adjust(1)
    return kb.as_markup()


def products_keyboard(doc_id: int, found: Sequence[Product], currency: str,
                      make: MakeCb = invoice_cb) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for p in found:
        price = p.price(currency)
        if price is not None:
            label = f"{p.name[:40]} · {money(price, currency)}"
        else:
            label = p.name[:40] + " · " + _("no price in {currency}").format(currency=currency)
        kb.button(text=label, callback_data=make(Inv.PICK, doc_id, p.id, ""))
    kb.adjust(1)
    return kb.as_markup()


def lines_keyboard(doc_id: int, lines: Sequence[NamedLine], make: MakeCb = invoice_cb
                   ) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for line in lines[:50]:
        kb.button(text=f"{line.position}. {line.name[:40]}",
                  callback_data=make(Inv.LINE, doc_id, line.position, ""))
    kb.adjust(1)
    return kb.as_markup()


def line_keyboard(doc_id: int, position: int, make: MakeCb = invoice_cb
                  ) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for text, action in ((_("Quantity"), Inv.LINE_QTY), (_("Price"), Inv.LINE_PRICE),
                         (_("Discount"), Inv.LINE_DISCOUNT), (_("VAT rate"), Inv.LINE_VAT),
                         (_("Remove line"), Inv.LINE_REMOVE)):
        kb.button(text=text, callback_data=make(action, doc_id, position, ""))
    kb.button(text=_("Back"), callback_data=make(Inv.OPEN, doc_id, 0, ""))
    kb.adjust(2, 2, 2)
    return kb.as_markup()


def vat_keyboard(doc_id: int, position: int, rates: Sequence[VatRate],
                 make: MakeCb = invoice_cb) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for rate in rates:
        kb.button(text=vat_label(rate), callback_data=make(Inv.SET_VAT, doc_id, position,
                                                          vat_code(rate)))
    kb.adjust(2)
    return kb.as_markup()


def tax_keyboard(inv: Invoice) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for i, code in enumerate(TAX_MODE_CODES):
        mark = "• " if code == inv.tax_mode else ""
        kb.button(text=mark + str(TAX_MODE_NAMES[code]), callback_data=cb(Inv.SET_TAX, inv.id, i))
    kb.adjust(1)
    return kb.as_markup()


def list_text(page: InvoicePage, flt: str) -> str:
    out = [_("Invoices ({filter}): {total}").format(filter=FILTER_NAMES[flt], total=page.total)]
    for currency, amount in page.sums.items():
        out.append(_("Total in {currency}: {amount}").format(currency=currency,
                                                             amount=money(amount, currency)))
    return "\n".join(out)


def list_keyboard(page: InvoicePage, flt: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for inv in page.items:
        label = inv.number_text or _("draft #{id}").format(id=inv.id)
        kb.button(text=f"{label} · {inv.buyer_name[:24]} · {money(inv.grand_total, inv.currency)}"
                  f" · {STATUS_NAMES.get(inv.status, inv.status)}",
                  callback_data=cb(Inv.OPEN, inv.id))
    nav = []
    if page.offset > 0:
        nav.append(("◀", max(0, page.offset - page.limit)))
    if page.offset + page.limit < page.total:
        nav.append(("▶", page.offset + page.limit))
    for text, offset in nav:
        kb.button(text=text, callback_data=cb(Inv.LIST, 0, offset, flt))
    for code, name in FILTER_NAMES.items():
        mark = "• " if code == flt else ""
        kb.button(text=mark + str(name), callback_data=cb(Inv.LIST, 0, 0, code))
    kb.adjust(*([1] * len(page.items)), *([len(nav)] if nav else []), 3, 3)
    return kb.as_markup()


ASK = {
    "qty": __("Quantity? For example 2 or 1,5."),
    "price": __("Price per unit in {currency}? For example 1 200,50."),
    "discount": __("Discount: a percent (10%) or an amount in {currency} (500). 0 removes it."),
}


def create_router() -> Router:
    router = Router(name="invoices")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    extensions = getattr(deal_handlers, "CARD_EXTENSIONS", None)
    if extensions is not None and add_deal_card_button not in extensions:
        extensions.append(add_deal_card_button)  # the deal card's "Invoice" button

    async def show(message: Message, inv: Invoice, prefix: str = "") -> None:
        text = card_text(inv)
        await message.answer(f"{prefix}\n\n{text}" if prefix else text,
                             reply_markup=card_keyboard(inv))

    @router.message(Command("invoice"))
    async def cmd_invoice(message: Message, actor: User, invoices: InvoiceService,
                          state: FSMContext) -> None:
        await state.clear()
        clients = await invoices.pick_clients(actor)
        if not clients:
            await message.answer(_("You have no clients yet. Add one with /newclient."))
            return
        await message.answer(_("New invoice. Choose the client:"),
                             reply_markup=clients_keyboard(clients))

    @router.message(Command("invoices"))
    async def cmd_invoices(message: Message, actor: User, invoices: InvoiceService,
                           state: FSMContext) -> None:
        await state.clear()
        page = await invoices.list(actor, None, 0, PAGE)
        if not page.total:
            await message.answer(_("No invoices yet. Create one with /invoice."))
            return
        await message.answer(list_text(page, "all"), reply_markup=list_keyboard(page, "all"))

    async def ask(query: CallbackQuery, state: FSMContext, new_state: State, text: str,
                  **data: Any) -> None:
        await state.set_state(new_state)
        await state.set_data(data)
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(text)

    @router.callback_query(InvoiceCb.filter())
    async def on_invoice(query: CallbackQuery, callback_data: InvoiceCb, actor: User,
                         invoices: InvoiceService, state: FSMContext, **data: Any) -> None:
        msg = message_of(query)
        a, inv_id, arg = callback_data.action, callback_data.id, callback_data.arg
        if msg is None:
            await query.answer(_("This button is no longer active."), show_alert=True)
            return
        try:
            if a == Inv.LIST:
                flt = callback_data.v if callback_data.v in FILTERS else "all"
                page = await invoices.list(actor, FILTERS[flt], arg, PAGE)
                await query.answer()
                await msg.edit_text(list_text(page, flt), reply_markup=list_keyboard(page, flt))
                return
            if a in (Inv.NEW, Inv.DEAL):
                inv = await (invoices.create_draft(actor, inv_id) if a == Inv.NEW
                             else invoices.create_for_deal(actor, inv_id))
                await state.clear()
                await query.answer()
                await show(msg, inv)
                return
            inv = await invoices.get(actor, inv_id)
            c = inv.currency
            if a == Inv.OPEN:
                await query.answer()
                await show(msg, inv)
            elif a == Inv.ADD_PRODUCT:
                await ask(query, state, InvoiceInput.product_query,
                          _("Type the product name or SKU:"), inv=inv.id)
            elif a == Inv.ADD_LINE:
                await ask(query, state, InvoiceInput.line_name, _("Line name?"), inv=inv.id,
                          kind="item")
            elif a == Inv.SHIPPING:
                await ask(query, state, InvoiceInput.line_price,
                          _("Shipping price in {currency}?").format(currency=c), inv=inv.id,
                          kind="shipping", name=_("Shipping"), qty="1")
            elif a == Inv.CHARGE:
                await ask(query, state, InvoiceInput.line_name, _("What is the charge for?"),
                          inv=inv.id, kind="charge")
            elif a == Inv.LINES:
                await query.answer()
                await msg.answer(_("Which line?"), reply_markup=lines_keyboard(inv.id, inv.lines))
            elif a == Inv.LINE:
                await query.answer()
                line = next((x for x in inv.lines if x.position == arg), None)
                if line is None:
                    await msg.answer(_("This line is gone: the draft changed."))
                    return
                await msg.answer(line_text(line, c, inv.tax_mode),
                                 reply_markup=line_keyboard(inv.id, arg))
            elif a in (Inv.LINE_QTY, Inv.LINE_PRICE, Inv.LINE_DISCOUNT):
                field = {Inv.LINE_QTY: "qty", Inv.LINE_PRICE: "price",
                         Inv.LINE_DISCOUNT: "discount"}[a]
                await ask(query, state, InvoiceInput.line_value,
                          str(ASK[field]).format(currency=c), inv=inv.id, pos=arg, field=field)
            elif a == Inv.LINE_VAT:
                rates = await invoices.line_vat_rates(actor, inv.id)
                await query.answer()
                await msg.answer(_("VAT rate of line {n}:").format(n=arg),
                                 reply_markup=vat_keyboard(inv.id, arg, rates))
            elif a == Inv.SET_VAT:
                inv = await invoices.update_line(actor, inv.id, arg,
                                                 vat_rate=vat_from_code(callback_data.v))
                await query.answer()
                await show(msg, inv)
            elif a == Inv.LINE_REMOVE:
                inv = await invoices.remove_line(actor, inv.id, arg)
                await query.answer()
                await show(msg, inv)
            elif a == Inv.DISCOUNT:
                await ask(query, state, InvoiceInput.discount,
                          _("Discount on the total: a percent (10%) or an amount in "
                            "{currency} (500). 0 removes it.").format(currency=c), inv=inv.id)
            elif a == Inv.TAX:
                await query.answer()
                await msg.answer(_("How is VAT counted?"), reply_markup=tax_keyboard(inv))
            elif a == Inv.SET_TAX:
                mode = TAX_MODE_CODES[arg] if 0 <= arg < len(TAX_MODE_CODES) else ""
                inv = await invoices.set_tax_mode(actor, inv.id, mode)
                await query.answer()
                await show(msg, inv)
            elif a == Inv.DUE:
                await ask(query, state, InvoiceInput.due_date,
                          _("Due date? A date (25.12.2026) or a number of days (10)."),
                          inv=inv.id)
            elif a == Inv.CURRENCY:
                await ask(query, state, InvoiceInput.currency,
                          _("Currency code? RUB, BYN, MDL, RON, EUR or USD."), inv=inv.id)
            elif a == Inv.ISSUE:
                inv = await invoices.issue(actor, inv.id)
                await query.answer()
                await show(msg, inv, _("Issued: invoice {number}.").format(
                    number=html.escape(inv.number_text or "")))
                for after in AFTER_ISSUE:
                    await after(msg, actor, inv, data)
            elif a == Inv.CANCEL:
                inv = await invoices.cancel(actor, inv.id)
                await query.answer()
                if inv.number_text:
                    await show(msg, inv, _("Invoice {number} is cancelled; its number is "
                                           "kept.").format(number=html.escape(inv.number_text)))
                else:
                    await msg.answer(_("Draft cancelled."))
            elif a == Inv.REISSUE:
                inv = await invoices.reissue(actor, inv.id)
                await query.answer()
                await show(msg, inv, _("A new draft with the same lines. Correct it and issue "
                                       "it."))
            elif a == Inv.PICK:
                await ask(query, state, InvoiceInput.product_qty, str(ASK["qty"]),
                          inv=inv.id, product=arg)
            else:
                await query.answer(_("This button is no longer active."), show_alert=True)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)

    # --- typed answers ------------------------------------------------------------------

    async def reply_error(message: Message, err: DomainError) -> None:
        await message.answer(error_text(err) + "\n" + _("Try again, or send /cancel."))

    @router.message(StateFilter(InvoiceInput.product_query), HasText())
    async def got_product_query(message: Message, actor: User, state: FSMContext,
                                catalog: CatalogService, invoices: InvoiceService) -> None:
        data = await state.get_data()
        try:
            inv = await invoices.get(actor, int(data["inv"]))
            found = await catalog.search(actor, message.text or "")
        except DomainError as err:
            await reply_error(message, err)
            return
        if not found:
            await message.answer(_("Nothing found. Type another name or SKU, or /cancel."))
            return
        await message.answer(_("Choose the product:"),
                             reply_markup=products_keyboard(inv.id, found, inv.currency))

    @router.message(StateFilter(InvoiceInput.product_qty), HasText())
    async def got_product_qty(message: Message, actor: User, state: FSMContext,
                              invoices: InvoiceService) -> None:
        data = await state.get_data()
        try:
            qty = clean_quantity(message.text or "")
            inv = await invoices.add_product(actor, int(data["inv"]), int(data["product"]), qty)
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await show(message, inv)

    @router.message(StateFilter(InvoiceInput.line_name), HasText())
    async def got_line_name(message: Message, state: FSMContext,
                            invoices: InvoiceService) -> None:
        try:
            name = clean_line_name(message.text or "")
        except DomainError as err:
            await reply_error(message, err)
            return
        data = await state.get_data()
        if data.get("kind") == "charge":
            await state.update_data(name=name, qty="1")
            await state.set_state(InvoiceInput.line_price)
            await message.answer(_("Amount?"))
            return
        await state.update_data(name=name)
        await state.set_state(InvoiceInput.line_qty)
        await message.answer(str(ASK["qty"]))

    @router.message(StateFilter(InvoiceInput.line_qty), HasText())
    async def got_line_qty(message: Message, state: FSMContext) -> None:
        try:
            qty = clean_quantity(message.text or "")
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.update_data(qty=str(qty))
        await state.set_state(InvoiceInput.line_price)
        await message.answer(_("Price per unit? For example 1 200,50."))

    @router.message(StateFilter(InvoiceInput.line_price), HasText())
    async def got_line_price(message: Message, actor: User, state: FSMContext,
                             invoices: InvoiceService) -> None:
        data = await state.get_data()
        try:
            price = clean_price(message.text or "")
            inv = await invoices.add_free_line(actor, int(data["inv"]), str(data["name"]),
                                               Decimal(str(data["qty"])), price,
                                               str(data.get("kind") or "item"))
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await show(message, inv)

    @router.message(StateFilter(InvoiceInput.line_value), HasText())
    async def got_line_value(message: Message, actor: User, state: FSMContext,
                             invoices: InvoiceService) -> None:
        data = await state.get_data()
        inv_id, pos, field = int(data["inv"]), int(data["pos"]), str(data["field"])
        text = message.text or ""
        try:
            if field == "qty":
                inv = await invoices.update_line(actor, inv_id, pos,
                                                 quantity=clean_quantity(text))
            elif field == "price":
                inv = await invoices.update_line(actor, inv_id, pos,
                                                 unit_price=clean_price(text))
            else:
                current = await invoices.get(actor, inv_id)
                inv = await invoices.update_line(actor, inv_id, pos,
                                                 discount=parse_discount(text, current.currency))
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await show(message, inv)

    @router.message(StateFilter(InvoiceInput.discount), HasText())
    async def got_discount(message: Message, actor: User, state: FSMContext,
                           invoices: InvoiceService) -> None:
        data = await state.get_data()
        try:
            current = await invoices.get(actor, int(data["inv"]))
            percent, amount = parse_discount(message.text or "", current.currency)
            inv = await invoices.set_discount(actor, current.id, percent, amount)
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await show(message, inv)

    @router.message(StateFilter(InvoiceInput.due_date), HasText())
    async def got_due_date(message: Message, actor: User, state: FSMContext,
                           invoices: InvoiceService) -> None:
        data = await state.get_data()
        try:
            due = parse_due_date(message.text or "", invoices.today())
            inv = await invoices.set_due_date(actor, int(data["inv"]), due)
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await show(message, inv)

    @router.message(StateFilter(InvoiceInput.currency), HasText())
    async def got_currency(message: Message, actor: User, state: FSMContext,
                           invoices: InvoiceService) -> None:
        data = await state.get_data()
        try:
            inv = await invoices.set_currency(actor, int(data["inv"]),
                                              clean_currency(message.text or ""))
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await show(message, inv)

    return router
