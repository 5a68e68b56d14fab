"""The catalog's list and a product's card: /products without a query lists the catalog
(active products, or the archived ones with the filter) and the price lists; a product's card
shows its prices per price list, and admins and heads edit its price (per price list and
currency; a new price list is made by giving a price in it), VAT rate, unit and name, and
archive or restore it. The service decides who may (a forged button gets "no access")."""

from __future__ import annotations

import html
from enum import StrEnum
from typing import Final

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import AlertOnDomainError
from handlers.filters import HasText, IsStaff
from handlers.line_editor.texts import money, price_list_name
from handlers.texts import error_text, unit_text
from services.catalog import CatalogService, Product, ProductPage
from services.errors import DomainError
from services.users import User

PAGE: Final = 10
CB_MAX: Final = 64  # Telegram's limit of callback data, in bytes


class Pr(StrEnum):
    OPEN = "o"
    PAGE = "p"
    PRICE = "pc"
    SET_PRICE = "sp"
    NEW_LIST = "nl"
    FIELD = "f"
    ARCHIVE = "ar"
    RESTORE = "rs"


class ProductCb(CallbackData, prefix="pr"):
    """`id` the product (the offset for PAGE), `arg` 1 for the archived list, `v` a field, or
    a currency and a price list ("RUB" + code)."""

    action: Pr
    id: int = 0
    arg: int = 0
    v: str = ""


class ProductEdit(StatesGroup):
    value = State()
    list_name = State()
    price = State()


FIELD_BUTTONS = {"name": __("Product name"), "vat": __("VAT rate"), "unit": __("Unit")}
FIELD_QUESTIONS = {
    "name": __("New name of the product?"),
    "vat": __("New VAT rate? 22, 10, 0 or none."),
    "unit": __("New unit? For example pcs, kg, hour."),
}


def fits(cb: ProductCb) -> bool:
    return len(cb.pack().encode()) <= CB_MAX


def vat_text(p: Product) -> str:
    return _("without VAT") if p.vat_code == "none" else _("VAT {rate}%").format(
        rate=p.vat_code)


def card_text(p: Product) -> str:
    sku = f" [{html.escape(p.sku)}]" if p.sku else ""
    out = [f"<b>{html.escape(p.name)}</b>{sku}",
           _("Unit: {unit} · {vat}").format(unit=html.escape(unit_text(p.unit)),
                                            vat=vat_text(p))]
    if not p.is_active:
        out.append(_("Archived: not offered in new documents."))
    out.append(_("Prices:"))
    for price in p.prices:
        out.append(f"• {html.escape(price_list_name(price.price_list))}: "
                   f"{money(price.amount, price.currency)}")
    return "\n".join(out)


def card_keyboard(p: Product, may_edit: bool) -> InlineKeyboardMarkup | None:
    if not may_edit:
        return None
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Price"), callback_data=ProductCb(action=Pr.PRICE, id=p.id))
    kb.button(text=_("Price in another price list"),
              callback_data=ProductCb(action=Pr.NEW_LIST, id=p.id))
    for field, label in FIELD_BUTTONS.items():
        kb.button(text=str(label), callback_data=ProductCb(action=Pr.FIELD, id=p.id, v=field))
    if p.is_active:
        kb.button(text=_("Archive"), callback_data=ProductCb(action=Pr.ARCHIVE, id=p.id))
    else:
        kb.button(text=_("Restore"), callback_data=ProductCb(action=Pr.RESTORE, id=p.id))
    kb.adjust(1, 1, 3, 1)
    return kb.as_markup()


def page_text(page: ProductPage, lists: list[str]) -> str:
    head = (_("Archived products: {total}") if page.archived
            else _("Catalog: {total} products")).format(total=page.total)
    names = ", ".join(html.escape(price_list_name(x)) for x in lists)
    return "\n".join([head, _("Price lists: {names}").format(names=names),
                      _("Type /products and the start of a name to search.")])


def page_keyboard(page: ProductPage) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    archived = int(page.archived)
    for p in page.items:
        kb.button(text=p.name[:60], callback_data=ProductCb(action=Pr.OPEN, id=p.id))
    nav = []
    if page.offset > 0:
        nav.append(("◀", max(0, page.offset - page.limit)))
    if page.offset + page.limit < page.total:
        nav.append(("▶", page.offset + page.limit))
    for text, offset in nav:
        kb.button(text=text, callback_data=ProductCb(action=Pr.PAGE, id=offset, arg=archived))
    kb.button(text=_("Show active") if page.archived else _("Show archived"),
              callback_data=ProductCb(action=Pr.PAGE, arg=1 - archived))
    kb.adjust(*([1] * len(page.items)), *([len(nav)] if nav else []), 1)
    return kb.as_markup()


def found_keyboard(found: list[Product]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for p in found:
        kb.button(text=p.name[:60], callback_data=ProductCb(action=Pr.OPEN, id=p.id))
    kb.adjust(1)
    return kb.as_markup()


async def show_card(message: Message, actor: User, catalog: CatalogService, product: Product,
                    prefix: str = "") -> None:
    text = card_text(product)
    await message.answer(f"{prefix}\n\n{text}" if prefix else text,
                         reply_markup=card_keyboard(product, catalog.may_edit(actor)))


async def show_catalog(message: Message, actor: User, catalog: CatalogService) -> None:
    page = await catalog.page(actor, False, 0, PAGE)
    lists = list(await catalog.price_lists(actor))
    await message.answer(page_text(page, lists), reply_markup=page_keyboard(page))


async def on_open(query: CallbackQuery, callback_data: ProductCb, actor: User, msg: Message,
                  catalog: CatalogService) -> None:
    product = await catalog.card(actor, callback_data.id)
    await query.answer()
    await show_card(msg, actor, catalog, product)


async def on_page(query: CallbackQuery, callback_data: ProductCb, actor: User, msg: Message,
                  catalog: CatalogService) -> None:
    page = await catalog.page(actor, bool(callback_data.arg), callback_data.id, PAGE)
    lists = list(await catalog.price_lists(actor))
    await query.answer()
    await msg.answer(page_text(page, lists), reply_markup=page_keyboard(page))


async def on_price(query: CallbackQuery, callback_data: ProductCb, actor: User, msg: Message,
                   catalog: CatalogService) -> None:
    """Which price to change: one button per price list and currency the product has."""
    product = await catalog.card(actor, callback_data.id)
    if not catalog.may_edit(actor):
        await query.answer(_("You do not have access to this."), show_alert=True)
        return
    kb = InlineKeyboardBuilder()
    for price in product.prices:
        cb = ProductCb(action=Pr.SET_PRICE, id=product.id, v=price.currency + price.price_list)
        if fits(cb):
            kb.button(text=f"{price_list_name(price.price_list)}: "
                           f"{money(price.amount, price.currency)}", callback_data=cb)
    kb.adjust(1)
    await query.answer()
    await msg.answer(_("Which price?"), reply_markup=kb.as_markup())


async def ask_price(message: Message, state: FSMContext, product_id: int, price_list: str,
                    currency: str) -> None:
    await state.set_state(ProductEdit.price)
    await state.set_data({"product": product_id, "list": price_list, "currency": currency})
    await message.answer(_("Price in the price list «{name}», in {currency}? For example "
                           "1 200,50.").format(name=html.escape(price_list_name(price_list)),
                                               currency=currency))


async def on_set_price(query: CallbackQuery, callback_data: ProductCb, actor: User,
                       msg: Message, state: FSMContext, catalog: CatalogService) -> None:
    product = await catalog.card(actor, callback_data.id)
    if not catalog.may_edit(actor):
        await query.answer(_("You do not have access to this."), show_alert=True)
        return
    currency, code = callback_data.v[:3], callback_data.v[3:]
    await query.answer()
    await ask_price(msg, state, product.id, code or "base", currency)


async def on_new_list(query: CallbackQuery, callback_data: ProductCb, actor: User,
                      msg: Message, state: FSMContext, catalog: CatalogService) -> None:
    """A price in a list the product has no price in yet: an existing list's button, or the
    name of a new list typed."""
    product = await catalog.card(actor, callback_data.id)
    if not catalog.may_edit(actor):
        await query.answer(_("You do not have access to this."), show_alert=True)
        return
    currency = product.prices[0].currency if product.prices else "RUB"
    kb = InlineKeyboardBuilder()
    for code in await catalog.price_lists(actor):
        cb = ProductCb(action=Pr.SET_PRICE, id=product.id, v=currency + code)
        if code not in product.price_lists and fits(cb):
            kb.button(text=price_list_name(code), callback_data=cb)
    kb.adjust(2)
    await state.set_state(ProductEdit.list_name)
    await state.set_data({"product": product.id, "currency": currency})
    await query.answer()
    await msg.answer(_("Which price list? Choose one, or type the name of a new one (e.g. "
                       "Wholesale)."), reply_markup=kb.as_markup())


async def on_field(query: CallbackQuery, callback_data: ProductCb, actor: User, msg: Message,
                   state: FSMContext, catalog: CatalogService) -> None:
    product = await catalog.card(actor, callback_data.id)
    field = callback_data.v
    if not catalog.may_edit(actor) or field not in FIELD_QUESTIONS:
        await query.answer(_("You do not have access to this."), show_alert=True)
        return
    await state.set_state(ProductEdit.value)
    await state.set_data({"product": product.id, "field": field})
    await query.answer()
    await msg.answer(str(FIELD_QUESTIONS[field]))


async def on_archive(query: CallbackQuery, callback_data: ProductCb, actor: User,
                     msg: Message, catalog: CatalogService) -> None:
    product = await catalog.archive(actor, callback_data.id)
    await query.answer()
    await show_card(msg, actor, catalog, product, _("Archived. Documents that have it keep "
                                                   "their lines."))


async def on_restore(query: CallbackQuery, callback_data: ProductCb, actor: User,
                     msg: Message, catalog: CatalogService) -> None:
    product = await catalog.restore(actor, callback_data.id)
    await query.answer()
    await show_card(msg, actor, catalog, product, _("Restored."))


async def reply_error(message: Message, err: DomainError) -> None:
    await message.answer(error_text(err) + "\n" + _("Try again, or send /cancel."))


async def got_value(message: Message, actor: User, state: FSMContext,
                    catalog: CatalogService) -> None:
    data = await state.get_data()
    try:
        product = await catalog.edit(actor, int(data["product"]), str(data["field"]),
                                     message.text or "")
    except DomainError as err:
        await reply_error(message, err)
        return
    await state.clear()
    await show_card(message, actor, catalog, product, _("Saved."))


async def got_list_name(message: Message, state: FSMContext, catalog: CatalogService) -> None:
    data = await state.get_data()
    try:
        code = catalog.clean_price_list(message.text or "")
    except DomainError as err:
        await reply_error(message, err)
        return
    await ask_price(message, state, int(data["product"]), code, str(data["currency"]))


async def got_price(message: Message, actor: User, state: FSMContext,
                    catalog: CatalogService) -> None:
    data = await state.get_data()
    try:
        product = await catalog.set_price(actor, int(data["product"]), str(data["list"]),
                                          str(data["currency"]), message.text or "")
    except DomainError as err:
        await reply_error(message, err)
        return
    await state.clear()
    await show_card(message, actor, catalog, product, _("Saved."))


async def on_stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


def create_router() -> Router:
    router = Router(name="products")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError(needs_message=True))
    router.callback_query.register(on_open, ProductCb.filter(F.action == Pr.OPEN))
    router.callback_query.register(on_page, ProductCb.filter(F.action == Pr.PAGE))
    router.callback_query.register(on_price, ProductCb.filter(F.action == Pr.PRICE))
    router.callback_query.register(on_set_price, ProductCb.filter(F.action == Pr.SET_PRICE))
    router.callback_query.register(on_new_list, ProductCb.filter(F.action == Pr.NEW_LIST))
    router.callback_query.register(on_field, ProductCb.filter(F.action == Pr.FIELD))
    router.callback_query.register(on_archive, ProductCb.filter(F.action == Pr.ARCHIVE))
    router.callback_query.register(on_restore, ProductCb.filter(F.action == Pr.RESTORE))
    router.callback_query.register(on_stale, ProductCb.filter())
    router.message.register(got_value, StateFilter(ProductEdit.value), HasText())
    router.message.register(got_list_name, StateFilter(ProductEdit.list_name), HasText())
    router.message.register(got_price, StateFilter(ProductEdit.price), HasText())
    return router
