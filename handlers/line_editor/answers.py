"""The editor's typed answers for one document kind (the FSM remembers which question was
asked about which document; the draft itself lives in the database)."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import HasText, IsStaff
from handlers.line_editor.keyboards import products_keyboard
from handlers.line_editor.kind import DocumentKind
from handlers.line_editor.texts import ASK, price_list_name
from handlers.texts import error_text
from services.catalog import CatalogService
from services.errors import DomainError
from services.invoices import (
    clean_currency,
    clean_line_name,
    clean_price,
    clean_quantity,
    parse_discount,
)
from services.users import User


async def reply_error(message: Message, err: DomainError) -> None:
    await message.answer(error_text(err) + "\n" + _("Try again, or send /cancel."))


def create_answers_router(kind: DocumentKind) -> Router:
    router = Router(name=f"{kind.name}_line_answers")
    router.message.filter(IsStaff())
    states, key, make = kind.states, kind.key, kind.make

    @router.message(StateFilter(states.product_query), HasText())
    async def got_product_query(message: Message, actor: User, state: FSMContext,
                                catalog: CatalogService, **data: Any) -> None:
        values = await state.get_data()
        try:
            doc = await kind.service(data).get(actor, int(values[key]))
            found = await catalog.search(actor, message.text or "")
        except DomainError as err:
            await reply_error(message, err)
            return
        if not found:
            await message.answer(_("Nothing found. Type another name or SKU, or /cancel."))
            return
        await message.answer(_("Choose the product:"),
                             reply_markup=products_keyboard(doc.id, found, doc.currency, make,
                                                            doc.price_list))

    @router.message(StateFilter(states.product_qty), HasText())
    async def got_product_qty(message: Message, actor: User, state: FSMContext,
                              catalog: CatalogService, **data: Any) -> None:
        values = await state.get_data()
        try:
            qty = clean_quantity(message.text or "")
            doc = await kind.service(data).add_product(actor, int(values[key]),
                                                       int(values["product"]), qty)
            product = await catalog.card(actor, int(values["product"]))
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        prefix = ""
        if doc.price_list != "base" and product.exact_price(doc.currency,
                                                            doc.price_list) is None:
            prefix = _("«{product}» has no price in the price list «{name}»: the base price "
                       "is used.").format(product=html.escape(product.name),
                                          name=html.escape(price_list_name(doc.price_list)))
        await kind.show(message, actor, doc, prefix)

    @router.message(StateFilter(states.line_name), HasText())
    async def got_line_name(message: Message, state: FSMContext) -> None:
        try:
            name = clean_line_name(message.text or "")
        except DomainError as err:
            await reply_error(message, err)
            return
        values = await state.get_data()
        if values.get("kind") == "charge":
            await state.update_data(name=name, qty="1")
            await state.set_state(states.line_price)
            await message.answer(_("Amount?"))
            return
        await state.update_data(name=name)
        await state.set_state(states.line_qty)
        await message.answer(str(ASK["qty"]))

    @router.message(StateFilter(states.line_qty), HasText())
    async def got_line_qty(message: Message, state: FSMContext) -> None:
        try:
            qty = clean_quantity(message.text or "")
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.update_data(qty=str(qty))
        await state.set_state(states.line_price)
        await message.answer(_("Price per unit? For example 1 200,50."))

    @router.message(StateFilter(states.line_price), HasText())
    async def got_line_price(message: Message, actor: User, state: FSMContext,
                             **data: Any) -> None:
        values = await state.get_data()
        try:
            price = clean_price(message.text or "")
            doc = await kind.service(data).add_free_line(
                actor, int(values[key]), str(values["name"]), Decimal(str(values["qty"])),
                price, str(values.get("kind") or "item"))
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await kind.show(message, actor, doc, "")

    @router.message(StateFilter(states.line_value), HasText())
    async def got_line_value(message: Message, actor: User, state: FSMContext,
                             **data: Any) -> None:
        values = await state.get_data()
        doc_id, pos, field = int(values[key]), int(values["pos"]), str(values["field"])
        text = message.text or ""
        service = kind.service(data)
        try:
            if field == "qty":
                doc = await service.update_line(actor, doc_id, pos,
                                                quantity=clean_quantity(text))
            elif field == "price":
                doc = await service.update_line(actor, doc_id, pos,
                                                unit_price=clean_price(text))
            else:
                current = await service.get(actor, doc_id)
                doc = await service.update_line(actor, doc_id, pos,
                                                discount=parse_discount(text, current.currency))
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await kind.show(message, actor, doc, "")

    @router.message(StateFilter(states.discount), HasText())
    async def got_discount(message: Message, actor: User, state: FSMContext,
                           **data: Any) -> None:
        values = await state.get_data()
        service = kind.service(data)
        try:
            current = await service.get(actor, int(values[key]))
            percent, amount = parse_discount(message.text or "", current.currency)
            doc = await service.set_discount(actor, current.id, percent, amount)
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await kind.show(message, actor, doc, "")

    @router.message(StateFilter(states.currency), HasText())
    async def got_currency(message: Message, actor: User, state: FSMContext,
                           **data: Any) -> None:
        values = await state.get_data()
        try:
            doc = await kind.service(data).set_currency(actor, int(values[key]),
                                                        clean_currency(message.text or ""))
        except DomainError as err:
            await reply_error(message, err)
            return
        await state.clear()
        await kind.show(message, actor, doc, "")

    return router
