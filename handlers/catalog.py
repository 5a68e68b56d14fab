"""The catalog in chat: /products search, /newproduct (admins and heads), and the CSV import
by an admin (a .csv document, with the caption /import_products or after that command)."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any, Final

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from handlers import products
from handlers.filters import HasRole, HasText, IsStaff
from handlers.texts import error_text, unit_text
from services.catalog import (
    IMPORT_MAX_BYTES,
    CatalogService,
    ImportReport,
    Price,
    Product,
    ProductDraft,
)
from services.errors import DomainError
from services.money import format_money
from services.users import Role, User

REJECT_LINES: Final = 30
REASONS = {
    "missing_name": __("missing name"),
    "bad_price": __("bad price"),
    "unknown_currency": __("unknown currency"),
    "unknown_vat": __("unknown VAT rate"),
    "duplicate": __("the same product and currency again"),
    "too_long": __("a value is too long"),
    "bad_sku": __("bad SKU"),
    "bad_kind": __("unknown kind"),
}


class NewProduct(StatesGroup):
    name = State()
    sku = State()
    vat = State()
    currency = State()
    price = State()


class ImportProducts(StatesGroup):
    waiting = State()


def product_line(p: Product) -> str:
    code = get_i18n().current_locale
    lang: Any = code if code in ("ru", "en", "ro") else "en"
    prices = ", ".join(format_money(x.amount, x.currency, lang) for x in p.prices
                       if x.price_list == "base") or "—"
    vat = _("without VAT") if p.vat_code == "none" else _("VAT {rate}%").format(rate=p.vat_code)
    sku = f" [{html.escape(p.sku)}]" if p.sku else ""
    return f"• {html.escape(p.name)}{sku} — {prices} / {html.escape(unit_text(p.unit))} · {vat}"


def report_text(report: ImportReport) -> str:
    out = [_("Import done: {created} created, {updated} updated, {rejected} rejected.").format(
        created=report.created, updated=report.updated, rejected=len(report.rejected))]
    for row in report.rejected[:REJECT_LINES]:
        out.append(_("Line {line}: {reason}").format(
            line=row.line, reason=REASONS.get(row.reason, row.reason)))
    if len(report.rejected) > REJECT_LINES:
        out.append(_("… and {count} more").format(count=len(report.rejected) - REJECT_LINES))
    return "\n".join(out)


QUESTIONS = {
    "name": __("Product or service name?"),
    "sku": __("SKU? (send - for none)"),
    "vat": __("VAT rate? 22, 10, 0 or none."),
    "currency": __("Currency of the price? RUB, BYN, MDL, RON, EUR or USD."),
    "price": __("Price? For example 1 200,50."),
}
ORDER: Final = ("name", "sku", "vat", "currency", "price")


def create_router() -> Router:
    router = Router(name="catalog")
    router.message.filter(IsStaff())
    router.include_router(products.create_router())

    @router.message(Command("products"))
    async def cmd_products(message: Message, command: CommandObject, actor: User,
                           catalog: CatalogService) -> None:
        query = (command.args or "").strip()
        if not query:  # the catalog list, its price lists and the archive filter
            await products.show_catalog(message, actor, catalog)
            return
        found = await catalog.search(actor, query, limit=20)
        if not found:
            await message.answer(_("Nothing found."))
            return
        await message.answer("\n".join(product_line(p) for p in found),
                             reply_markup=products.found_keyboard(list(found)))

    @router.message(Command("newproduct"), HasRole(Role.ADMIN, Role.HEAD))
    async def cmd_newproduct(message: Message, state: FSMContext) -> None:
        await state.set_state(NewProduct.name)
        await state.set_data({})
        await message.answer(str(QUESTIONS["name"]))

    async def got(message: Message, state: FSMContext, catalog: CatalogService, actor: User,
                  field: str) -> None:
        data = await state.get_data()
        try:
            value = catalog.clean_field(field, message.text or "", data.get("currency"))
        except DomainError as err:
            await message.answer(error_text(err))
            return
        data[field] = value
        await state.update_data({field: value})
        if field != "price":
            nxt = ORDER[ORDER.index(field) + 1]
            await state.set_state(getattr(NewProduct, nxt))
            await message.answer(str(QUESTIONS[nxt]))
            return
        try:
            product = await catalog.create(actor, ProductDraft(
                name=data["name"], vat_code=data["vat"], sku=data.get("sku") or None,
                prices=(Price("base", data["currency"], Decimal(data["price"])),)))
        except DomainError as err:
            await message.answer(error_text(err))
            return
        await state.clear()
        await message.answer(_("Saved.") + "\n" + product_line(product))

    for field in ORDER:
        def make(f: str) -> Any:
            async def handler(message: Message, state: FSMContext, catalog: CatalogService,
                              actor: User) -> None:
                await got(message, state, catalog, actor, f)
            handler.__name__ = f"got_{f}"
            return handler
        router.message(StateFilter(getattr(NewProduct, field)), HasText())(make(field))

    @router.message(Command("import_products"), HasRole(Role.ADMIN))
    async def cmd_import(message: Message, state: FSMContext, bot: Bot,
                         catalog: CatalogService, actor: User) -> None:
        if message.document is not None:  # the file came with the command as its caption
            await import_document(message, bot, catalog, actor)
            return
        await state.set_state(ImportProducts.waiting)
        await message.answer(_("Send the .csv file. Columns: sku, name, unit, vat, price, "
                               "currency, price_list (name, vat, price and currency are "
                               "required)."))

    @router.message(StateFilter(ImportProducts.waiting), HasRole(Role.ADMIN))
    async def got_file(message: Message, state: FSMContext, bot: Bot,
                       catalog: CatalogService, actor: User) -> None:
        if message.document is None:
            await message.answer(_("Please send a .csv file, or /cancel."))
            return
        if await import_document(message, bot, catalog, actor):
            await state.clear()

    async def import_document(message: Message, bot: Bot, catalog: CatalogService,
                              actor: User) -> bool:
        doc = message.document
        assert doc is not None
        if not (doc.file_name or "").lower().endswith(".csv"):
            await message.answer(_("This is not a .csv file."))
            return False
        if (doc.file_size or 0) > IMPORT_MAX_BYTES:
            await message.answer(_("The file is too large."))
            return False
        buffer = await bot.download(doc.file_id)
        data = buffer.read() if buffer is not None else b""
        try:
            report = await catalog.import_csv(actor, data)
        except DomainError as err:
            await message.answer(error_text(err))
            return False
        await message.answer(report_text(report))
        return True

    return router
