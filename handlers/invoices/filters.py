"""The /invoices list with its filters: status, client (picked or searched by name), period
(this month, last month, typed) and overdue, combinable; the filter travels in every button
(`InvoiceFilter.pack`) so paging keeps it, and the header says what is shown."""

from __future__ import annotations

import html
from collections.abc import Sequence
from enum import StrEnum
from typing import Final

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.invoices.callbacks import Inv, cb
from handlers.invoices.texts import STATUS_NAMES
from handlers.line_editor.texts import money
from handlers.texts import error_text
from services.errors import DomainError
from services.invoices import InvoiceService
from services.invoices.filters import FilteredPage, InvoiceFilter, parse_period
from services.search import HitKind, SearchService
from services.users import User

PAGE: Final = 8
CLIENTS_SHOWN: Final = 20
STATUS_FILTER_NAMES = {
    "all": __("All"), "draft": __("Drafts"), "issued": __("Issued"), "open": __("Unpaid"),
    "partial": __("Partially paid"), "paid": __("Paid"), "overdue": __("Overdue"),
    "cancelled": __("Cancelled"),
}


class FilterAction(StrEnum):
    CLIENTS = "c"
    PERIODS = "p"
    CUSTOM = "t"


class InvoiceFilterCb(CallbackData, prefix="if"):
    """The pickers of the list's client and period; `v` is the packed filter."""

    action: FilterAction
    v: str = ""


class InvoiceFilterInput(StatesGroup):
    client = State()
    period = State()


def list_cb(flt: InvoiceFilter, offset: int = 0) -> CallbackData:
    return cb(Inv.LIST, 0, offset, flt.pack())


def filter_text(view: FilteredPage) -> str:
    parts = [str(STATUS_FILTER_NAMES[view.filter.status])]
    if view.client_name is not None:
        parts.append(_("client {name}").format(name=html.escape(view.client_name)))
    if view.start is not None and view.end is not None:
        parts.append(f"{view.start:%d.%m.%Y}–{view.end:%d.%m.%Y}")
    return " · ".join(parts)


def list_text(view: FilteredPage) -> str:
    out = [_("Invoices ({filter}): {total}").format(filter=filter_text(view),
                                                    total=view.page.total)]
    for currency, amount in view.page.sums.items():
        out.append(_("Total in {currency}: {amount}").format(currency=currency,
                                                             amount=money(amount, currency)))
    return "\n".join(out)


def list_keyboard(view: FilteredPage) -> InlineKeyboardMarkup:
    """A page of invoices, ◀ ▶, the status filters, the client and period pickers and, when
    anything is filtered, "Reset filters"."""
    page, flt = view.page, view.filter
    kb = InlineKeyboardBuilder()
    for doc in page.items:
        label = doc.number_text or _("draft #{id}").format(id=doc.id)
        kb.button(text=f"{label} · {doc.buyer_name[:24]} · {money(doc.grand_total, doc.currency)}"
                  f" · {STATUS_NAMES.get(doc.status, doc.status)}",
                  callback_data=cb(Inv.OPEN, doc.id))
    nav = []
    if page.offset > 0:
        nav.append(("◀", max(0, page.offset - page.limit)))
    if page.offset + page.limit < page.total:
        nav.append(("▶", page.offset + page.limit))
    for text, offset in nav:
        kb.button(text=text, callback_data=list_cb(flt, offset))
    for code, name in STATUS_FILTER_NAMES.items():
        mark = "• " if code == flt.status else ""
        kb.button(text=mark + str(name), callback_data=list_cb(flt.but(status=code)))
    client = _("👤 Client: {name}").format(name=view.client_name) if view.client_name else _(
        "👤 Client")
    period = (f"📅 {view.start:%d.%m}–{view.end:%d.%m.%Y}" if view.start and view.end
              else _("📅 Period"))
    kb.button(text=client[:60], callback_data=InvoiceFilterCb(action=FilterAction.CLIENTS,
                                                             v=flt.pack()))
    kb.button(text=period, callback_data=InvoiceFilterCb(action=FilterAction.PERIODS,
                                                        v=flt.pack()))
    rows = [*([1] * len(page.items)), *([len(nav)] if nav else []), 4, 4, 2]
    if flt.any:
        kb.button(text=_("✖ Reset filters"), callback_data=list_cb(InvoiceFilter()))
        rows.append(1)
    kb.adjust(*rows)
    return kb.as_markup()


def clients_keyboard(flt: InvoiceFilter, clients: Sequence[tuple[int, str]]
                     ) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for company_id, name in clients:
        kb.button(text=name[:60], callback_data=list_cb(flt.but(company_id=company_id)))
    kb.button(text=_("All clients"), callback_data=list_cb(flt.but(company_id=0)))
    kb.adjust(1)
    return kb.as_markup()


def periods_keyboard(flt: InvoiceFilter) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("This month"), callback_data=list_cb(flt.but(period="this")))
    kb.button(text=_("Last month"), callback_data=list_cb(flt.but(period="last")))
    kb.button(text=_("Another period…"), callback_data=InvoiceFilterCb(
        action=FilterAction.CUSTOM, v=flt.pack()))
    kb.button(text=_("Any date"), callback_data=list_cb(flt.but(period="")))
    kb.adjust(2, 2)
    return kb.as_markup()


async def show_list(invoices: InvoiceService, actor: User, flt: InvoiceFilter, offset: int
                    ) -> tuple[str, InlineKeyboardMarkup]:
    view = await invoices.filtered(actor, flt, offset, PAGE)
    return list_text(view), list_keyboard(view)


async def on_list(query: CallbackQuery, callback_data: CallbackData, actor: User, msg: Message,
                  invoices: InvoiceService) -> None:
    flt = InvoiceFilter.unpack(getattr(callback_data, "v", ""))
    text, markup = await show_list(invoices, actor, flt, getattr(callback_data, "arg", 0))
    await query.answer()
    await msg.edit_text(text, reply_markup=markup)


async def on_clients(query: CallbackQuery, callback_data: InvoiceFilterCb, actor: User,
                     msg: Message, invoices: InvoiceService, state: FSMContext) -> None:
    flt = InvoiceFilter.unpack(callback_data.v)
    clients = await invoices.pick_clients(actor, CLIENTS_SHOWN, archived_too=True)
    await state.set_state(InvoiceFilterInput.client)
    await state.update_data(invoice_filter=flt.pack())
    await query.answer()
    await msg.edit_text(_("Invoices of which client? Choose one or send part of the name."),
                        reply_markup=clients_keyboard(flt, clients))


async def got_client(message: Message, actor: User, search: SearchService,
                     state: FSMContext) -> None:
    flt = InvoiceFilter.unpack(str((await state.get_data()).get("invoice_filter", "")))
    try:
        # An archived client keeps its invoices: it is found here too.
        result = await search.search(actor, message.text or "", archived=True)
    except DomainError as err:
        await message.answer(error_text(err))
        return
    clients = [(h.id, h.name) for h in result.hits if h.kind == HitKind.COMPANY]
    if not clients:
        await message.answer(_("No client of yours is called «{query}». Send another part "
                               "of the name or /cancel.").format(
            query=html.escape(message.text or "")))
        return
    await state.clear()
    await message.answer(_("Invoices of which client?"),
                         reply_markup=clients_keyboard(flt, clients))


async def on_periods(query: CallbackQuery, callback_data: InvoiceFilterCb, msg: Message
                     ) -> None:
    flt = InvoiceFilter.unpack(callback_data.v)
    await query.answer()
    await msg.edit_text(_("Invoices of which period?"), reply_markup=periods_keyboard(flt))


async def on_custom(query: CallbackQuery, callback_data: InvoiceFilterCb, msg: Message,
                    state: FSMContext) -> None:
    await state.set_state(InvoiceFilterInput.period)
    await state.update_data(invoice_filter=callback_data.v)
    await query.answer()
    await msg.answer(_("Send the period as two dates, e.g. 01.11.2026–30.11.2026. /cancel to "
                       "stop."))


async def got_period(message: Message, actor: User, invoices: InvoiceService,
                     state: FSMContext) -> None:
    flt = InvoiceFilter.unpack(str((await state.get_data()).get("invoice_filter", "")))
    try:
        flt = flt.but(period=parse_period(message.text or ""))
        text, markup = await show_list(invoices, actor, flt, 0)
    except DomainError as err:
        await message.answer(error_text(err))
        return
    await state.clear()
    await message.answer(text, reply_markup=markup)
